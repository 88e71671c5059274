//! File names inside a bag: the original name of each file, made safe on
//! any filesystem an archive may be copied to (no separators, no control
//! characters, none of Windows' reserved names or characters) and unique
//! within its folder, ignoring case.

use std::collections::HashSet;

/// Longest name we write, in bytes (most filesystems allow 255).
const MAX_NAME_BYTES: usize = 200;

/// The last part of `source_path` as a safe file name; `file` when nothing usable is left.
pub fn safe_file_name(source_path: &str) -> String {
    let original = source_path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(source_path);
    let cleaned: String = original
        .chars()
        .filter(|character| !character.is_control())
        .map(|character| match character {
            ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            other => other,
        })
        .collect();
    // A leading dot hides a file (and `.`/`..` are not names); Windows drops trailing dots and spaces.
    let trimmed = cleaned
        .trim_start_matches(|character: char| character == '.' || character.is_whitespace())
        .trim_end_matches(|character: char| character == '.' || character.is_whitespace());
    let mut name = if trimmed.is_empty() {
        "file".to_string()
    } else {
        trimmed.to_string()
    };
    let (stem, _) = split_extension(&name);
    if is_reserved_on_windows(stem) {
        name.insert(0, '_');
    }
    shorten(&name, MAX_NAME_BYTES)
}

/// `(stem, ".ext")`; the extension is empty when there is none or it is implausibly long.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(position) if position > 0 && name.len() - position <= 16 => name.split_at(position),
        _ => (name, ""),
    }
}

fn is_reserved_on_windows(stem: &str) -> bool {
    let upper = stem.trim().to_ascii_uppercase();
    matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.len() == 4
            && upper.as_bytes()[3].is_ascii_digit())
}

/// Cuts the stem so the whole name fits `limit` bytes, keeping the extension.
fn shorten(name: &str, limit: usize) -> String {
    if name.len() <= limit {
        return name.to_string();
    }
    let (stem, extension) = split_extension(name);
    let mut end = limit.saturating_sub(extension.len());
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{extension}", &stem[..end])
}

/// Hands out names unique within one folder, ignoring case (two names that
/// differ only in case are one file on Windows and macOS).
#[derive(Debug, Default)]
pub struct UniqueNames {
    taken: HashSet<String>,
}

impl UniqueNames {
    /// `name`, or `stem-2.ext`, `stem-3.ext` … when it is taken.
    pub fn claim(&mut self, name: &str) -> String {
        if self.taken.insert(name.to_lowercase()) {
            return name.to_string();
        }
        let (stem, extension) = split_extension(name);
        for counter in 2.. {
            let suffix = format!("-{counter}");
            let candidate = shorten(
                &format!("{stem}{suffix}{extension}"),
                MAX_NAME_BYTES + suffix.len(),
            );
            if self.taken.insert(candidate.to_lowercase()) {
                return candidate;
            }
        }
        unreachable!("some counter is free")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_what_is_safe() {
        assert_eq!(
            safe_file_name("/scans/photos/耀州窑 碗.jpg"),
            "耀州窑 碗.jpg"
        );
        assert_eq!(safe_file_name("C:\\scans\\a.tif"), "a.tif");
        assert_eq!(safe_file_name("/s/50%.png"), "50%.png");
        assert_eq!(safe_file_name("/s/a:b?c\n.jpg"), "a_b_c.jpg");
        assert_eq!(safe_file_name("/s/..."), "file");
        assert_eq!(safe_file_name("/s/.hidden"), "hidden");
        assert_eq!(safe_file_name("/s/"), "file");
        assert_eq!(safe_file_name("/s/con.txt"), "_con.txt");
        assert_eq!(safe_file_name("/s/COM1"), "_COM1");
        assert_eq!(safe_file_name("/s/name. "), "name");
        let long = format!("/s/{}.tif", "图".repeat(100));
        let short = safe_file_name(&long);
        assert!(
            short.len() <= MAX_NAME_BYTES && short.ends_with(".tif"),
            "{short}"
        );
    }

    #[test]
    fn names_are_unique_ignoring_case() {
        let mut names = UniqueNames::default();
        assert_eq!(names.claim("0001.tif"), "0001.tif");
        assert_eq!(names.claim("0001.TIF"), "0001-2.TIF");
        assert_eq!(names.claim("0001.tif"), "0001-3.tif");
        assert_eq!(names.claim("README"), "README");
        assert_eq!(names.claim("readme"), "readme-2");
    }
}
