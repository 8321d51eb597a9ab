//! Users, roles, password hashes and login tokens.
//!
//! Passwords are stored as salted PBKDF2-HMAC-SHA256 and compared in constant time.
//! Tokens are JWT-shaped (HS256 over `{sub, nonce, iat, exp, jti}`) with a per-data-dir secret,
//! so they survive restarts; logout records the `jti` as revoked until it expires.
//!
//! A token is bound to one instance of an account by the record's random `nonce`, drawn afresh
//! whenever the account is created or its password set: deleting (or re-creating) an account or
//! changing its password revokes every token issued before. The role always comes from the
//! stored account, never from the token.
//!
//! A write refused with 1023 leaves no trace: the store's writability is checked first, and a
//! record written before a failed flush is put back as it was.

use crate::store::{self, Store};
use crate::wa::time::{format_utc, now_ms};
use crate::wa::ApiError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub const ROLE_ADMIN: &str = "ROLE_ADMIN";
pub const ROLE_USER: &str = "ROLE_USER";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserRecord {
    pub username: String,
    pub role: String,
    salt: String,
    hash: String,
    iterations: u32,
    pub must_change_password: bool,
    pub builtin: bool,
    /// Random per account instance and password; tokens carry it (empty in older data dirs).
    #[serde(default)]
    nonce: String,
}

/// Who a valid token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub username: String,
    pub role: String,
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.role == ROLE_ADMIN
    }
}

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    /// The account's `nonce` when the token was issued.
    #[serde(default)]
    nonce: String,
    iat: u64,
    exp: u64,
    jti: String,
}

pub struct Accounts {
    store: Store,
    secret: Vec<u8>,
    iterations: u32,
    token_ttl_secs: u64,
    admin_username: String,
    /// The built-in admin as configured, restored by `reset`.
    admin_password: String,
    require_password_change: bool,
}

impl Accounts {
    pub fn open(store: Store, cfg: &crate::config::Config) -> Result<Accounts, ApiError> {
        let secret = match store
            .config
            .get("token_secret")
            .map_err(store::StoreError::from)?
        {
            Some(s) => s.to_vec(),
            None => {
                let mut s = vec![0u8; 32];
                rand::thread_rng().fill_bytes(&mut s);
                store
                    .config
                    .insert("token_secret", s.clone())
                    .map_err(store::StoreError::from)?;
                s
            }
        };
        let accounts = Accounts {
            store,
            secret,
            iterations: cfg.password_hash_iterations.max(1),
            token_ttl_secs: cfg.token_ttl_secs,
            admin_username: cfg.admin_username.clone(),
            admin_password: cfg.admin_password.clone(),
            require_password_change: cfg.require_password_change,
        };
        if accounts.user(&cfg.admin_username)?.is_none() {
            accounts.write(&cfg.admin_username, Some(&accounts.builtin_admin()), None)?;
        }
        Ok(accounts)
    }

    /// The built-in admin with its configured password (and first-login rule).
    fn builtin_admin(&self) -> UserRecord {
        let mut admin = self.new_record(&self.admin_username, ROLE_ADMIN, &self.admin_password);
        admin.must_change_password = self.require_password_change;
        admin.builtin = true;
        admin
    }

