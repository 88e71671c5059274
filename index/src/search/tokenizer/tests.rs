use super::*;
use crate::testing::Rng;

/// The normalisation written plainly, character by character through the
/// normaliser's iterators: what [`normalize`]'s fast paths must equal.
fn normalize_by_definition(text: &str) -> Normalized {
    // NFKC per original character, so each output char knows its source.
    let mut chars = Vec::with_capacity(text.len() / 2);
    let mut spans = Vec::with_capacity(text.len() / 2);
    for (start, c) in text.char_indices() {
        let end = start + c.len_utf8();
        if c.is_ascii() {
            chars.push(c);
            spans.push((start, end));
            continue;
        }
        for n in std::iter::once(c).nfkc() {
            chars.push(n);
            spans.push((start, end));
        }
    }
    // Traditional → simplified. fast2s maps one char to one char; should it
    // ever change the count, keep the unfolded text (offsets stay correct).
    let nfkc: String = chars.iter().collect();
    let folded = fast2s::convert(&nfkc);
    if folded.chars().count() == chars.len() {
        chars = folded.chars().collect();
    }
    // Lower case and strip diacritics (combining marks after NFD).
    let mut out_chars = Vec::with_capacity(chars.len());
    let mut out_spans = Vec::with_capacity(chars.len());
    for (c, span) in chars.into_iter().zip(spans) {
        if c.is_ascii() {
            out_chars.push(c.to_ascii_lowercase());
            out_spans.push(span);
            continue;
        }
        if is_cjk(c) {
            out_chars.push(c);
            out_spans.push(span);
            continue;
        }
        for lower in c.to_lowercase() {
            for d in std::iter::once(lower).nfd() {
                if is_combining_mark(d) {
                    continue;
                }
                out_chars.push(d);
                out_spans.push(span);
            }
        }
    }
    Normalized {
        text: out_chars.iter().collect(),
        chars: out_chars,
        spans: out_spans,
    }
}

#[test]
fn folding_equals_fast2s() {
    // Every character it converts, next to others.
    let every: String = (0x700u32..=0x1_0100).filter_map(char::from_u32).collect();
    let mut chars: Vec<char> = every.chars().collect();
    fold_to_simplified(&mut chars);
    assert_eq!(chars.iter().collect::<String>(), fast2s::convert(&every));
    // The characters folded by context, in and out of their words.
    let words = "兒寬答覆批覆回覆甚夥慰藉狼藉瞭望幺麽樊於乾隆乾坤乾卦藉口憑藉看著苧麻闔家鍾書\
                 校讎讎定仇讎計畫企畫";
    let mut pool: Vec<char> = words.chars().collect();
    pool.extend("兒覆夥藉瞭麽幺於乾著苧闔鍾讎畫書畫家國0a".chars());
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for _ in 0..3000 {
        let len = 1 + (rng.0 % 7) as usize;
        let text: String = (0..len).map(|_| *rng.pick(&pool)).collect();
        let mut chars: Vec<char> = text.chars().collect();
        fold_to_simplified(&mut chars);
        assert_eq!(
            chars.iter().collect::<String>(),
            fast2s::convert(&text),
            "{text}"
        );
    }
    let mut chars: Vec<char> = words.chars().collect();
    fold_to_simplified(&mut chars);
    assert_eq!(chars.iter().collect::<String>(), fast2s::convert(words));
}

#[test]
fn fast_paths_equal_the_definition_for_every_character() {
    let mut text = String::new();
    for code in (0..=0x3_2000u32).chain(0xE_0000..=0xE_01EF) {
        let Some(c) = char::from_u32(code) else {
            continue;
        };
        let one = c.to_string();
        let (fast, plain) = (normalize(&one), normalize_by_definition(&one));
        assert_eq!(
            (&fast.text, &fast.chars, &fast.spans),
            (&plain.text, &plain.chars, &plain.spans),
            "U+{code:04X}"
        );
        text.push(c);
        text.push(if code % 3 == 0 { '\u{0301}' } else { '書' });
    }
    // And in context: neighbours, combining marks after letters.
    let (fast, plain) = (normalize(&text), normalize_by_definition(&text));
    assert_eq!(fast.text, plain.text);
    assert_eq!(fast.spans, plain.spans);
}

