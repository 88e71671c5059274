//! Staff accounts and their sessions. Passwords are kept as Argon2id hashes;
//! a session is a random token of which only the BLAKE3 hash is stored, with
//! its own CSRF token. Disabling an account ends its sessions at once. Failed
//! sign-ins lock an account for a while, however right the next password is.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rusqlite::{OptionalExtension, params};

use super::{Catalog, random_bytes, unix_now};
use crate::{Error, Result};

/// How long a session lasts without signing in again.
pub const SESSION_SECONDS: i64 = 12 * 3600;
/// Failed sign-ins in a row that lock an account.
pub const FAILURES_BEFORE_LOCK: i64 = 5;
/// How long a locked account stays locked.
pub const LOCK_SECONDS: i64 = 15 * 60;
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything, every venue.
    Admin,
    /// The records, events and inbox of one venue.
    Editor,
    /// Public feedback only.
    Moderator,
}

impl Role {
    /// The name the command line and the catalogue use.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Moderator => "moderator",
        }
    }

    /// Reads a role name.
    pub fn parse(text: &str) -> Result<Role> {
        match text.trim() {
            "admin" => Ok(Role::Admin),
            "editor" => Ok(Role::Editor),
            "moderator" => Ok(Role::Moderator),
            other => Err(Error::Invalid(format!(
                "unknown role '{other}' (admin, editor or moderator)"
            ))),
        }
    }
}

/// A staff account, without its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    /// Sign-in name.
    pub username: String,
    /// What the account may do.
    pub role: Role,
    /// The venue of an editor.
    pub institution_id: Option<String>,
    /// True when the account may not sign in.
    pub disabled: bool,
    /// Unix seconds until which sign-ins are refused, after repeated failures.
    pub locked_until: Option<i64>,
}

impl StaffMember {
    /// True when this account may change the records of `institution_id`.
    pub fn may_edit(&self, institution_id: Option<&str>) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Editor => {
                institution_id.is_some() && self.institution_id.as_deref() == institution_id
            }
            Role::Moderator => false,
        }
    }
}

/// A signed-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSession {
    /// Who is signed in.
    pub member: StaffMember,
    /// The token every form of this session must carry.
    pub csrf_token: String,
}

/// Why a sign-in failed. The page says the same for a wrong name and a
/// wrong password, so that names cannot be guessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefusal {
    /// Unknown name, wrong password, or a disabled account.
    Wrong,
    /// Too many failures: locked until this Unix second.
    Locked(i64),
}

/// 32 random bytes from the operating system, hex-encoded: a token for a
/// cookie or a form.
pub fn random_token() -> Result<String> {
    Ok(blake3::Hash::from(random_bytes::<32>("a token")?)
        .to_hex()
        .to_string())
}

fn argon2() -> Argon2<'static> {
    // OWASP's Argon2id setting: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The Argon2id hash (PHC string) of a password.
pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::Invalid(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    let salt = SaltString::encode_b64(&random_bytes::<16>("a salt")?)
        .map_err(|error| Error::Invalid(format!("salt: {error}")))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| Error::Invalid(format!("cannot hash the password: {error}")))
}

fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to check wrong names against, so that an unknown name costs as
/// much time as a known one.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

fn check_username(username: &str) -> Result<&str> {
    let username = username.trim();
    let valid = !username.is_empty()
        && username.len() <= 64
        && username
            .chars()
            .all(|c| c.is_alphanumeric() || "._-@".contains(c));
    if valid {
        Ok(username)
    } else {
        Err(Error::Invalid(format!(
            "'{username}' is not a user name (1–64 letters, digits, . _ - @)"
        )))
    }
}

const MEMBER_COLUMNS: &str = "username, role, institution_id, disabled, locked_until";

/// An account from the columns [`MEMBER_COLUMNS`] (a role this build does
/// not know may do least: moderator).
fn member_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StaffMember> {
    let role: String = row.get(1)?;
    Ok(StaffMember {
        username: row.get(0)?,
        role: Role::parse(&role).unwrap_or(Role::Moderator),
        institution_id: row.get(2)?,
        disabled: row.get::<_, i64>(3)? != 0,
        locked_until: row.get(4)?,
    })
}

impl Catalog {
    /// Adds a staff account. An editor needs the venue it edits.
    pub fn add_staff(
        &mut self,
        username: &str,
        role: Role,
        institution_id: Option<&str>,
        password: &str,
    ) -> Result<StaffMember> {
        let username = check_username(username)?;
        match (role, institution_id) {
            (Role::Editor, None) => {
                return Err(Error::Invalid(
                    "an editor edits one venue: give --institution ID".into(),
                ));
            }
            (_, Some(id)) if self.institution(id)?.is_none() => {
                return Err(Error::NotFound {
                    kind: "institution",
                    id: id.to_string(),
                });
            }
            _ => {}
        }
        if self.staff_member(username)?.is_some() {
            return Err(Error::Invalid(format!("'{username}' already exists")));
        }
        let hash = hash_password(password)?;
        self.connection.execute(
            "INSERT INTO staff (username, role, institution_id, password_hash, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![username, role.as_str(), institution_id, hash, unix_now()],
        )?;
        self.staff_member(username)?
            .ok_or_else(|| Error::Corrupt("a staff account just added is missing".into()))
    }

    /// One account, if it exists.
    pub fn staff_member(&self, username: &str) -> Result<Option<StaffMember>> {
        Ok(self
            .connection
            .query_row(
                &format!("SELECT {MEMBER_COLUMNS} FROM staff WHERE username = ?1"),
                [username.trim()],
                member_from_row,
            )
            .optional()?)
    }

