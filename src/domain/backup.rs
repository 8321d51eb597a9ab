//! `POST /v1/settings/backup` and `/v1/settings/restore`: the application settings and the
//! profile (about, photo, business profile), sealed with a key derived from the password.
//!
//! `data` is base64 of `WAEB | version (1) | PBKDF2 iterations (u32 BE) | salt (16) | nonce (12) |
//! ChaCha20-Poly1305 ciphertext+tag` (ring's AEAD), the header being the associated data: a wrong
//! password and altered data both fail the tag check, before anything is parsed or stored.
//! The format is the emulator's own (Meta's is not published): a backup restores into the
//! emulator, not into a real coreapp.

use super::accounts::hash_password;
use super::profile::ProfileSnapshot;
use super::settings::ApplicationSettings;
use crate::wa::ApiError;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use rand::RngCore;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use serde::{Deserialize, Serialize};

const MAGIC: &[u8; 4] = b"WAEB";
const VERSION: u8 = 1;
const SALT_LEN: usize = 16;
const HEADER_LEN: usize = 4 + 1 + 4 + SALT_LEN + NONCE_LEN;
/// Most PBKDF2 iterations a backup may ask for (a forged header must not cost minutes).
const MAX_ITERATIONS: u32 = 10_000_000;

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupContents {
    pub application: ApplicationSettings,
    pub profile: ProfileSnapshot,
}

fn check_password(password: &str) -> Result<(), ApiError> {
    if password.is_empty() {
        return Err(ApiError::invalid("password", "must not be empty"));
    }
    Ok(())
}

async fn key(password: &str, salt: &[u8], iterations: u32) -> Result<LessSafeKey, ApiError> {
    let bytes = hash_password(password, salt, iterations).await?;
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, &bytes).map_err(ApiError::internal)?;
    Ok(LessSafeKey::new(unbound))
}

/// Seals `contents` with `password`: the `data` string of the answer.
pub async fn seal(
    contents: &BackupContents,
    password: &str,
    iterations: u32,
) -> Result<String, ApiError> {
    check_password(password)?;
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    rand::thread_rng().fill_bytes(&mut salt);
    rand::thread_rng().fill_bytes(&mut nonce);
    let mut out = Vec::with_capacity(HEADER_LEN + 256);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&iterations.to_be_bytes());
    out.extend_from_slice(&salt);
    out.extend_from_slice(&nonce);
    let mut body = serde_json::to_vec(contents).map_err(ApiError::internal)?;
    key(password, &salt, iterations)
        .await?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&out[..]),
            &mut body,
        )
        .map_err(ApiError::internal)?;
    out.extend_from_slice(&body);
    Ok(B64.encode(out))
}

/// Opens a `data` string made by `seal`; 1009 naming `data` or `password` when it cannot.
pub async fn open(data: &str, password: &str) -> Result<BackupContents, ApiError> {
    check_password(password)?;
    let not_ours = || ApiError::invalid("data", "is not a backup made by POST /v1/settings/backup");
    let bytes = B64.decode(data.trim()).map_err(|_| not_ours())?;
    if bytes.len() < HEADER_LEN + 16 || &bytes[..4] != MAGIC {
        return Err(not_ours());
    }
    if bytes[4] != VERSION {
        return Err(ApiError::invalid(
            "data",
            format!("backup format version {} is not supported", bytes[4]),
        ));
    }
    let iterations = u32::from_be_bytes([bytes[5], bytes[6], bytes[7], bytes[8]]);
    if iterations == 0 || iterations > MAX_ITERATIONS {
        return Err(not_ours());
    }
    let (header, sealed) = bytes.split_at(HEADER_LEN);
    let salt = &header[9..9 + SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&header[9 + SALT_LEN..]);
    let mut sealed = sealed.to_vec();
    let plain = key(password, salt, iterations)
        .await?
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(header),
            &mut sealed,
        )
        .map_err(|_| {
            ApiError::invalid(
                "password",
                "cannot open this backup: the password is wrong or the data was altered",
            )
        })?;
    serde_json::from_slice(plain).map_err(|e| {
        ApiError::invalid(
            "data",
            format!("the backup's contents are not readable: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contents() -> BackupContents {
        BackupContents {
            application: ApplicationSettings::defaults("1"),
            profile: ProfileSnapshot::default(),
        }
    }

    #[tokio::test]
    async fn round_trip_and_refusals() {
        let data = seal(&contents(), "pw", 10).await.unwrap();
        assert_eq!(open(&data, "pw").await.unwrap(), contents());
        let e = open(&data, "other").await.unwrap_err();
        assert!(e.details.unwrap().starts_with("password: cannot open"));
        let mut raw = B64.decode(&data).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        assert_eq!(open(&B64.encode(&raw), "pw").await.unwrap_err().code, 1009);
        raw[last] ^= 1;
        raw[10] ^= 1; // the salt is authenticated too
        assert!(open(&B64.encode(&raw), "pw").await.is_err());
        assert!(open("!!", "pw")
            .await
            .unwrap_err()
            .details
            .unwrap()
            .starts_with("data:"));
        assert_eq!(seal(&contents(), "", 10).await.unwrap_err().code, 1009);
    }
}
