//! The business number's registration (`/v1/account`, `/v1/account/verify`, `/v1/account/shards`)
//! and two-step verification (`/v1/settings/account/two-step`).
//!
//! States: `registered` (the default, with `--wa-id`), `unregistered` (`--unregistered` on the
//! first start of a data dir), `code_sent` (a code was requested; the number is not registered
//! until it is verified). A code is six digits, logged and shown by `GET /v1/emulator/account`.
//! The two-step PIN is kept as a salted PBKDF2 hash; while it is set, `POST /v1/account` and
//! `/v1/account/shards` need it.

use super::accounts::hash_password;
use crate::store::{Batch, Store};
use crate::wa::time::now_ms;
use crate::wa::ApiError;
use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use subtle::ConstantTimeEq;

/// What `/v1/health` and sends see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AccountState {
    Registered {
        wa_id: String,
        vname: String,
        shards: u32,
    },
    Unregistered,
    CodeSent {
        cc: String,
        phone_number: String,
        method: String,
        vname: String,
        code: String,
        requested_at_ms: u64,
    },
}

crate::json_singleton!(AccountState, "account", "state");

impl AccountState {
    pub fn is_registered(&self) -> bool {
        matches!(self, AccountState::Registered { .. })
    }
}

/// The two-step verification PIN (salted PBKDF2), when enabled.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TwoStepPin {
    salt: String,
    hash: String,
    iterations: u32,
}

crate::json_singleton!(TwoStepPin, "account", "two_step");

/// `POST /v1/account`, typed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    pub cc: String,
    pub phone_number: String,
    pub method: String,
    pub cert: String,
    #[serde(default)]
    pub pin: Option<String>,
}

/// `POST /v1/account/shards`, typed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardsRequest {
    pub cc: String,
    pub phone_number: String,
    pub shards: serde_json::Value,
    #[serde(default)]
    pub pin: Option<String>,
    #[serde(default)]
    pub cert: Option<String>,
}

/// What `POST /v1/account` did.
pub enum CodeOutcome {
    /// 201: this number is registered already.
    AlreadyRegistered,
    /// 202: a code was sent; the answer carries the verified name.
    CodeSent { vname: String },
}

pub const SHARD_COUNTS: [u64; 6] = [1, 2, 4, 8, 16, 32];

pub struct Registration {
    store: Store,
    initial: AccountState,
    iterations: u32,
    vname: String,
    state: Mutex<AccountState>,
    /// Serializes the read-check-write of each operation.
    write: tokio::sync::Mutex<()>,
}

impl Registration {
    pub fn open(store: Store, cfg: &crate::config::Config) -> Result<Registration, ApiError> {
        let initial = if cfg.unregistered {
            AccountState::Unregistered
        } else {
            AccountState::Registered {
                wa_id: cfg.wa_id.clone(),
                vname: cfg.verified_name.clone(),
                shards: 1,
            }
        };
        let state = store
            .get::<AccountState>("state")?
            .unwrap_or_else(|| initial.clone());
        Ok(Registration {
            store,
            initial,
            iterations: cfg.password_hash_iterations,
            vname: cfg.verified_name.clone(),
            state: Mutex::new(state),
            write: Default::default(),
        })
    }

