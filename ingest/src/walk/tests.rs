use super::*;
use wenyuan_index::testing::Rng;

/// The character-by-character version `natural_cmp` replaced, kept as the oracle.
fn character_natural_cmp(left: &str, right: &str) -> Ordering {
    let mut left_chars = left.chars().peekable();
    let mut right_chars = right.chars().peekable();
    loop {
        match (left_chars.peek().copied(), right_chars.peek().copied()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(left_char), Some(right_char))
                if left_char.is_ascii_digit() && right_char.is_ascii_digit() =>
            {
                let left_number = take_digits(&mut left_chars);
                let right_number = take_digits(&mut right_chars);
                let left_trimmed = left_number.trim_start_matches('0');
                let right_trimmed = right_number.trim_start_matches('0');
                let by_value = left_trimmed
                    .len()
                    .cmp(&right_trimmed.len())
                    .then_with(|| left_trimmed.cmp(right_trimmed))
                    .then_with(|| left_number.len().cmp(&right_number.len()));
                if by_value != Ordering::Equal {
                    return by_value;
                }
            }
            (Some(left_char), Some(right_char)) => {
                if left_char != right_char {
                    return left_char.cmp(&right_char);
                }
                left_chars.next();
                right_chars.next();
            }
        }
    }
}

fn take_digits(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut digits = String::new();
    while let Some(&next) = chars.peek() {
        if !next.is_ascii_digit() {
            break;
        }
        digits.push(next);
        chars.next();
    }
    digits
}

#[test]
fn the_byte_comparison_orders_like_the_character_one() {
    let alphabet = [
        "0", "00", "1", "2", "9", "10", "010", "a", "A", "-", ".", " ", "/", "页", "第", "é", "z",
    ];
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut next = |bound: usize| rng.below(bound);
    let texts: Vec<String> = (0..400)
        .map(|_| {
            (0..next(7))
                .map(|_| alphabet[next(alphabet.len())])
                .collect()
        })
        .collect();
    for left in &texts {
        for right in &texts {
            assert_eq!(
                natural_cmp(left, right),
                character_natural_cmp(left, right),
                "{left:?} vs {right:?}"
            );
        }
    }
}

#[test]
fn natural_order_puts_2_before_10() {
    let mut names = vec!["p10.tif", "p2.tif", "p1.tif", "p02.tif"];
    names.sort_by(|left, right| natural_cmp(left, right));
    assert_eq!(names, vec!["p1.tif", "p2.tif", "p02.tif", "p10.tif"]);
}

#[test]
fn skips_system_files_and_finds_sidecars() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    for name in [
        "a.jpg",
        "a.json",
        "a.txt",
        "b.pdf",
        "notes.txt",
        ".DS_Store",
        "Thumbs.db",
        "~$sheet.xlsx",
        "metadata.csv",
    ] {
        fs::write(root.join(name), b"x").unwrap();
    }
    let tree = walk(root, None).unwrap();
    let names: Vec<String> = tree
        .files
        .iter()
        .map(|file| {
            file.path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, vec!["a.jpg", "b.pdf", "notes.txt"]);
    assert_eq!(tree.sheets.len(), 1);
    let sidecars = &tree.sidecars[&root.canonicalize().unwrap().join("a.jpg")];
    assert!(sidecars.json.is_some());
    assert!(sidecars.ocr.is_some());
}
