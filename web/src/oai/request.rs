//! What an OAI-PMH request asks for: its verb and arguments checked against
//! the protocol, `from`/`until` dates, sets, and resumption tokens.
//!
//! A resumption token carries everything needed to go on — the metadata
//! prefix, set, dates, the `(updated_at, id)` of the last record sent and
//! the cursor — so it stays valid however long the harvester waits and
//! whatever changes meanwhile: records changed after the token was issued
//! move to the end of the list and are harvested again, none is skipped.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The one metadata format we disseminate.
pub const OAI_DC: &str = "oai_dc";

/// The protocol's error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OaiErrorCode {
    /// Illegal, missing or repeated argument, or a bad value.
    BadArgument,
    /// The resumption token is not one of ours.
    BadResumptionToken,
    /// Missing, repeated or unknown verb.
    BadVerb,
    /// The metadata format is not supported.
    CannotDisseminateFormat,
    /// No such item.
    IdDoesNotExist,
    /// The list is empty.
    NoRecordsMatch,
    /// The item has no metadata formats (it was deleted).
    NoMetadataFormats,
    /// The repository has no sets.
    NoSetHierarchy,
}

impl OaiErrorCode {
    /// The code as the protocol spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            OaiErrorCode::BadArgument => "badArgument",
            OaiErrorCode::BadResumptionToken => "badResumptionToken",
            OaiErrorCode::BadVerb => "badVerb",
            OaiErrorCode::CannotDisseminateFormat => "cannotDisseminateFormat",
            OaiErrorCode::IdDoesNotExist => "idDoesNotExist",
            OaiErrorCode::NoRecordsMatch => "noRecordsMatch",
            OaiErrorCode::NoMetadataFormats => "noMetadataFormats",
            OaiErrorCode::NoSetHierarchy => "noSetHierarchy",
        }
    }
}

/// A protocol error with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OaiError {
    /// The code.
    pub code: OaiErrorCode,
    /// Explanation for people.
    pub message: String,
}

impl OaiError {
    /// An error with `code` and `message`.
    pub fn new(code: OaiErrorCode, message: impl Into<String>) -> Self {
        OaiError {
            code,
            message: message.into(),
        }
    }
}

fn bad_argument(message: impl Into<String>) -> OaiError {
    OaiError::new(OaiErrorCode::BadArgument, message)
}

/// The six verbs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Identify.
    Identify,
    /// ListMetadataFormats.
    ListMetadataFormats,
    /// ListSets.
    ListSets,
    /// ListIdentifiers.
    ListIdentifiers,
    /// ListRecords.
    ListRecords,
    /// GetRecord.
    GetRecord,
}

impl Verb {
    fn parse(name: &str) -> Option<Verb> {
        Some(match name {
            "Identify" => Verb::Identify,
            "ListMetadataFormats" => Verb::ListMetadataFormats,
            "ListSets" => Verb::ListSets,
            "ListIdentifiers" => Verb::ListIdentifiers,
            "ListRecords" => Verb::ListRecords,
            "GetRecord" => Verb::GetRecord,
            _ => return None,
        })
    }

    /// The verb's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Identify => "Identify",
            Verb::ListMetadataFormats => "ListMetadataFormats",
            Verb::ListSets => "ListSets",
            Verb::ListIdentifiers => "ListIdentifiers",
            Verb::ListRecords => "ListRecords",
            Verb::GetRecord => "GetRecord",
        }
    }

    /// (allowed arguments, required arguments), `verb` aside.
    fn arguments(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Verb::Identify => (&[], &[]),
            Verb::ListMetadataFormats => (&["identifier"], &[]),
            Verb::ListSets => (&["resumptionToken"], &[]),
            Verb::ListIdentifiers | Verb::ListRecords => (
                &["metadataPrefix", "from", "until", "set", "resumptionToken"],
                &[],
            ),
            Verb::GetRecord => (
                &["identifier", "metadataPrefix"],
                &["identifier", "metadataPrefix"],
            ),
        }
    }
}

/// A checked request: the verb and its arguments (each at most once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OaiRequest {
    /// The verb.
    pub verb: Verb,
    /// Arguments by name, `verb` excluded.
    pub arguments: BTreeMap<String, String>,
}

