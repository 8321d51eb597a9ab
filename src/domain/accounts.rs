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
//! Writes go through the store's commit (a 1023 leaves no trace). Hashing runs on a blocking
//! thread, and an unknown username costs the same hashing as a wrong password.
//!
//! Verified tokens are cached (`TokenCache`), so a request's check is one map lookup and a clock
//! reading instead of an HMAC, two base64 decodes, a JSON parse and two store reads. Every write
//! here that can invalidate a token (logout, creating, deleting or re-passwording a user, the
//! reset) empties the cache once its commit returned; a check that read the store before that
//! cannot fill the cache afterwards (its entry carries the cache's generation from before the read).
//! Expiry is checked on every hit against the token's own `exp`, exactly as without the cache.

use crate::store::{self, Batch, Record, Store, StoreError};
use crate::wa::time::{format_utc, now_ms};
use crate::wa::ApiError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
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

crate::json_record!(UserRecord, "users", |r| r.username);

/// A token revoked by logout: its id, and when it would have expired (unix s).
struct Revoked {
    jti: String,
    exp: u64,
}

impl Record for Revoked {
    const TREE: &'static str = "revoked";
    fn key(&self) -> Vec<u8> {
        self.jti.as_bytes().to_vec()
    }
    fn encode(&self) -> Result<Vec<u8>, StoreError> {
        Ok(store::encode_u64(self.exp).to_vec())
    }
    fn decode(bytes: &[u8]) -> Result<Self, StoreError> {
        Ok(Revoked {
            jti: String::new(),
            exp: store::decode_u64(bytes),
        })
    }
}

/// The key that signs tokens (random, made on first start).
struct TokenSecret(Vec<u8>);

impl Record for TokenSecret {
    const TREE: &'static str = "config";
    fn key(&self) -> Vec<u8> {
        b"token_secret".to_vec()
    }
    fn encode(&self) -> Result<Vec<u8>, StoreError> {
        Ok(self.0.clone())
    }
    fn decode(bytes: &[u8]) -> Result<Self, StoreError> {
        Ok(TokenSecret(bytes.to_vec()))
    }
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

/// Tokens verified since the last change to accounts or revocations: token -> who and until when.
///
/// The map is keyed by the whole token (std's randomly keyed SipHash; a lookup compares a stored
/// token only when its 64-bit keyed hash matches, so timing tells nothing useful about valid tokens).
/// Only tokens that passed the full check enter it, so its size is bounded by the logins; at
/// `TOKEN_CACHE_MAX` entries it is emptied and refills from the requests that follow.
#[derive(Default)]
struct TokenCache {
    /// Bumped by every change that may revoke a token; an entry from another generation is stale.
    generation: AtomicU64,
    map: RwLock<HashMap<Box<str>, Verified>>,
}

const TOKEN_CACHE_MAX: usize = 10_000;

struct Verified {
    generation: u64,
    /// The token's `exp` in ms: refused from then on, as `verify` does.
    exp_ms: u64,
    principal: Principal,
}

impl TokenCache {
    fn get(&self, token: &str, now_ms: u64) -> Option<Principal> {
        let generation = self.generation.load(Ordering::Acquire);
        let map = self.map.read().unwrap_or_else(|p| p.into_inner());
        map.get(token)
            .filter(|v| v.generation == generation && v.exp_ms > now_ms)
            .map(|v| v.principal.clone())
    }

    /// Remembers a token verified against the store as of `generation` (read before the store was).
    fn put(&self, token: &str, generation: u64, exp_ms: u64, principal: &Principal) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        // Checked under the lock: `invalidate` bumps, then clears under it, so a verification from
        // before a change never lands after the clear.
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if map.len() >= TOKEN_CACHE_MAX {
            map.clear();
        }
        map.insert(
            token.into(),
            Verified {
                generation,
                exp_ms,
                principal: principal.clone(),
            },
        );
    }

    /// Forgets every verified token (after a change to users or revocations is in the store).
    fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.map.write().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// Empties the token cache when dropped: after a write that may revoke tokens, whether its commit
/// succeeded or not (a failed commit is undone, and the cache refills from the store).
struct InvalidateOnDrop<'a>(&'a TokenCache);

impl Drop for InvalidateOnDrop<'_> {
    fn drop(&mut self) {
        self.0.invalidate();
    }
}

pub struct Accounts {
    store: Store,
    tokens: TokenCache,
    secret: Vec<u8>,
    iterations: u32,
    token_ttl_secs: u64,
    admin_username: String,
    /// The built-in admin as configured, restored by `reset`.
    admin_password: String,
    require_password_change: bool,
}

