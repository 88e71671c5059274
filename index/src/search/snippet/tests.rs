use super::super::tokenizer::fold;
use super::*;
use crate::testing::Rng;

#[test]
fn marks_original_traditional_characters() {
    let h = highlight("區圖書館藏書", &["图书馆".to_string()]);
    assert_eq!(h.marked(), vec!["圖書館"]);
    assert_eq!(h.plain_text(), "區圖書館藏書");
    let h = highlight("文化遗产与文化馆", &["文化馆".to_string()]);
    assert_eq!(h.marked(), vec!["文化馆"]);
    let h = highlight("Ｃafé ＡＢＣ", &["cafe".to_string(), "abc".to_string()]);
    assert_eq!(h.marked(), vec!["Ｃafé", "ＡＢＣ"]);
}

/// Issue #7 (fuzzed): a decomposed accent, which normalisation drops,
/// vanished from highlighted titles ("Cafe\u{301}" showed as "Cafe").
#[test]
fn characters_dropped_by_normalisation_stay_in_the_text() {
    let h = highlight("Cafe\u{301} e\u{301}", &["cafe".to_string()]);
    assert_eq!(h.plain_text(), "Cafe\u{301} e\u{301}");
    assert_eq!(h.marked(), vec!["Cafe\u{301}"]);
    let h = highlight("\u{301}a", &["a".to_string()]);
    assert_eq!(h.plain_text(), "\u{301}a");
}

/// Issue #7 (fuzzed): a term inside the expansion of one character
/// (ﷺ is eighteen normalised characters) gave a snippet with no mark.
#[test]
fn a_match_inside_one_expanded_character_marks_it() {
    let terms = vec![fold("\u{1EE6C}")];
    let s = snippet("ﷺ", &terms, 120).unwrap();
    assert_eq!(s.marked(), vec!["ﷺ"]);
}

/// The renderer as first written, one normalised-character group at a
/// time: what [`render`], run by run, must equal.
fn render_group_by_group(
    original: &str,
    spans: &[(usize, usize)],
    marked: &[bool],
    from: usize,
    to: usize,
) -> Highlighted {
    let mut out = Highlighted::default();
    if from > 0 {
        out.push("…", false);
    }
    let mut cursor = if from == 0 { 0 } else { spans[from].0 };
    let mut state = false;
    let mut i = from;
    while i < to {
        let (start, end) = spans[i];
        let mut group_marked = false;
        while i < to && spans[i] == (start, end) {
            group_marked |= marked[i];
            i += 1;
        }
        if start > cursor {
            out.push(&original[cursor..start], state);
        }
        state = group_marked;
        out.push(&original[start.max(cursor)..end.max(cursor)], state);
        cursor = cursor.max(end);
    }
    let window_end = match spans.get(to) {
        Some(next) => next.0.max(cursor),
        None => original.len(),
    };
    if window_end > cursor {
        out.push(&original[cursor..window_end], state);
    }
    if to < spans.len() {
        out.push("…", false);
    }
    out
}

#[test]
fn runs_render_as_groups_did() {
    let texts = [
        "區圖書館藏書，明月光。",
        "Ｃafé ＡＢＣ ﷺ ﬃx e\u{301}\u{301}y",
        "\u{301}a\u{301}",
        "乾隆看著書畫 𠀀𠀁 abc",
        "",
    ];
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut next = |below: usize| rng.below(below.max(1));
    for text in texts {
        let normalized = normalize(text);
        let len = normalized.chars.len();
        for _ in 0..500 {
            let marked: Vec<bool> = (0..len).map(|_| next(3) == 0).collect();
            // As the callers ask: a window starts on a character.
            let from = next(len);
            let to = from + next(len - from + 1);
            assert_eq!(
                render(text, &normalized.spans, &marked, from, to),
                render_group_by_group(text, &normalized.spans, &marked, from, to),
                "{text:?} {marked:?} {from}..{to}"
            );
        }
    }
}

#[test]
fn snippet_windows_around_matches() {
    let text = format!("{}耀州窑青瓷{}", "甲".repeat(300), "乙".repeat(300));
    let s = snippet(&text, &["青瓷".to_string()], 60).unwrap();
    assert_eq!(s.marked(), vec!["青瓷"]);
    assert!(s.plain_text().chars().count() <= 62);
    assert!(snippet(&text, &["白瓷".to_string()], 60).is_none());
    assert!(snippet("", &["a".to_string()], 60).is_none());
}