/// Checks the pairs of a request. `Err` carries the error and whether the
/// request element may echo the arguments (not for badVerb/badArgument).
pub fn parse_request(pairs: &[(String, String)]) -> Result<OaiRequest, OaiError> {
    let verbs: Vec<&str> = pairs
        .iter()
        .filter(|(name, _)| name == "verb")
        .map(|(_, value)| value.as_str())
        .collect();
    let verb = match verbs.as_slice() {
        [] => {
            return Err(OaiError::new(
                OaiErrorCode::BadVerb,
                "the verb argument is missing",
            ));
        }
        [one] => Verb::parse(one).ok_or_else(|| {
            OaiError::new(
                OaiErrorCode::BadVerb,
                format!("'{one}' is not an OAI-PMH verb"),
            )
        })?,
        _ => {
            return Err(OaiError::new(
                OaiErrorCode::BadVerb,
                "the verb argument is repeated",
            ));
        }
    };
    let (allowed, required) = verb.arguments();
    let mut arguments = BTreeMap::new();
    for (name, value) in pairs.iter().filter(|(name, _)| name != "verb") {
        if !allowed.contains(&name.as_str()) {
            return Err(bad_argument(format!(
                "'{name}' is not an argument of {}",
                verb.as_str()
            )));
        }
        if arguments.insert(name.clone(), value.clone()).is_some() {
            return Err(bad_argument(format!("the argument '{name}' is repeated")));
        }
    }
    if arguments.contains_key("resumptionToken") && arguments.len() > 1 {
        return Err(bad_argument(
            "resumptionToken is an exclusive argument: send it alone with the verb",
        ));
    }
    let listing = matches!(verb, Verb::ListIdentifiers | Verb::ListRecords);
    if listing
        && !arguments.contains_key("resumptionToken")
        && !arguments.contains_key("metadataPrefix")
    {
        return Err(bad_argument("metadataPrefix is required"));
    }
    for name in required {
        if !arguments.contains_key(*name) {
            return Err(bad_argument(format!("{name} is required")));
        }
    }
    Ok(OaiRequest { verb, arguments })
}

/// The largest cursor a token of ours can carry: records already sent, far
/// below any count a repository reaches. A larger one is forged.
const MAX_CURSOR: u64 = 1 << 53;

/// A harvest position: everything a list request needs, from its
/// arguments or from a resumption token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListState {
    /// Metadata prefix (always `oai_dc` once checked).
    pub metadata_prefix: String,
    /// Set spec, if any.
    pub set: Option<String>,
    /// Lower bound, unix seconds.
    pub from: Option<i64>,
    /// Upper bound, unix seconds.
    pub until: Option<i64>,
    /// The `(updated_at, id)` of the last record already sent.
    pub after: Option<(i64, String)>,
    /// Records already sent.
    pub cursor: u64,
}

impl ListState {
    /// Encodes the state as an opaque, URL-safe token.
    pub fn to_token(&self) -> String {
        let number = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
        let (updated_at, id) = match &self.after {
            Some((updated_at, id)) => (updated_at.to_string(), id.clone()),
            None => (String::new(), String::new()),
        };
        let plain = [
            "v1".to_string(),
            self.metadata_prefix.clone(),
            self.set.clone().unwrap_or_default(),
            number(self.from),
            number(self.until),
            updated_at,
            id,
            self.cursor.to_string(),
        ]
        .join("\n");
        URL_SAFE_NO_PAD.encode(plain)
    }

