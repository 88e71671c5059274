//! Per-client rate limiting of the JSON API: a token bucket per client
//! address, kept in memory. A valid API key (`Authorization: Bearer KEY` or
//! `X-Api-Key: KEY`) lifts the limit; keys are looked up by their hash, so
//! the catalogue never holds a usable key, and the hashes are compared in
//! constant time.
//!
//! The limiter travels to handlers as a request extension (one per router,
//! so tests with their own router never share buckets); the [`Allowance`]
//! extractor charges one token per request.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use wenyuan_index::catalog::hash_api_key;

use super::error::ApiError;
use crate::{AppError, AppState};

/// Most requests a client may make in a burst.
pub const DEFAULT_BURST: u32 = 120;
/// Tokens a client gets back per second.
pub const DEFAULT_PER_SECOND: f64 = 2.0;
/// How long a checked key is trusted before the catalogue is asked again.
const KEY_TTL: Duration = Duration::from_secs(300);
/// Buckets kept before full ones are forgotten.
const MAX_BUCKETS: usize = 50_000;

/// The token buckets of every client, and the keys recently seen valid.
#[derive(Debug)]
pub struct RateLimiter {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
    valid_keys: Mutex<HashMap<String, Instant>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// A limiter that allows `burst` requests at once and `per_second` after that.
    pub fn new(burst: u32, per_second: f64) -> Arc<Self> {
        Arc::new(RateLimiter {
            burst: f64::from(burst.max(1)),
            per_second: per_second.max(0.001),
            buckets: Mutex::new(HashMap::new()),
            valid_keys: Mutex::new(HashMap::new()),
        })
    }

    /// Takes one token for `client`, or says how many seconds until one is back.
    pub fn take(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().expect("rate limiter");
        if buckets.len() > MAX_BUCKETS {
            let (burst, per_second) = (self.burst, self.per_second);
            buckets.retain(|_, bucket| {
                bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * per_second < burst
            });
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let refilled = (bucket.tokens
            + now.duration_since(bucket.at).as_secs_f64() * self.per_second)
            .min(self.burst);
        bucket.at = now;
        if refilled >= 1.0 {
            bucket.tokens = refilled - 1.0;
            Ok(())
        } else {
            bucket.tokens = refilled;
            Err(((1.0 - refilled) / self.per_second).ceil() as u64)
        }
    }

    fn key_recently_valid(&self, key_hash: &str, now: Instant) -> bool {
        let keys = self.valid_keys.lock().expect("key cache");
        // Compare every cached hash in constant time rather than using the
        // map's lookup, whose timing depends on the bytes of the guess.
        keys.iter().any(|(known, seen)| {
            constant_time_eq(known.as_bytes(), key_hash.as_bytes())
                && now.duration_since(*seen) < KEY_TTL
        })
    }

    fn remember_key(&self, key_hash: String, now: Instant) {
        let mut keys = self.valid_keys.lock().expect("key cache");
        keys.retain(|_, seen| now.duration_since(*seen) < KEY_TTL);
        keys.insert(key_hash, now);
    }
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    if left.len() != right.len() {
        return false;
    }
    left.iter()
        .zip(right)
        .fold(0u8, |difference, (a, b)| difference | (a ^ b))
        == 0
}

/// The API key a request carries, if any.
fn presented_key(parts: &Parts) -> Option<String> {
    if let Some(value) = parts.headers.get("x-api-key") {
        return value.to_str().ok().map(|key| key.trim().to_string());
    }
    let authorization = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = authorization.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| key.trim().to_string())
}

/// Proof that a request is within its client's limit (or carries a valid
/// key). Put it first in an API handler's arguments.
#[derive(Debug, Clone, Copy)]
pub struct Allowance;

impl FromRequestParts<AppState> for Allowance {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(limiter) = parts.extensions.get::<Arc<RateLimiter>>().cloned() else {
            return Ok(Allowance);
        };
        let now = Instant::now();
        if let Some(key) = presented_key(parts) {
            let key_hash = hash_api_key(&key);
            if limiter.key_recently_valid(&key_hash, now) {
                return Ok(Allowance);
            }
            let lookup_hash = key_hash.clone();
            let name = state
                .catalog(move |catalog| catalog.api_key_name(&lookup_hash))
                .await?;
            return match name {
                Some(_) => {
                    limiter.remember_key(key_hash, now);
                    Ok(Allowance)
                }
                None => Err(ApiError(AppError::Unauthorized(
                    "the API key is not valid; leave it out to use the public limit".into(),
                ))),
            };
        }
        let client = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        limiter
            .take(client, now)
            .map(|()| Allowance)
            .map_err(|retry_after_s| ApiError(AppError::TooManyRequests { retry_after_s }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_empty_and_refill() {
        let limiter = RateLimiter::new(2, 1.0);
        let client = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let start = Instant::now();
        assert!(limiter.take(client, start).is_ok());
        assert!(limiter.take(client, start).is_ok());
        assert_eq!(limiter.take(client, start), Err(1));
        let other = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        assert!(limiter.take(other, start).is_ok());
        assert!(limiter.take(client, start + Duration::from_secs(1)).is_ok());
    }

    #[test]
    fn constant_time_comparison_is_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
