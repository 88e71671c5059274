//! Helpers shared by the workspace's tests (not part of the archive's API).

/// The number of cases a property test runs: `cases` in CI, multiplied by
/// the environment variable `WENYUAN_FUZZ_SCALE` (a whole number, at least 1)
/// for longer fuzzing runs.
pub fn fuzz_cases(cases: u32) -> u32 {
    let scale = std::env::var("WENYUAN_FUZZ_SCALE")
        .ok()
        .and_then(|value| value.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    cases.saturating_mul(scale)
}