    /// Decodes a token made by [`ListState::to_token`].
    pub fn from_token(token: &str) -> Result<ListState, OaiError> {
        let bad = || {
            OaiError::new(
                OaiErrorCode::BadResumptionToken,
                "the resumption token is not valid; start the list again",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(token.trim()).map_err(|_| bad())?;
        let plain = String::from_utf8(bytes).map_err(|_| bad())?;
        let fields: Vec<&str> = plain.split('\n').collect();
        let [version, prefix, set, from, until, updated_at, id, cursor] = fields.as_slice() else {
            return Err(bad());
        };
        if *version != "v1" || prefix.is_empty() {
            return Err(bad());
        }
        let optional = |text: &str| -> Result<Option<i64>, OaiError> {
            if text.is_empty() {
                Ok(None)
            } else {
                text.parse().map(Some).map_err(|_| bad())
            }
        };
        let after = match (optional(updated_at)?, id.is_empty()) {
            (Some(updated_at), false) => Some((updated_at, id.to_string())),
            (None, true) => None,
            _ => return Err(bad()),
        };
        Ok(ListState {
            metadata_prefix: prefix.to_string(),
            set: (!set.is_empty()).then(|| set.to_string()),
            from: optional(from)?,
            until: optional(until)?,
            after,
            cursor: cursor
                .parse()
                .ok()
                .filter(|cursor| *cursor <= MAX_CURSOR)
                .ok_or_else(bad)?,
        })
    }

    /// The state of a first list request, from its arguments.
    pub fn from_arguments(arguments: &BTreeMap<String, String>) -> Result<ListState, OaiError> {
        if let Some(token) = arguments.get("resumptionToken") {
            return ListState::from_token(token);
        }
        let from = arguments
            .get("from")
            .map(|text| parse_datestamp(text, false))
            .transpose()?;
        let until = arguments
            .get("until")
            .map(|text| parse_datestamp(text, true))
            .transpose()?;
        if let (Some((from, from_day)), Some((until, until_day))) = (from, until) {
            if from_day != until_day {
                return Err(bad_argument(
                    "from and until must have the same granularity",
                ));
            }
            if from > until {
                return Err(bad_argument("from is later than until"));
            }
        }
        if let Some(set) = arguments.get("set") {
            parse_set(set).ok_or_else(|| bad_argument(format!("'{set}' is not a set spec")))?;
        }
        Ok(ListState {
            metadata_prefix: arguments.get("metadataPrefix").cloned().unwrap_or_default(),
            set: arguments.get("set").cloned(),
            from: from.map(|(seconds, _)| seconds),
            until: until.map(|(seconds, _)| seconds),
            after: None,
            cursor: 0,
        })
    }
}

/// Parses `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ` into unix seconds; a day
/// bound `until` reaches the day's last second. Also says whether it was a day.
pub fn parse_datestamp(text: &str, until: bool) -> Result<(i64, bool), OaiError> {
    let bad = || {
        bad_argument(format!(
            "'{text}' is not a date YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"
        ))
    };
    let day_format = time::macros::format_description!("[year]-[month]-[day]");
    let second_format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    match text.len() {
        10 => {
            let date = time::Date::parse(text, &day_format).map_err(|_| bad())?;
            let start = date.midnight().assume_utc().unix_timestamp();
            Ok((if until { start + 86_399 } else { start }, true))
        }
        20 => {
            let moment = time::PrimitiveDateTime::parse(text, &second_format).map_err(|_| bad())?;
            Ok((moment.assume_utc().unix_timestamp(), false))
        }
        _ => Err(bad()),
    }
}

/// A set spec: `inst:ID` or `inst:ID:coll:ID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetSpec {
    /// The institution.
    pub institution_id: String,
    /// The collection, for a collection set.
    pub collection_id: Option<String>,
}

/// Parses a set spec.
pub fn parse_set(spec: &str) -> Option<SetSpec> {
    let parts: Vec<&str> = spec.split(':').collect();
    let slug = |text: &str| wenyuan_index::model::validate_slug("set", text).is_ok();
    match parts.as_slice() {
        ["inst", institution] if slug(institution) => Some(SetSpec {
            institution_id: institution.to_string(),
            collection_id: None,
        }),
        ["inst", institution, "coll", collection] if slug(institution) && slug(collection) => {
            Some(SetSpec {
                institution_id: institution.to_string(),
                collection_id: Some(collection.to_string()),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    fn code(list: &[(&str, &str)]) -> Option<OaiErrorCode> {
        parse_request(&pairs(list)).err().map(|error| error.code)
    }

    #[test]
    fn verbs_and_arguments_are_checked() {
        assert_eq!(code(&[]), Some(OaiErrorCode::BadVerb));
        assert_eq!(code(&[("verb", "Dance")]), Some(OaiErrorCode::BadVerb));
        assert_eq!(
            code(&[("verb", "Identify"), ("verb", "Identify")]),
            Some(OaiErrorCode::BadVerb)
        );
        assert_eq!(
            code(&[("verb", "Identify"), ("x", "1")]),
            Some(OaiErrorCode::BadArgument)
        );
        assert_eq!(
            code(&[("verb", "ListRecords")]),
            Some(OaiErrorCode::BadArgument)
        );
        assert_eq!(
            code(&[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("resumptionToken", "x")
            ]),
            Some(OaiErrorCode::BadArgument)
        );
        assert_eq!(
            code(&[("verb", "GetRecord"), ("metadataPrefix", "oai_dc")]),
            Some(OaiErrorCode::BadArgument)
        );
        assert_eq!(
            code(&[("verb", "ListSets"), ("set", "a"), ("set", "b")]),
            Some(OaiErrorCode::BadArgument)
        );
        assert_eq!(
            code(&[("verb", "ListRecords"), ("resumptionToken", "x")]),
            None
        );
    }

    #[test]
    fn dates_have_one_granularity() {
        assert_eq!(
            parse_datestamp("1970-01-02", false).unwrap(),
            (86_400, true)
        );
        assert_eq!(parse_datestamp("1970-01-01", true).unwrap(), (86_399, true));
        assert_eq!(
            parse_datestamp("1970-01-01T00:01:00Z", false).unwrap(),
            (60, false)
        );
        for bad in [
            "1970-1-1",
            "1970-01-01T00:00:00",
            "1970-01-01T00:00Z",
            "yesterday",
            "1970-13-01",
        ] {
            assert!(parse_datestamp(bad, false).is_err(), "{bad}");
        }
        let mixed: BTreeMap<String, String> = [
            ("from".to_string(), "2020-01-01".to_string()),
            ("until".to_string(), "2020-01-02T00:00:00Z".to_string()),
        ]
        .into();
        assert!(ListState::from_arguments(&mixed).is_err());
    }

    #[test]
    fn tokens_round_trip_and_strangers_are_refused() {
        let state = ListState {
            metadata_prefix: OAI_DC.into(),
            set: Some("inst:museum:coll:ceramics".into()),
            from: Some(10),
            until: None,
            after: Some((1_700_000_000, "wabc".into())),
            cursor: 50,
        };
        assert_eq!(ListState::from_token(&state.to_token()).unwrap(), state);
        for bad in [
            "",
            "!!!",
            "djE",
            &URL_SAFE_NO_PAD.encode("v2\na\n\n\n\n\n\n0"),
        ] {
            assert_eq!(
                ListState::from_token(bad).unwrap_err().code,
                OaiErrorCode::BadResumptionToken
            );
        }
    }

    /// Issue #7 (fuzzed): a forged token whose cursor was u64::MAX made the
    /// next page's cursor overflow (a 500 in debug builds, a wrapped cursor
    /// in release).
    #[test]
    fn a_token_with_an_impossible_cursor_is_refused() {
        let forged = "djEKb2FpX2RjCgoKCgoKMTg0NDY3NDQwNzM3MDk1NTE2MTU";
        assert_eq!(
            String::from_utf8(URL_SAFE_NO_PAD.decode(forged).unwrap()).unwrap(),
            "v1\noai_dc\n\n\n\n\n\n18446744073709551615"
        );
        assert_eq!(
            ListState::from_token(forged).unwrap_err().code,
            OaiErrorCode::BadResumptionToken
        );
        let largest = URL_SAFE_NO_PAD.encode(format!("v1\noai_dc\n\n\n\n\n\n{MAX_CURSOR}"));
        assert_eq!(ListState::from_token(&largest).unwrap().cursor, MAX_CURSOR);
    }

    #[test]
    fn set_specs_parse() {
        assert_eq!(parse_set("inst:museum").unwrap().institution_id, "museum");
        assert_eq!(
            parse_set("inst:museum:coll:ceramics")
                .unwrap()
                .collection_id
                .as_deref(),
            Some("ceramics")
        );
        assert!(parse_set("museum").is_none());
        assert!(parse_set("inst:Bad Id").is_none());
    }
}
