//! How the machine faces write moments.

/// Unix seconds as UTC `YYYY-MM-DDThh:mm:ssZ` (the form OAI-PMH and the API use).
pub fn iso_utc(seconds: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|moment| moment.format(&format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}