    /// A new account instance: fresh salt and fresh token nonce.
    fn new_record(&self, username: &str, role: &str, password: &str) -> UserRecord {
        let mut salt = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut salt);
        let mut nonce = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut nonce);
        let hash = hash_password(password, &salt, self.iterations);
        UserRecord {
            username: username.to_string(),
            role: role.to_string(),
            salt: hex::encode(salt),
            hash: hex::encode(hash),
            iterations: self.iterations,
            must_change_password: false,
            builtin: false,
            nonce: hex::encode(nonce),
        }
    }

    /// 1023 when the store refuses writes (the injected fault), before anything is written.
    fn writable(&self) -> Result<(), ApiError> {
        if self.store.faulty() {
            return Err(store::StoreError::Fault.into());
        }
        Ok(())
    }

    /// Durably replaces the record of `username` with `next` (None deletes it). If the write or
    /// its flush fails, `before` (what the caller read) is put back, so a 1023 leaves no trace.
    fn write(
        &self,
        username: &str,
        next: Option<&UserRecord>,
        before: Option<&UserRecord>,
    ) -> Result<(), ApiError> {
        self.writable()?;
        let result = self
            .put(username, next)
            .and_then(|()| Ok(self.store.flush()?));
        if result.is_err() {
            if let Err(e) = self.put(username, before) {
                tracing::error!(error = %e, "could not undo a failed user write");
            }
        }
        result
    }

    fn put(&self, username: &str, record: Option<&UserRecord>) -> Result<(), ApiError> {
        match record {
            Some(r) => store::put_json(&self.store.users, username, r)?,
            None => {
                self.store
                    .users
                    .remove(username)
                    .map_err(store::StoreError::from)?;
            }
        }
        Ok(())
    }

    fn password_matches(&self, user: &UserRecord, password: &str) -> Result<bool, ApiError> {
        let salt = hex::decode(&user.salt).map_err(ApiError::internal)?;
        let stored = hex::decode(&user.hash).map_err(ApiError::internal)?;
        let given = hash_password(password, &salt, user.iterations);
        Ok(bool::from(given.ct_eq(stored.as_slice())))
    }

    pub fn user(&self, username: &str) -> Result<Option<UserRecord>, ApiError> {
        Ok(store::get_json(&self.store.users, username)?)
    }

    pub fn users(&self) -> Result<Vec<UserRecord>, ApiError> {
        Ok(store::all_json(&self.store.users)?)
    }

    /// `POST /v1/users/login`: checks Basic credentials, applies `new_password`, issues a token.
    pub fn login(
        &self,
        username: &str,
        password: &str,
        new_password: Option<&str>,
    ) -> Result<(String, String), ApiError> {
        let bad = || ApiError::unauthenticated("Invalid username or password");
        let mut user = self.user(username)?.ok_or_else(bad)?;
        if !self.password_matches(&user, password)? {
            return Err(bad());
        }
        match new_password {
            Some(np) => {
                check_password_rules("new_password", np)?;
                let mut fresh = self.new_record(&user.username, &user.role, np);
                fresh.builtin = user.builtin;
                self.write(&user.username, Some(&fresh), Some(&user))?;
                user = fresh;
            }
            None if user.must_change_password => {
                return Err(ApiError::new(
                    1024,
                    "The first login needs a new password: send {\"new_password\": \"...\"} with it",
                ));
            }
            None => {}
        }
        // Seconds in the claims (as in any JWT), rounded up so a token lives at least its full TTL.
        let now = now_ms();
        let iat = now / 1000;
        let exp = (now + self.token_ttl_secs.saturating_mul(1000)).div_ceil(1000);
        let claims = Claims {
            sub: user.username.clone(),
            nonce: user.nonce.clone(),
            iat,
            exp,
            jti: uuid::Uuid::new_v4().simple().to_string(),
        };
        Ok((self.sign(&claims)?, format_utc(exp)))
    }

    fn sign(&self, claims: &Claims) -> Result<String, ApiError> {
        let header = B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = B64.encode(serde_json::to_vec(claims).map_err(ApiError::internal)?);
        let signing_input = format!("{header}.{payload}");
        let sig = B64.encode(self.mac(signing_input.as_bytes())?.finalize().into_bytes());
        Ok(format!("{signing_input}.{sig}"))
    }

    fn mac(&self, input: &[u8]) -> Result<Hmac<Sha256>, ApiError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).map_err(ApiError::internal)?;
        mac.update(input);
        Ok(mac)
    }

    fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let bad = |why: &str| ApiError::unauthenticated(format!("Invalid token: {why}"));
        let (signing_input, sig) = token.rsplit_once('.').ok_or_else(|| bad("malformed"))?;
        let sig = B64.decode(sig).map_err(|_| bad("malformed"))?;
        self.mac(signing_input.as_bytes())?
            .verify_slice(&sig)
            .map_err(|_| bad("bad signature"))?;
        let payload = signing_input
            .split('.')
            .nth(1)
            .ok_or_else(|| bad("malformed"))?;
        let claims: Claims = B64
            .decode(payload)
            .ok()
            .and_then(|p| serde_json::from_slice(&p).ok())
            .ok_or_else(|| bad("malformed"))?;
        if claims.exp.saturating_mul(1000) <= now_ms() {
            return Err(bad("expired"));
        }
        if self
            .store
            .revoked
            .contains_key(&claims.jti)
            .map_err(store::StoreError::from)?
        {
            return Err(bad("revoked by logout"));
        }
        Ok(claims)
    }

    /// Checks a bearer token: it must belong to the current instance of an existing account
    /// (deleted, re-created or re-passworded accounts lose their older tokens). The role is the
    /// stored account's.
    pub fn authenticate(&self, token: &str) -> Result<Principal, ApiError> {
        let claims = self.verify(token)?;
        let user = self
            .user(&claims.sub)?
            .ok_or_else(|| ApiError::unauthenticated("Invalid token: the user no longer exists"))?;
        if !bool::from(user.nonce.as_bytes().ct_eq(claims.nonce.as_bytes())) {
            return Err(ApiError::unauthenticated(
                "Invalid token: the account was deleted, re-created or given a new password since it was issued",
            ));
        }
        Ok(Principal {
            username: user.username,
            role: user.role,
        })
    }

    /// `POST /v1/users/logout`: revokes the token.
    pub fn logout(&self, token: &str) -> Result<(), ApiError> {
        let claims = self.verify(token)?;
        self.writable()?;
        let revoked = &self.store.revoked;
        revoked
            .insert(claims.jti.as_bytes(), &store::encode_u64(claims.exp))
            .map_err(store::StoreError::from)?;
        if let Err(e) = self.store.flush() {
            let _ = revoked.remove(claims.jti.as_bytes());
            return Err(e.into());
        }
        Ok(())
    }

    pub fn create_user(&self, username: &str, password: &str, role: &str) -> Result<(), ApiError> {
        check_username(username)?;
        check_password_rules("password", password)?;
        if self.user(username)?.is_some() {
            return Err(ApiError::new(
                1004,
                format!("User {username} already exists"),
            ));
        }
        self.write(
            username,
            Some(&self.new_record(username, role, password)),
            None,
        )
    }

    /// Sets a new password; the user's earlier tokens stop working (as after a deletion).
    pub fn set_password(&self, username: &str, password: &str) -> Result<(), ApiError> {
        let user = self.user(username)?.ok_or_else(|| not_found(username))?;
        check_password_rules("password", password)?;
        let mut fresh = self.new_record(&user.username, &user.role, password);
        fresh.builtin = user.builtin;
        self.write(username, Some(&fresh), Some(&user))
    }

    pub fn delete_user(&self, username: &str) -> Result<(), ApiError> {
        if username == self.admin_username {
            return Err(ApiError::forbidden(
                "The built-in admin account cannot be deleted",
            ));
        }
        let user = self.user(username)?.ok_or_else(|| not_found(username))?;
        self.write(username, None, Some(&user))
    }

    /// The control API's reset: deletes every user but the built-in admin and gives the admin back
    /// its configured password and first-login rule. The admin's tokens stay valid unless its
    /// password had been changed (a password change revokes tokens, and this is one).
    pub fn reset(&self) -> Result<(), ApiError> {
        self.writable()?;
        for u in self.users()? {
            if u.username != self.admin_username {
                self.put(&u.username, None)?;
            }
        }
        let admin = self.user(&self.admin_username)?;
        let as_configured = match &admin {
            Some(a) => {
                a.role == ROLE_ADMIN
                    && a.builtin
                    && a.must_change_password == self.require_password_change
                    && self.password_matches(a, &self.admin_password)?
            }
            None => false,
        };
        if !as_configured {
            self.put(&self.admin_username, Some(&self.builtin_admin()))?;
        }
        self.store.flush()?;
        Ok(())
    }
}

