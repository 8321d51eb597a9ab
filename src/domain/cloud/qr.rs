//! A Cloud number's QR codes (`/{phone-number-id}/message_qrdls`): a code with its prefilled
//! message (at most 140 characters) and its `https://wa.me/message/<code>` deep link; at most
//! 2,000 per number.

use super::Cloud;
use crate::graph::GraphError;
use crate::store::Batch;
use crate::wa::time::now_ms;
use rand::Rng;
use serde::{Deserialize, Serialize};

pub const QR_MAX: usize = 2_000;
pub const PREFILLED_MAX: usize = 140;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QrCode {
    pub phone_number_id: String,
    pub code: String,
    pub prefilled_message: String,
    pub created_ms: u64,
}

crate::json_record!(QrCode, "cloud_qrdls", |r| key(&r.phone_number_id, &r.code));

fn key(phone_number_id: &str, code: &str) -> String {
    format!("{phone_number_id}/{code}")
}

/// A code like Meta's (`4O4YGZEG3RIVE1`): 14 upper-case letters and digits.
fn new_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::thread_rng();
    (0..14)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

pub fn check_prefilled(text: &str) -> Result<(), GraphError> {
    let n = text.chars().count();
    if n == 0 || n > PREFILLED_MAX {
        return Err(GraphError::invalid(format!(
            "prefilled_message: must be 1 to {PREFILLED_MAX} characters (got {n})"
        )));
    }
    Ok(())
}

impl Cloud {
    pub fn qr_codes(&self, phone_number_id: &str) -> Result<Vec<QrCode>, GraphError> {
        let from = format!("{phone_number_id}/").into_bytes();
        let to = format!("{phone_number_id}0").into_bytes();
        self.store
            .scan::<QrCode>(from..to)?
            .collect::<Result<_, _>>()
            .map_err(GraphError::from)
    }

    /// The code, or Graph's unknown-object answer.
    pub fn qr_code(
        &self,
        phone_number_id: &str,
        code: &str,
        method: &str,
    ) -> Result<QrCode, GraphError> {
        self.store
            .get::<QrCode>(key(phone_number_id, code))?
            .ok_or_else(|| GraphError::unknown_object(method, code))
    }

    /// Creates a code, or (with `code`) changes the prefilled message of an existing one.
    pub async fn save_qr_code(
        &self,
        phone_number_id: &str,
        code: Option<&str>,
        prefilled_message: String,
    ) -> Result<QrCode, GraphError> {
        check_prefilled(&prefilled_message)?;
        let _one_writer = self.numbers_lock.lock().await;
        let qr = match code {
            Some(c) => QrCode {
                prefilled_message,
                ..self.qr_code(phone_number_id, c, "POST")?
            },
            None => {
                if self.qr_codes(phone_number_id)?.len() >= QR_MAX {
                    return Err(GraphError::invalid(format!(
                        "This number already has {QR_MAX} QR codes: delete some first"
                    )));
                }
                QrCode {
                    phone_number_id: phone_number_id.to_string(),
                    code: new_code(),
                    prefilled_message,
                    created_ms: now_ms(),
                }
            }
        };
        let mut batch = Batch::default();
        batch.put(&qr)?;
        self.store.commit(batch).await?;
        Ok(qr)
    }

    pub async fn delete_qr_code(
        &self,
        phone_number_id: &str,
        code: &str,
    ) -> Result<(), GraphError> {
        let _one_writer = self.numbers_lock.lock().await;
        self.qr_code(phone_number_id, code, "DELETE")?;
        let mut batch = Batch::default();
        batch.remove::<QrCode>(key(phone_number_id, code));
        self.store.commit(batch).await.map_err(GraphError::from)
    }
}
