//! Helpers shared by the workspace's tests (not part of the archive's API).

/// A small deterministic random generator (xorshift64) for test data: the
/// same sequence on every machine and every run.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 bits.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n` (which must not be 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// One of `items` (which must not be empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

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

pub mod holdings;

/// A venue with only its id, Chinese name and kind set.
pub fn venue(
    id: &str,
    name: &str,
    kind: crate::model::InstitutionKind,
) -> crate::model::Institution {
    crate::model::Institution {
        id: id.into(),
        name_zh: name.into(),
        name_en: None,
        kind,
        address: None,
        opening_hours: None,
        services: Vec::new(),
        accessibility: None,
        contact: None,
        website: None,
    }
}