    pub fn state(&self) -> AccountState {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Refuses a send while the number is not registered.
    pub fn check_can_send(&self) -> Result<(), ApiError> {
        if self.state().is_registered() {
            return Ok(());
        }
        Err(ApiError::new(
            1011,
            "The business number is not registered: request a code at POST /v1/account, \
             then POST /v1/account/verify (GET /v1/health shows gateway_status)",
        ))
    }

    pub fn two_step_enabled(&self) -> Result<bool, ApiError> {
        Ok(self.store.get::<TwoStepPin>("two_step")?.is_some())
    }

    async fn commit_state(&self, next: AccountState) -> Result<(), ApiError> {
        let mut batch = Batch::default();
        batch.put(&next)?;
        self.store.commit(batch).await?;
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = next;
        Ok(())
    }

    /// `POST /v1/account`: 201 when this number is registered already, else a new code (202).
    pub async fn request_code(&self, req: CodeRequest) -> Result<CodeOutcome, ApiError> {
        let (cc, phone) = number(&req.cc, &req.phone_number)?;
        if !matches!(req.method.as_str(), "sms" | "voice") {
            return Err(ApiError::invalid("method", "must be \"sms\" or \"voice\""));
        }
        check_cert(&req.cert)?;
        let _guard = self.write.lock().await;
        self.check_pin(req.pin.as_deref()).await?;
        if let AccountState::Registered { wa_id, .. } = self.state() {
            if wa_id == format!("{cc}{phone}") {
                return Ok(CodeOutcome::AlreadyRegistered);
            }
        }
        let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000u32));
        let vname = self.vname.clone();
        tracing::info!(
            %code, cc, phone_number = phone, method = req.method,
            "registration code sent (read it at GET /v1/emulator/account)"
        );
        self.commit_state(AccountState::CodeSent {
            cc,
            phone_number: phone,
            method: req.method,
            vname: vname.clone(),
            code,
            requested_at_ms: now_ms(),
        })
        .await?;
        Ok(CodeOutcome::CodeSent { vname })
    }

    /// `POST /v1/account/verify`: the code sent by `request_code` registers the number.
    pub async fn verify(&self, code: &str) -> Result<(), ApiError> {
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::invalid("code", "must be the 6-digit code sent"));
        }
        let _guard = self.write.lock().await;
        let AccountState::CodeSent {
            cc,
            phone_number,
            vname,
            code: sent,
            ..
        } = self.state()
        else {
            return Err(ApiError::not_found(
                "No registration code is pending: request one at POST /v1/account",
            ));
        };
        if !bool::from(sent.as_bytes().ct_eq(code.as_bytes())) {
            return Err(ApiError::invalid(
                "code",
                "does not match the registration code sent",
            ));
        }
        self.commit_state(AccountState::Registered {
            wa_id: format!("{cc}{phone_number}"),
            vname,
            shards: 1,
        })
        .await
    }

    /// `POST /v1/account/shards`: the registered number's shard count (Multiconnect).
    pub async fn set_shards(&self, req: ShardsRequest) -> Result<(), ApiError> {
        let (cc, phone) = number(&req.cc, &req.phone_number)?;
        let shards = match &req.shards {
            serde_json::Value::String(s) => SHARD_COUNTS.into_iter().find(|n| n.to_string() == *s),
            v => crate::wa::integer::as_u64(v).filter(|n| SHARD_COUNTS.contains(n)),
        }
        .ok_or_else(|| ApiError::invalid("shards", "must be one of 1, 2, 4, 8, 16, 32"))?;
        if let Some(cert) = &req.cert {
            check_cert(cert)?;
        }
        let _guard = self.write.lock().await;
        self.check_pin(req.pin.as_deref()).await?;
        let AccountState::Registered { wa_id, vname, .. } = self.state() else {
            return Err(ApiError::invalid(
                "phone_number",
                "no number is registered: register it first (POST /v1/account)",
            ));
        };
        if wa_id != format!("{cc}{phone}") {
            return Err(ApiError::invalid(
                "phone_number",
                format!("{cc}{phone} is not the registered number"),
            ));
        }
        self.commit_state(AccountState::Registered {
            wa_id,
            vname,
            shards: shards as u32,
        })
        .await
    }

    /// With two-step verification on, `pin` must be given and match.
    async fn check_pin(&self, pin: Option<&str>) -> Result<(), ApiError> {
        if let Some(pin) = pin {
            check_pin_format(pin)?;
        }
        let Some(stored) = self.store.get::<TwoStepPin>("two_step")? else {
            return Ok(());
        };
        let pin = pin.ok_or_else(|| ApiError::missing("pin"))?;
        check_pin_format(pin)?;
        let salt = hex::decode(&stored.salt).map_err(ApiError::internal)?;
        let hash = hash_password(pin, &salt, stored.iterations).await?;
        if !bool::from(hex::encode(hash).as_bytes().ct_eq(stored.hash.as_bytes())) {
            return Err(ApiError::invalid(
                "pin",
                "does not match the two-step verification PIN",
            ));
        }
        Ok(())
    }

    /// `POST /v1/settings/account/two-step`: sets (or replaces) the PIN.
    pub async fn enable_two_step(&self, pin: &str) -> Result<(), ApiError> {
        check_pin_format(pin)?;
        let mut salt = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut salt);
        let hash = hash_password(pin, &salt, self.iterations).await?;
        let mut batch = Batch::default();
        batch.put(&TwoStepPin {
            salt: hex::encode(salt),
            hash: hex::encode(hash),
            iterations: self.iterations,
        })?;
        self.store.commit(batch).await?;
        Ok(())
    }

    /// `DELETE /v1/settings/account/two-step`.
    pub async fn disable_two_step(&self) -> Result<(), ApiError> {
        let mut batch = Batch::default();
        batch.remove::<TwoStepPin>("two_step");
        self.store.commit(batch).await?;
        Ok(())
    }

    /// Back to the state the emulator started a fresh data dir with; two-step off.
    pub async fn reset(&self) -> Result<(), ApiError> {
        let _guard = self.write.lock().await;
        let mut batch = Batch::default();
        batch.put(&self.initial)?.remove::<TwoStepPin>("two_step");
        self.store.commit(batch).await?;
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = self.initial.clone();
        Ok(())
    }
}

/// A PIN is exactly six ASCII digits, sent as a string.
pub fn check_pin_format(pin: &str) -> Result<(), ApiError> {
    if pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ApiError::invalid("pin", "must be a string of 6 digits"))
    }
}

/// `cc` (1-3 digits) and `phone_number` (digits, no `+`), together at most 15 digits (E.164).
fn number(cc: &str, phone: &str) -> Result<(String, String), ApiError> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(cc) || cc.len() > 3 || cc.starts_with('0') {
        return Err(ApiError::invalid(
            "cc",
            "must be the numerical country code (1 to 3 digits, no '+')",
        ));
    }
    if !digits(phone) || phone.len() < 4 || cc.len() + phone.len() > 15 {
        return Err(ApiError::invalid(
            "phone_number",
            "must be the number without country code: digits only, at most 15 with cc",
        ));
    }
    Ok((cc.to_string(), phone.to_string()))
}

/// The verified-name certificate is base64 (Business Manager shows it); its signature is not
/// checked (no Meta key here).
fn check_cert(cert: &str) -> Result<(), ApiError> {
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(cert)
        .map_err(|_| ApiError::invalid("cert", "must be the base64-encoded certificate"))?;
    if decoded.is_empty() {
        return Err(ApiError::invalid("cert", "must not be empty"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_pins() {
        assert!(number("1", "6315551234").is_ok());
        assert_eq!(number("+1", "6315551234").unwrap_err().code, 1009);
        assert!(number("1", "631-555")
            .unwrap_err()
            .details
            .unwrap()
            .starts_with("phone_number"));
        assert!(number("123", "1234567890123").is_err());
        assert!(check_pin_format("123456").is_ok());
        for bad in ["12345", "1234567", "12345a", ""] {
            assert_eq!(check_pin_format(bad).unwrap_err().code, 1009, "{bad}");
        }
        assert!(check_cert("Q2VydA==").is_ok());
        assert!(check_cert("not base64!").is_err());
    }
}
