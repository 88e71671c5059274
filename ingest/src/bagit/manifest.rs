//! The text formats of a bag (RFC 8493): tag files of `Label: value` lines,
//! manifests of `checksum path` lines with `%`, CR and LF percent-encoded in
//! paths, and hashing a file with every checksum algorithm at once.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};

use sha2::digest::DynDigest;

/// A checksum algorithm of a manifest, named as in `manifest-<name>.txt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Algorithm {
    /// SHA-224.
    Sha224,
    /// SHA-256, the one RFC 8493 asks every bag tool to support.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Algorithm {
    /// The algorithms every bag we write carries.
    pub const WRITTEN: [Algorithm; 2] = [Algorithm::Sha256, Algorithm::Sha512];

    /// The name in manifest file names, e.g. `sha256`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha224 => "sha224",
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// The algorithm a manifest's name gives, if we can check it.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        [
            Algorithm::Sha224,
            Algorithm::Sha256,
            Algorithm::Sha384,
            Algorithm::Sha512,
        ]
        .into_iter()
        .find(|algorithm| algorithm.name() == name)
    }

    /// Length of a checksum in hex digits.
    pub fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha224 => 56,
            Algorithm::Sha256 => 64,
            Algorithm::Sha384 => 96,
            Algorithm::Sha512 => 128,
        }
    }

    fn hasher(self) -> Box<dyn DynDigest> {
        use sha2::Digest;
        match self {
            Algorithm::Sha224 => Box::new(sha2::Sha224::new()),
            Algorithm::Sha256 => Box::new(sha2::Sha256::new()),
            Algorithm::Sha384 => Box::new(sha2::Sha384::new()),
            Algorithm::Sha512 => Box::new(sha2::Sha512::new()),
        }
    }
}

/// The checksums of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksums {
    /// BLAKE3, as the catalogue records it.
    pub blake3: wenyuan_index::Digest,
    /// Lower-case hex per SHA-2 algorithm asked for.
    pub sha: BTreeMap<Algorithm, String>,
    /// Bytes read.
    pub size: u64,
}

/// Reads `input` to its end, hashing it with BLAKE3 and each of
/// `algorithms`, and writes the bytes to `output` when given (so a copy
/// and its checksums come from the same read).
pub fn hash_copy(
    input: &mut dyn Read,
    mut output: Option<&mut dyn Write>,
    algorithms: &[Algorithm],
) -> Result<Checksums, CopyError> {
    let mut blake3 = blake3::Hasher::new();
    let mut hashers: Vec<(Algorithm, Box<dyn DynDigest>)> = algorithms
        .iter()
        .map(|algorithm| (*algorithm, algorithm.hasher()))
        .collect();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let read = match input.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(CopyError::Read(error)),
        };
        let chunk = &buffer[..read];
        blake3.update(chunk);
        for (_, hasher) in &mut hashers {
            hasher.update(chunk);
        }
        if let Some(output) = output.as_mut() {
            output.write_all(chunk).map_err(CopyError::Write)?;
        }
        size += read as u64;
    }
    Ok(Checksums {
        blake3: wenyuan_index::Digest(*blake3.finalize().as_bytes()),
        sha: hashers
            .into_iter()
            .map(|(algorithm, hasher)| (algorithm, to_hex(&hasher.finalize())))
            .collect(),
        size,
    })
}

/// Which side of a copy failed.
#[derive(Debug)]
pub enum CopyError {
    /// Reading the source.
    Read(io::Error),
    /// Writing the destination.
    Write(io::Error),
}

/// Lower-case hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        hex.push(DIGITS[usize::from(byte >> 4)] as char);
        hex.push(DIGITS[usize::from(byte & 15)] as char);
    }
    hex
}

/// A path as a manifest writes it: `%` → `%25`, CR → `%0D`, LF → `%0A`
/// (RFC 8493 §2.1.3), so every entry stays on one line.
pub fn encode_path(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for character in path.chars() {
        match character {
            '%' => encoded.push_str("%25"),
            '\r' => encoded.push_str("%0D"),
            '\n' => encoded.push_str("%0A"),
            other => encoded.push(other),
        }
    }
    encoded
}

/// Undoes [`encode_path`]. Only those three escapes are decoded: a `%2F`
/// in a manifest stays literal and can never become a path separator.
pub fn decode_path(encoded: &str) -> String {
    let mut decoded = String::with_capacity(encoded.len());
    let mut rest = encoded;
    while let Some(position) = rest.find('%') {
        decoded.push_str(&rest[..position]);
        let escape = rest.get(position..position + 3).unwrap_or("");
        let replacement = match escape.to_ascii_uppercase().as_str() {
            "%25" => Some('%'),
            "%0D" => Some('\r'),
            "%0A" => Some('\n'),
            _ => None,
        };
        match replacement {
            Some(character) => {
                decoded.push(character);
                rest = &rest[position + 3..];
            }
            None => {
                decoded.push('%');
                rest = &rest[position + 1..];
            }
        }
    }
    decoded.push_str(rest);
    decoded
}