impl Accounts {
    pub async fn open(store: Store, cfg: &crate::config::Config) -> Result<Accounts, ApiError> {
        let secret = match store.get::<TokenSecret>(b"token_secret")? {
            Some(s) => s.0,
            None => {
                let mut s = vec![0u8; 32];
                rand::thread_rng().fill_bytes(&mut s);
                let mut batch = Batch::default();
                batch.put(&TokenSecret(s.clone()))?;
                store.commit(batch).await?;
                s
            }
        };
        let accounts = Accounts {
            store,
            tokens: TokenCache::default(),
            secret,
            iterations: cfg.password_hash_iterations.max(1),
            token_ttl_secs: cfg.token_ttl_secs,
            admin_username: cfg.admin_username.clone(),
            admin_password: cfg.admin_password.clone(),
            require_password_change: cfg.require_password_change,
        };
        if accounts.user(&cfg.admin_username)?.is_none() {
            let admin = accounts.builtin_admin().await?;
            accounts
                .store
                .commit_with(|b| b.put(&admin).map(drop))
                .await?;
        }
        Ok(accounts)
    }

    /// The built-in admin with its configured password (and first-login rule).
    async fn builtin_admin(&self) -> Result<UserRecord, ApiError> {
        let mut admin = self
            .new_record(&self.admin_username, ROLE_ADMIN, &self.admin_password)
            .await?;
        admin.must_change_password = self.require_password_change;
        admin.builtin = true;
        Ok(admin)
    }

