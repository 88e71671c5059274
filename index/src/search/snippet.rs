//! Highlighting and snippets, marked on the text as written.
//!
//! Matching follows the index's own semantics: a query term is highlighted
//! wherever its normalised form occurs as a substring of the normalised
//! text (so 图书馆 marks 圖書館, and 文化馆 does not mark the 文化 of
//! 文化遗产). Because normalisation keeps a map from each normalised
//! character to the original's bytes, the marks always cover the original
//! characters. Output is a list of plain and highlighted spans; escaping is
//! the web layer's business.

use super::tokenizer::normalize;

/// A run of text, highlighted or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    /// The text as written.
    pub text: String,
    /// True when this run matched the query.
    pub highlighted: bool,
}

/// Text split into plain and highlighted runs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Highlighted {
    /// The runs, in order.
    pub fragments: Vec<Fragment>,
}

impl Highlighted {
    /// The text without marks.
    pub fn plain_text(&self) -> String {
        self.fragments.iter().map(|f| f.text.as_str()).collect()
    }

    /// The highlighted runs' texts.
    pub fn marked(&self) -> Vec<&str> {
        self.fragments
            .iter()
            .filter(|f| f.highlighted)
            .map(|f| f.text.as_str())
            .collect()
    }

    /// True when some run is highlighted.
    pub fn has_highlights(&self) -> bool {
        self.fragments.iter().any(|f| f.highlighted)
    }

    fn push(&mut self, text: &str, highlighted: bool) {
        if text.is_empty() {
            return;
        }
        match self.fragments.last_mut() {
            Some(last) if last.highlighted == highlighted => last.text.push_str(text),
            _ => self.fragments.push(Fragment {
                text: text.to_string(),
                highlighted,
            }),
        }
    }
}

/// Longest text scanned for snippets (bytes); later text is not shown.
const MAX_SCAN_BYTES: usize = 200_000;

/// Which normalised characters of `text` are covered by a term occurrence.
fn marks(chars: &[char], terms: &[String]) -> Vec<bool> {
    let mut marked = vec![false; chars.len()];
    for term in terms {
        let needle: Vec<char> = term.chars().collect();
        let Some((&first, rest)) = needle.split_first() else {
            continue;
        };
        if needle.len() > chars.len() {
            continue;
        }
        for start in 0..=chars.len() - needle.len() {
            // The first character alone rules out nearly every start.
            if chars[start] == first && chars[start + 1..start + needle.len()] == *rest {
                marked[start..start + needle.len()].fill(true);
            }
        }
    }
    marked
}

/// Cuts `text` to a char boundary at most `max` bytes long.
fn clip(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Highlights a normalised-character window `from..to` of the original.
///
/// Works on original characters: one that became several normalised ones
/// (ﷺ, ﬃ) is marked when any of them is, and one normalisation dropped (a
/// combining accent after its letter) goes with the character before it, so
/// the window is always the original text, whole. Each run of marked or
/// unmarked characters is copied once.
fn render(
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
    // original[run..cursor] is the run in progress, marked or not as `state`.
    let mut run = if from == 0 { 0 } else { spans[from].0 };
    let mut cursor = run;
    let mut state = false;
    let mut i = from;
    while i < to {
        let (start, end) = spans[i];
        let mut group_marked = false;
        while i < to && spans[i] == (start, end) {
            group_marked |= marked[i];
            i += 1;
        }
        // Dropped characters before the group stay in the run in progress.
        let group_start = start.max(cursor);
        if group_marked != state {
            out.push(&original[run..group_start], state);
            run = group_start;
            state = group_marked;
        }
        cursor = cursor.max(end);
    }
    let window_end = match spans.get(to) {
        Some(next) => next.0.max(cursor),
        None => original.len(),
    };
    out.push(&original[run..window_end.max(run)], state);
    if to < spans.len() {
        out.push("…", false);
    }
    out
}

/// The whole text with every occurrence of the (normalised) terms marked.
pub fn highlight(text: &str, terms: &[String]) -> Highlighted {
    let text = clip(text, MAX_SCAN_BYTES);
    let normalized = normalize(text);
    let marked = marks(&normalized.chars, terms);
    render(text, &normalized.spans, &marked, 0, normalized.chars.len())
}

/// A window of about `max_chars` characters around the densest matches, or
/// `None` when no term occurs in the text.
pub fn snippet(text: &str, terms: &[String], max_chars: usize) -> Option<Highlighted> {
    let text = clip(text, MAX_SCAN_BYTES);
    let normalized = normalize(text);
    let marked = marks(&normalized.chars, terms);
    let len = marked.len();
    let first = marked.iter().position(|m| *m)?;
    // Slide a window, counting marked characters; prefer the earliest best.
    let width = max_chars.min(len).max(1);
    let mut best_start = first.saturating_sub(width / 5);
    let mut best_count = 0;
    let mut count = marked[..width.min(len)].iter().filter(|m| **m).count();
    for start in 0..=len - width {
        if start > 0 {
            count -= usize::from(marked[start - 1]);
            count += usize::from(marked[start + width - 1]);
        }
        if count > best_count {
            best_count = count;
            best_start = start;
        }
    }
    // Start a little before the first match in the window, for context.
    let first_in_window = (best_start..len).find(|&i| marked[i]).unwrap_or(best_start);
    let from = first_in_window.saturating_sub(width / 5).min(len - width);
    let from = from
        .max(best_start.saturating_sub(width / 5))
        .min(first_in_window);
    let to = (from + width).min(len);
    Some(render(text, &normalized.spans, &marked, from, to))
}

/// The start of a text without highlights, about `max_chars` characters.
pub fn head(text: &str, max_chars: usize) -> Option<Highlighted> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    let mut out = Highlighted::default();
    let cut: String = trimmed.chars().take(max_chars).collect();
    out.push(&cut, false);
    if cut.len() < trimmed.len() {
        out.push("…", false);
    }
    Some(out)
}

#[cfg(test)]
mod tests;