/// 1006; a name no account can have is not echoed back (it may be kilobytes of path).
fn not_found(username: &str) -> ApiError {
    match check_username(username) {
        Ok(()) => ApiError::not_found(format!("User {username} does not exist")),
        Err(_) => ApiError::not_found("No such user: that is not a valid username"),
    }
}

fn hash_password(password: &str, salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), salt, iterations, &mut out);
    out
}

fn check_username(u: &str) -> Result<(), ApiError> {
    let ok = (1..=64).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "username",
            "must be 1-64 characters of letters, digits, '.', '_', '-', '@'",
        ))
    }
}

/// The real rule: 8-64 characters with a digit, an upper-case, a lower-case and a special character.
/// Letters and digits are the ASCII ones (any other character counts as special), so the rule is
/// exactly the spec's pattern.
pub fn check_password_rules(field: &str, p: &str) -> Result<(), ApiError> {
    let len = p.chars().count();
    let ok = (8..=64).contains(&len)
        && p.chars().any(|c| c.is_ascii_digit())
        && p.chars().any(|c| c.is_ascii_uppercase())
        && p.chars().any(|c| c.is_ascii_lowercase())
        && p.chars().any(|c| !c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            "must be 8-64 characters with at least one digit, one upper-case letter, one lower-case letter and one special character",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_rules() {
        assert!(check_password_rules("p", "Secret123!").is_ok());
        for bad in [
            "short1!",
            "nouppercase1!",
            "NOLOWER1!",
            "NoDigits!!",
            "NoSpecial12",
            &"Aa1!".repeat(17),
        ] {
            assert!(check_password_rules("p", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hashes_depend_on_salt() {
        assert_ne!(hash_password("x", b"a", 10), hash_password("x", b"b", 10));
        assert_eq!(hash_password("x", b"a", 10), hash_password("x", b"a", 10));
    }
}