/// Checks that a path from a manifest stays inside the bag: relative,
/// `/`-separated, without empty, `.` or `..` parts. Returns why not.
pub fn check_bag_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("an empty path".into());
    }
    if path.starts_with('/') {
        return Err(format!("'{path}', an absolute path outside the bag"));
    }
    if path.contains('\\') {
        return Err(format!(
            "'{path}', a path with '\\' (bag paths are separated by '/')"
        ));
    }
    if path.contains('\0') {
        return Err("a path with a NUL character".into());
    }
    for part in path.split('/') {
        match part {
            ".." => return Err(format!("'{path}', a path that leads outside the bag")),
            "" | "." => return Err(format!("'{path}', a path with an empty or '.' part")),
            _ => {}
        }
    }
    Ok(())
}

/// One line of a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// The checksum, lower-cased.
    pub checksum: String,
    /// The decoded path relative to the bag, e.g. `data/photo.jpg`.
    pub path: String,
    /// Line number, from 1, for messages.
    pub line: usize,
}

/// Parses a manifest: `checksum` then whitespace then the encoded path, one
/// per line; blank lines are allowed. Checks each checksum's form and each
/// path's safety. Errors name the line.
pub fn parse_manifest(
    text: &str,
    algorithm: Option<Algorithm>,
) -> Result<Vec<ManifestEntry>, String> {
    let mut entries = Vec::new();
    for (index, raw_line) in text.split('\n').enumerate() {
        let line_number = index + 1;
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        if line.trim().is_empty() {
            continue;
        }
        let Some((checksum, rest)) = line.split_once([' ', '\t']) else {
            return Err(format!("line {line_number} has a checksum but no path"));
        };
        let path = decode_path(rest.trim_start_matches([' ', '\t']));
        let checksum = checksum.to_ascii_lowercase();
        if let Some(algorithm) = algorithm
            && (checksum.len() != algorithm.hex_len()
                || !checksum.bytes().all(|byte| byte.is_ascii_hexdigit()))
        {
            return Err(format!(
                "line {line_number} has '{checksum}', which is not a {} checksum",
                algorithm.name()
            ));
        }
        check_bag_path(&path).map_err(|problem| format!("line {line_number} names {problem}"))?;
        entries.push(ManifestEntry {
            checksum,
            path,
            line: line_number,
        });
    }
    Ok(entries)
}

/// Writes a manifest, entries sorted by path.
pub fn format_manifest(entries: &BTreeMap<String, String>) -> String {
    let mut text = String::new();
    for (path, checksum) in entries {
        text.push_str(checksum);
        text.push_str("  ");
        text.push_str(&encode_path(path));
        text.push('\n');
    }
    text
}

/// Parses a tag file (`bagit.txt`, `bag-info.txt`): `Label: value` lines,
/// a line starting with whitespace continuing the value before it.
pub fn parse_tag_file(text: &str) -> Result<Vec<(String, String)>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut entries: Vec<(String, String)> = Vec::new();
    for (index, raw_line) in text.split('\n').enumerate() {
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            let Some((_, value)) = entries.last_mut() else {
                return Err(format!("line {} continues nothing", index + 1));
            };
            value.push(' ');
            value.push_str(line.trim());
            continue;
        }
        let Some((label, value)) = line.split_once(':') else {
            return Err(format!("line {} is not 'Label: value'", index + 1));
        };
        entries.push((label.trim().to_string(), value.trim().to_string()));
    }
    Ok(entries)
}

/// The first value of `label` in a parsed tag file (labels compare case-insensitively).
pub fn tag_value<'a>(entries: &'a [(String, String)], label: &str) -> Option<&'a str> {
    entries
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(label))
        .map(|(_, value)| value.as_str())
}

/// Writes a tag file; values are put on one line (line breaks and other
/// control characters become spaces).
pub fn format_tag_file(entries: &[(&str, String)]) -> String {
    let mut text = String::new();
    for (label, value) in entries {
        let one_line: String = value
            .chars()
            .map(|character| {
                if character.is_control() {
                    ' '
                } else {
                    character
                }
            })
            .collect();
        text.push_str(label);
        text.push_str(": ");
        text.push_str(one_line.trim());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests;