    /// Every account, by name.
    pub fn staff_members(&self) -> Result<Vec<StaffMember>> {
        let mut statement = self.connection.prepare(&format!(
            "SELECT {MEMBER_COLUMNS} FROM staff ORDER BY username"
        ))?;
        let rows = statement.query_map([], member_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Disables or enables an account; disabling ends its sessions.
    pub fn set_staff_disabled(&mut self, username: &str, disabled: bool) -> Result<()> {
        self.change_account(username, "disabled = ?2", &i64::from(disabled), disabled)
    }

    /// Sets a new password; the account's sessions end and a lock is lifted.
    pub fn set_staff_password(&mut self, username: &str, password: &str) -> Result<()> {
        let hash = hash_password(password)?;
        self.change_account(username, "password_hash = ?2", &hash, true)
    }

    /// Sets one column of an account (`set`, its value `?2`), lifts any
    /// lock and, with `end_sessions`, ends its sessions, in one transaction.
    fn change_account(
        &mut self,
        username: &str,
        set: &str,
        value: &dyn rusqlite::ToSql,
        end_sessions: bool,
    ) -> Result<()> {
        let username = username.trim();
        let transaction = self.connection.transaction()?;
        let changed = transaction.execute(
            &format!(
                "UPDATE staff SET {set}, failed_signins = 0, locked_until = NULL WHERE username = ?1"
            ),
            params![username, value],
        )?;
        if changed == 0 {
            return Err(Error::NotFound {
                kind: "staff account",
                id: username.to_string(),
            });
        }
        if end_sessions {
            transaction.execute("DELETE FROM staff_sessions WHERE username = ?1", [username])?;
        }
        transaction.commit()?;
        Ok(())
    }

    /// Checks a name and password at `now`. On success opens a session and
    /// returns its token (to put in the cookie; only its hash is kept).
    /// Failures count towards the account's lock.
    pub fn sign_in(
        &mut self,
        username: &str,
        password: &str,
        now: i64,
    ) -> Result<std::result::Result<(String, StaffSession), SignInRefusal>> {
        let username = username.trim();
        let account: Option<(StaffMember, String, i64)> = self
            .connection
            .query_row(
                "SELECT username, role, institution_id, disabled, locked_until, password_hash, failed_signins
                 FROM staff WHERE username = ?1",
                [username],
                |row| Ok((member_from_row(row)?, row.get(5)?, row.get(6)?)),
            )
            .optional()?;
        let Some((member, hash, failures)) = account else {
            password_matches(password, decoy_hash());
            return Ok(Err(SignInRefusal::Wrong));
        };
        if let Some(until) = member.locked_until
            && until > now
        {
            return Ok(Err(SignInRefusal::Locked(until)));
        }
        if member.disabled || !password_matches(password, &hash) {
            let failures = failures + 1;
            let locked_until = (failures >= FAILURES_BEFORE_LOCK).then_some(now + LOCK_SECONDS);
            self.connection.execute(
                "UPDATE staff SET failed_signins = ?2, locked_until = ?3 WHERE username = ?1",
                params![
                    username,
                    if locked_until.is_some() { 0 } else { failures },
                    locked_until
                ],
            )?;
            return Ok(Err(match locked_until {
                Some(until) => SignInRefusal::Locked(until),
                None => SignInRefusal::Wrong,
            }));
        }
        let token = random_token()?;
        let csrf_token = random_token()?;
        let transaction = self.connection.transaction()?;
        transaction.execute(
            "UPDATE staff SET failed_signins = 0, locked_until = NULL WHERE username = ?1",
            [username],
        )?;
        transaction.execute("DELETE FROM staff_sessions WHERE expires_at <= ?1", [now])?;
        transaction.execute(
            "INSERT INTO staff_sessions (token_hash, username, csrf_token, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                hash_session_token(&token),
                username,
                csrf_token,
                now,
                now + SESSION_SECONDS
            ],
        )?;
        transaction.commit()?;
        let member = StaffMember {
            locked_until: None,
            ..member
        };
        Ok(Ok((token, StaffSession { member, csrf_token })))
    }

    /// The live session of a cookie's token at `now`, if any: not expired,
    /// its account neither disabled nor gone.
    pub fn staff_session(&self, token: &str, now: i64) -> Result<Option<StaffSession>> {
        if self.schema_version()? < 4 {
            return Ok(None);
        }
        Ok(self
            .connection
            .query_row(
                "SELECT staff.username, staff.role, staff.institution_id, staff.disabled, staff.locked_until,
                        staff_sessions.csrf_token
                 FROM staff_sessions JOIN staff ON staff.username = staff_sessions.username
                 WHERE staff_sessions.token_hash = ?1 AND staff_sessions.expires_at > ?2
                   AND staff.disabled = 0",
                params![hash_session_token(token), now],
                |row| {
                    Ok(StaffSession {
                        member: member_from_row(row)?,
                        csrf_token: row.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    /// Ends a session.
    pub fn end_staff_session(&mut self, token: &str) -> Result<()> {
        self.connection.execute(
            "DELETE FROM staff_sessions WHERE token_hash = ?1",
            [hash_session_token(token)],
        )?;
        Ok(())
    }
}

/// The hash under which a session token is stored.
fn hash_session_token(token: &str) -> String {
    blake3::hash(token.as_bytes()).to_hex().to_string()
}