    /// A new account instance: fresh salt and fresh token nonce.
    async fn new_record(
        &self,
        username: &str,
        role: &str,
        password: &str,
    ) -> Result<UserRecord, ApiError> {
        let mut salt = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut salt);
        let mut nonce = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut nonce);
        let hash = hash_password(password, &salt, self.iterations).await?;
        Ok(UserRecord {
            username: username.to_string(),
            role: role.to_string(),
            salt: hex::encode(salt),
            hash: hex::encode(hash),
            iterations: self.iterations,
            must_change_password: false,
            builtin: false,
            nonce: hex::encode(nonce),
        })
    }

    /// Whether `password` is the user's; without a user, the same hashing work is done against
    /// a stand-in record, so the answer time does not tell whether a username exists.
    async fn password_matches(
        &self,
        user: Option<&UserRecord>,
        password: &str,
    ) -> Result<bool, ApiError> {
        let (salt, stored, iterations) = match user {
            Some(u) => (
                hex::decode(&u.salt).map_err(ApiError::internal)?,
                hex::decode(&u.hash).map_err(ApiError::internal)?,
                u.iterations,
            ),
            None => (vec![0u8; 16], vec![0u8; 32], self.iterations),
        };
        let given = hash_password(password, &salt, iterations).await?;
        Ok(user.is_some() && bool::from(given.ct_eq(stored.as_slice())))
    }

    pub fn user(&self, username: &str) -> Result<Option<UserRecord>, ApiError> {
        Ok(self.store.get(username)?)
    }

    pub fn users(&self) -> Result<Vec<UserRecord>, ApiError> {
        Ok(self.store.all()?)
    }

    /// `POST /v1/users/login`: checks Basic credentials, applies `new_password`, issues a token.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        new_password: Option<&str>,
    ) -> Result<(String, String), ApiError> {
        let bad = || ApiError::unauthenticated("Invalid username or password");
        let user = self.user(username)?;
        if !self.password_matches(user.as_ref(), password).await? {
            return Err(bad());
        }
        let mut user = user.ok_or_else(bad)?;
        match new_password {
            Some(np) => {
                check_password_rules("new_password", np)?;
                let mut fresh = self.new_record(&user.username, &user.role, np).await?;
                fresh.builtin = user.builtin;
                let _forget = InvalidateOnDrop(&self.tokens);
                self.store.commit_with(|b| b.put(&fresh).map(drop)).await?;
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
        if self.store.contains::<Revoked>(&claims.jti)? {
            return Err(bad("revoked by logout"));
        }
        Ok(claims)
    }

    /// Checks a bearer token: it must belong to the current instance of an existing account
    /// (deleted, re-created or re-passworded accounts lose their older tokens). The role is the
    /// stored account's. Answered from the cache of verified tokens when it holds the token.
    pub fn authenticate(&self, token: &str) -> Result<Principal, ApiError> {
        if let Some(who) = self.tokens.get(token, now_ms()) {
            return Ok(who);
        }
        // Read before the store is: a change committed meanwhile makes this entry stale.
        let generation = self.tokens.generation.load(Ordering::Acquire);
        let (who, exp) = self.authenticate_uncached(token)?;
        self.tokens
            .put(token, generation, exp.saturating_mul(1000), &who);
        Ok(who)
    }

    /// The full check against the signature, the clock and the store; the principal and the
    /// token's `exp` (unix s).
    fn authenticate_uncached(&self, token: &str) -> Result<(Principal, u64), ApiError> {
        let claims = self.verify(token)?;
        let user = self
            .user(&claims.sub)?
            .ok_or_else(|| ApiError::unauthenticated("Invalid token: the user no longer exists"))?;
        if !bool::from(user.nonce.as_bytes().ct_eq(claims.nonce.as_bytes())) {
            return Err(ApiError::unauthenticated(
                "Invalid token: the account was deleted, re-created or given a new password since it was issued",
            ));
        }
        Ok((
            Principal {
                username: user.username,
                role: user.role,
            },
            claims.exp,
        ))
    }

    /// `POST /v1/users/logout`: revokes the token.
    pub async fn logout(&self, token: &str) -> Result<(), ApiError> {
        let claims = self.verify(token)?;
        let revoked = Revoked {
            jti: claims.jti,
            exp: claims.exp,
        };
        let _forget = InvalidateOnDrop(&self.tokens);
        self.store
            .commit_with(|b| b.put(&revoked).map(drop))
            .await
            .map_err(ApiError::from)
    }

    pub async fn create_user(
        &self,
        username: &str,
        password: &str,
        role: &str,
    ) -> Result<(), ApiError> {
        check_username(username)?;
        check_password_rules("password", password)?;
        if self.user(username)?.is_some() {
            return Err(ApiError::new(
                1004,
                format!("User {username} already exists"),
            ));
        }
        let record = self.new_record(username, role, password).await?;
        let _forget = InvalidateOnDrop(&self.tokens);
        self.store
            .commit_with(|b| b.put(&record).map(drop))
            .await
            .map_err(ApiError::from)
    }

    /// Sets a new password; the user's earlier tokens stop working (as after a deletion).
    pub async fn set_password(&self, username: &str, password: &str) -> Result<(), ApiError> {
        let user = self.user(username)?.ok_or_else(|| not_found(username))?;
        check_password_rules("password", password)?;
        let mut fresh = self
            .new_record(&user.username, &user.role, password)
            .await?;
        fresh.builtin = user.builtin;
        let _forget = InvalidateOnDrop(&self.tokens);
        self.store
            .commit_with(|b| b.put(&fresh).map(drop))
            .await
            .map_err(ApiError::from)
    }

    pub async fn delete_user(&self, username: &str) -> Result<(), ApiError> {
        if username == self.admin_username {
            return Err(ApiError::forbidden(
                "The built-in admin account cannot be deleted",
            ));
        }
        let user = self.user(username)?.ok_or_else(|| not_found(username))?;
        let _forget = InvalidateOnDrop(&self.tokens);
        self.store
            .commit_with(|b| {
                b.remove::<UserRecord>(&user.username);
                Ok(())
            })
            .await
            .map_err(ApiError::from)
    }

    /// The control API's reset: deletes every user but the built-in admin and gives the admin back
    /// its configured password and first-login rule. The admin's tokens stay valid unless its
    /// password had been changed (a password change revokes tokens, and this is one).
    pub async fn reset(&self) -> Result<(), ApiError> {
        let admin = self.user(&self.admin_username)?;
        let as_configured = match &admin {
            Some(a) => {
                a.role == ROLE_ADMIN
                    && a.builtin
                    && a.must_change_password == self.require_password_change
                    && self.password_matches(Some(a), &self.admin_password).await?
            }
            None => false,
        };
        let fresh_admin = match as_configured {
            true => None,
            false => Some(self.builtin_admin().await?),
        };
        let others: Vec<String> = self
            .users()?
            .into_iter()
            .map(|u| u.username)
            .filter(|u| *u != self.admin_username)
            .collect();
        let _forget = InvalidateOnDrop(&self.tokens);
        self.store
            .commit_with(|b| {
                for u in &others {
                    b.remove::<UserRecord>(u);
                }
                if let Some(admin) = &fresh_admin {
                    b.put(admin)?;
                }
                Ok(())
            })
            .await
            .map_err(ApiError::from)
    }
}

/// 1006; a name no account can have is not echoed back (it may be kilobytes of path).
fn not_found(username: &str) -> ApiError {
    match check_username(username) {
        Ok(()) => ApiError::not_found(format!("User {username} does not exist")),
        Err(_) => ApiError::not_found("No such user: that is not a valid username"),
    }
}

/// Password hashes computed by this process, per iteration count (a test counts the work).
#[cfg(test)]
static HASHES: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

/// PBKDF2-HMAC-SHA256 on a blocking thread (100k iterations take tens of ms: never on a worker).
pub async fn hash_password(
    password: &str,
    salt: &[u8],
    iterations: u32,
) -> Result<[u8; 32], ApiError> {
    #[cfg(test)]
    HASHES
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(iterations);
    let (password, salt) = (password.to_string(), salt.to_vec());
    tokio::task::spawn_blocking(move || pbkdf2_hash(&password, &salt, iterations))
        .await
        .map_err(ApiError::internal)
}

fn pbkdf2_hash(password: &str, salt: &[u8], iterations: u32) -> [u8; 32] {
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

    /// Hashes made with this (test-only) iteration count.
    fn hashes_at(iterations: u32) -> usize {
        let all = HASHES.lock().unwrap_or_else(|p| p.into_inner());
        all.iter().filter(|n| **n == iterations).count()
    }

    #[tokio::test]
    async fn an_unknown_user_costs_the_same_hashing_as_a_wrong_password() {
        const ITERATIONS: u32 = 4321;
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cfg = crate::config::Config::for_tests(dir.path());
        cfg.password_hash_iterations = ITERATIONS;
        let store = Store::open(dir.path(), 8, std::time::Duration::ZERO).expect("store");
        let accounts = Accounts::open(store, &cfg).await.expect("accounts");
        let before = hashes_at(ITERATIONS);
        let unknown = accounts.login("nobody", "Whatever1!", None).await;
        let after_unknown = hashes_at(ITERATIONS);
        let wrong = accounts
            .login(&cfg.admin_username, "Wrong-pass1", None)
            .await;
        let after_wrong = hashes_at(ITERATIONS);
        assert_eq!(unknown.map_err(|e| e.code), Err(1005));
        assert_eq!(wrong.map_err(|e| e.code), Err(1005));
        assert_eq!(after_unknown - before, 1, "the unknown user was hashed");
        assert_eq!(
            after_wrong - after_unknown,
            1,
            "the wrong password was hashed"
        );
    }

    /// Every change that revokes tokens reaches tokens already in the cache of verified tokens.
    #[tokio::test]
    async fn cached_tokens_follow_logout_deletion_password_change_and_expiry() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cfg = crate::config::Config::for_tests(dir.path());
        cfg.password_hash_iterations = 1;
        cfg.require_password_change = false;
        let store = Store::open(dir.path(), 8, std::time::Duration::ZERO).expect("store");
        let accounts = Accounts::open(store, &cfg).await.expect("accounts");
        let cached = |token: &str| accounts.tokens.get(token, now_ms()).is_some();
        let refused = |token: &str, why: &str| {
            let e = accounts.authenticate(token).expect_err("refused");
            assert!(e.details.as_deref().unwrap_or("").contains(why), "{e:?}");
        };
        accounts
            .create_user("alice", "Passw0rd!", ROLE_USER)
            .await
            .expect("alice");
        let login = |password: &'static str| accounts.login("alice", password, None);

        let (a, _) = login("Passw0rd!").await.expect("login");
        let (b, _) = login("Passw0rd!").await.expect("login");
        for t in [&a, &b, &a] {
            assert_eq!(accounts.authenticate(t).expect("valid").username, "alice");
        }
        assert!(cached(&a) && cached(&b));
        accounts.logout(&a).await.expect("logout");
        refused(&a, "revoked");
        assert_eq!(accounts.authenticate(&b).expect("b").role, ROLE_USER);

        accounts
            .set_password("alice", "Passw0rd!2")
            .await
            .expect("password");
        refused(&b, "new password");
        let (c, _) = login("Passw0rd!2").await.expect("login");
        accounts.authenticate(&c).expect("c");
        assert!(cached(&c));
        accounts.delete_user("alice").await.expect("delete");
        refused(&c, "no longer exists");

        // A token past its `exp` is refused from the cache's entry too.
        let (admin, _) = accounts
            .login(&cfg.admin_username, &cfg.admin_password, None)
            .await
            .expect("admin");
        let who = accounts.authenticate(&admin).expect("admin");
        let generation = accounts.tokens.generation.load(Ordering::Acquire);
        accounts.tokens.put(&admin, generation, now_ms() - 1, &who);
        assert!(!cached(&admin), "an expired entry is not answered");
        accounts
            .tokens
            .put(&admin, generation, now_ms() + 60_000, &who);
        assert!(cached(&admin));
        // A verification that read the store before a change does not fill the cache after it.
        accounts.tokens.invalidate();
        accounts
            .tokens
            .put(&admin, generation, now_ms() + 60_000, &who);
        assert!(!cached(&admin), "a stale verification is not kept");
    }

    #[test]
    fn hashes_depend_on_salt() {
        assert_ne!(pbkdf2_hash("x", b"a", 10), pbkdf2_hash("x", b"b", 10));
        assert_eq!(pbkdf2_hash("x", b"a", 10), pbkdf2_hash("x", b"a", 10));
    }
}
