use super::*;
use crate::testing::Rng;

/// Matches count by ranges as one by one, whatever the word boundaries.
#[test]
fn matches_count_ranges_exactly() {
    let max_doc = 300;
    let mut matches = Matches::new(max_doc);
    let set: Vec<DocId> = (0..max_doc)
        .filter(|doc| doc % 3 == 0 || doc % 7 == 1)
        .collect();
    for &doc in &set {
        matches.insert(doc);
    }
    assert_eq!(matches.len(), set.len() as u64);
    assert_eq!(matches.docs().collect::<Vec<_>>(), set);
    for start in 0..=max_doc {
        for end in [
            start,
            start + 1,
            start + 63,
            start + 64,
            start + 65,
            max_doc,
        ] {
            let end = end.min(max_doc);
            let want = set.iter().filter(|doc| (start..end).contains(*doc)).count();
            assert_eq!(
                matches.count_range(start, end),
                want as u64,
                "{start}..{end}"
            );
        }
    }
    matches.retain(|doc| doc % 2 == 0);
    let even: Vec<DocId> = set.iter().copied().filter(|doc| doc % 2 == 0).collect();
    assert_eq!(matches.docs().collect::<Vec<_>>(), even);
}

/// Counting a block of matches run by run gives what counting each
/// match does, across run boundaries and for runs no match falls in;
/// columns of short runs are not kept as runs.
#[test]
fn runs_count_as_each_document_does() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut next = |below: u64| rng.next() % below;
    for max_doc in [1u32, 17, 1000, 5000] {
        // Runs of 1 to 200 documents, values 0..5.
        let mut values = Vec::new();
        while values.len() < max_doc as usize {
            let value = next(5);
            let length = 1 + next(200) as usize;
            values.extend(std::iter::repeat_n(value, length));
        }
        values.truncate(max_doc as usize);
        let read = |docs: &[DocId], out: &mut [u64]| {
            for (doc, out) in docs.iter().zip(out) {
                *out = values[*doc as usize];
            }
        };
        let runs = Runs::of(max_doc, read).expect("long runs are kept");
        assert_eq!(runs.ends.last(), Some(&max_doc));
        for _ in 0..200 {
            let mut docs: Vec<DocId> = (0..max_doc).filter(|_| next(4) == 0).collect();
            docs.truncate(BLOCK);
            let mut want = [0u64; 5];
            for doc in &docs {
                want[values[*doc as usize] as usize] += 1;
            }
            let mut got = [0u64; 5];
            runs.count(&docs, |value, n| got[value as usize] += n);
            assert_eq!(got, want, "{docs:?}");
        }
    }
    let alternating = |docs: &[DocId], out: &mut [u64]| {
        for (doc, out) in docs.iter().zip(out) {
            *out = u64::from(doc / 4 % 2);
        }
    };
    assert!(Runs::of(10_000, alternating).is_none());
}

/// A segment's years usually span few decades (a counter each); one
/// spanning more hashes them. Both count the same, BCE years included.
#[test]
fn dense_and_sparse_decades_count_alike() {
    let years = [-2070, -2061, -11, -1, 0, 9, 10, 1958, 1959, 1960, 2026];
    let (first, last) = (-2070i64.div_euclid(10), 2026i64.div_euclid(10));
    let mut dense = Decades::Dense {
        first,
        counts: vec![0; usize::try_from(last - first + 1).unwrap()],
    };
    let mut sparse = Decades::Sparse(HashMap::new());
    for year in years {
        dense.count(year);
        sparse.count(year);
    }
    let (mut dense, mut sparse) = (dense.counts(), sparse.counts());
    sparse.sort();
    dense.sort();
    assert_eq!(dense, sparse);
    assert_eq!(
        dense,
        [
            (-2070, 2),
            (-20, 1),
            (-10, 1),
            (0, 2),
            (10, 1),
            (1950, 2),
            (1960, 1),
            (2020, 1)
        ]
    );
}

#[test]
fn cursors_round_trip_and_reject_tampering() {
    let key = SortKey {
        primary: 1,
        secondary: u64::MAX,
        tie: 42,
    };
    let cursor = key.to_cursor(Sort::Title);
    assert_eq!(SortKey::from_cursor(&cursor, Sort::Title), Some(key));
    assert_eq!(SortKey::from_cursor(&cursor, Sort::Relevance), None);
    assert_eq!(SortKey::from_cursor("t123", Sort::Title), None);
    assert_eq!(
        SortKey::from_cursor("t日日日日日日日日日日日日日日日日", Sort::Title),
        None
    );
}

#[test]
fn relevance_keys_give_back_their_score() {
    for score in [0.0f32, 1e-30, 0.5, 1.0, 3.75, 1e9, -2.0] {
        assert_eq!(key_score(relevance_key(score, 7)), score);
    }
    let tampered = SortKey {
        primary: 1,
        secondary: 0,
        tie: 0,
    };
    assert!(key_score(tampered).is_nan());
}

#[test]
fn orders_are_monotonic() {
    assert!(ordered_score(1.0) < ordered_score(2.0));
    assert!(ordered_score(-1.0) < ordered_score(0.0));
    assert!(ordered_i64(-5) < ordered_i64(3));
}

#[test]
fn every_face_names_the_orders_alike() {
    for sort in Sort::ALL {
        assert_eq!(Sort::from_name(sort.name()), Some(sort));
    }
    assert_eq!(Sort::DateAsc.name(), "date_asc");
    assert_eq!(Sort::from_name("date"), Some(Sort::DateAsc));
    assert_eq!(Sort::from_name("date-desc"), Some(Sort::DateDesc));
    assert_eq!(Sort::from_name("random"), None);
}
