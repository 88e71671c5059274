//! Per-file JSON sidecars: `<name>.json` describing the one item `<name>` belongs to.
//!
//! The sidecar is an object whose keys are headers exactly as in sheets
//! (English Dublin Core names or Chinese ones, special columns, or extra
//! fields); each value is a string (split on `;` and `；`) or an array of
//! strings and numbers (taken as separate values).

use std::path::Path;

use serde_json::Value;

use super::{ColumnRole, Description, FieldValue, MetadataError, decode_text, read_side_file};

/// Reads a JSON sidecar describing one item.
///
/// A `file` key is ignored (the sidecar's own name says which file it
/// describes); `null` values are ignored. The file may be UTF-8 or GBK.
pub fn read_json_sidecar(path: &Path) -> Result<Description, MetadataError> {
    description_from_bytes(path, &read_side_file(path)?)
}

/// [`read_json_sidecar`] over bytes already read; `path` names the file in messages.
pub(super) fn description_from_bytes(
    path: &Path,
    bytes: &[u8],
) -> Result<Description, MetadataError> {
    let text = decode_text(bytes);
    let value: Value = serde_json::from_str(&text)
        .map_err(|error| MetadataError::unreadable(path, format!("not valid JSON ({error})")))?;
    let Value::Object(fields) = value else {
        return Err(MetadataError::unreadable(
            path,
            r#"the JSON must be an object of fields, e.g. {"题名": "…", "日期": "1958"}"#,
        ));
    };
    let mut description = Description::default();
    for (key, value) in fields {
        let Some(role) = ColumnRole::from_header(&key) else {
            continue;
        };
        let field_value = json_field_value(&value).map_err(|reason| {
            MetadataError::unreadable(path, format!("field '{}': {reason}", key.trim()))
        })?;
        if let Some(field_value) = field_value {
            description
                .apply(&role, field_value)
                .map_err(|reason| MetadataError::unreadable(path, reason))?;
        }
    }
    Ok(description)
}

/// Converts a JSON value to a field value; `Ok(None)` for `null`.
fn json_field_value(value: &Value) -> Result<Option<FieldValue>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Array(items) => {
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::Null => {}
                    Value::Array(_) | Value::Object(_) => {
                        return Err(
                            "a list may only contain text and numbers, not lists or objects"
                                .to_string(),
                        );
                    }
                    scalar => values.extend(scalar_text(scalar)),
                }
            }
            Ok(Some(FieldValue::List(values)))
        }
        Value::Object(_) => {
            Err("the value must be text, a number or a list of them, not an object".to_string())
        }
        scalar => Ok(scalar_text(scalar).map(FieldValue::Text)),
    }
}

/// The text of a JSON string, number or boolean.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

#[cfg(test)]
mod tests;