/// The single pass and its fallback against the definition, on random
/// mixtures of what each path handles: ideographs folded alone and by
/// context (乾隆, 看著), full-width forms, punctuation, compatibility
/// ideographs, expansions (ﷺ, ﬃ), combining accents, upper case and
/// characters beyond the BMP.
#[test]
fn normalising_equals_the_definition_in_mixed_text() {
    let pool: Vec<char> = "圖書館图书馆乾隆坤看著於樊兒寬畫計覆明月，。、「」…\u{3000}\
                           ＡａＺ１！Café\u{301}\u{308}ﷺﬃⅲ\u{F92C}𠀀𠀁AbZ09 \n"
        .chars()
        .collect();
    let mut rng = Rng(0x5745_4e59_5541_4e31);
    let mut simple = 0;
    for _ in 0..20_000 {
        let len = 1 + rng.below(8);
        let text: String = (0..len).map(|_| *rng.pick(&pool)).collect();
        simple += usize::from(normalize_simple(&text).is_some());
        let (fast, plain) = (normalize(&text), normalize_by_definition(&text));
        assert_eq!(
            (&fast.text, &fast.chars, &fast.spans),
            (&plain.text, &plain.chars, &plain.spans),
            "{text:?}"
        );
    }
    // Both paths were taken.
    assert!((1_000..19_000).contains(&simple), "{simple}");
}

fn collect(mut tokenizer: impl Tokenizer, text: &str) -> Vec<(String, usize, usize, usize)> {
    let mut stream = tokenizer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let token = stream.token();
        out.push((
            token.text.clone(),
            token.position,
            token.offset_from,
            token.offset_to,
        ));
    }
    out
}

#[test]
fn normalisation_folds_and_keeps_offsets() {
    let normalized = normalize("圖書館 Ｃafé１");
    assert_eq!(normalized.text, "图书馆 cafe1");
    assert_eq!(normalized.original_range(0, 3), (0, 9));
    let original = "圖書館 Ｃafé１";
    let (from, to) = normalized.original_range(4, 8);
    assert_eq!(&original[from..to], "Ｃafé");
    assert_eq!(fold("靜夜思"), "静夜思");
    assert_eq!(fold("文化館"), "文化馆");
}

#[test]
fn words_use_first_char_positions_and_original_offsets() {
    let text = "黃堡鎮綜合文化站";
    let tokens = collect(ZhWords, text);
    assert!(
        tokens.iter().any(|t| t.0 == "黄堡镇" && t.1 == 0),
        "{tokens:?}"
    );
    for (word, position, from, to) in &tokens {
        assert_eq!(fold(&text[*from..*to]), *word);
        assert_eq!(text[..*from].chars().count(), *position);
    }
    let tokens = collect(ZhWords, "耀州窑 celadon, 2024！");
    let words: Vec<&str> = tokens.iter().map(|t| t.0.as_str()).collect();
    assert!(words.contains(&"耀州窑") && words.contains(&"celadon") && words.contains(&"2024"));
    assert!(
        !words
            .iter()
            .any(|w| w.trim().is_empty() || *w == "," || *w == "!")
    );
}

#[test]
fn grams_have_real_positions() {
    let tokens = collect(ZhGrams, "明月光 ab");
    let pairs: Vec<(&str, usize)> = tokens.iter().map(|t| (t.0.as_str(), t.1)).collect();
    assert_eq!(
        pairs,
        vec![
            ("明", 0),
            ("明月", 0),
            ("月", 1),
            ("月光", 1),
            ("光", 2),
            ("ab", 4)
        ]
    );
    let query: Vec<(String, usize)> = query_gram_tokens("明月光")
        .into_iter()
        .map(|t| (t.text, t.start))
        .collect();
    assert_eq!(
        query,
        vec![("明月".to_string(), 0), ("月光".to_string(), 1)]
    );
}

#[test]
fn pinyin_per_char_word_and_run() {
    let tokens = collect(PinyinTokenizer, "王益区 李白");
    let words: Vec<&str> = tokens.iter().map(|t| t.0.as_str()).collect();
    for expected in ["wang", "yi", "qu", "wangyiqu", "li", "bai", "libai"] {
        assert!(
            words.contains(&expected),
            "{expected} missing from {words:?}"
        );
    }
    assert_eq!(title_sort_key("王益 Museum"), "wangyimuseum");
}
