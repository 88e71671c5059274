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

/// Benchmark queries as people type them: `per_length` each of 1, 2, 3 and
/// 4 consecutive CJK characters cut from random `texts` (in that order,
/// cycling), every third one folded to simplified, no query twice. The same
/// `seed` gives the same queries (xorshift64*, the benchmarks' generator).
pub fn cut_queries(texts: &[Vec<char>], per_length: usize, seed: u64) -> Vec<String> {
    let mut state = seed;
    let mut below = |n: usize| {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) % n as u64) as usize
    };
    let mut queries: Vec<String> = Vec::new();
    for i in 0..per_length * 4 {
        let len = 1 + i % 4;
        loop {
            let chars = &texts[below(texts.len())];
            if chars.len() < len {
                continue;
            }
            let start = below(chars.len() - len + 1);
            let piece = &chars[start..start + len];
            if !piece.iter().all(|c| crate::search::tokenizer::is_cjk(*c)) {
                continue;
            }
            let mut query: String = piece.iter().collect();
            if i % 3 == 2 {
                query = crate::search::tokenizer::fold(&query);
            }
            if !queries.contains(&query) {
                queries.push(query);
                break;
            }
        }
    }
    queries
}
