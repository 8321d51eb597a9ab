//! What Zender's API keeps: sent SMS (with the device's reports), received SMS, sent and received
//! WhatsApp chats, USSD requests, uploads and live OTPs, as typed records (by id, so key order is
//! age order), written only through `Batch` + `Store::commit`.

use crate::store::{encode_u64, Batch, Record, Store, StoreError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Devices,
    Credits,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Devices => "devices",
            Mode::Credits => "credits",
        }
    }
}

/// A row of the product's `sent` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentSms {
    pub id: u64,
    pub mode: Mode,
    /// The device unique, or the gateway's name.
    pub sender: String,
    /// `device`, `gateway` or `partner_device`.
    pub sender_type: String,
    pub sim: u8,
    /// As stored: 1 (asked for priority) or 2.
    pub priority: u8,
    /// Sent through the API (true) or the dashboard / control API (false).
    pub api: bool,
    /// 1 queued (created), 2 pending (the device fetched it), 3 sent, 4 failed.
    pub status: u8,
    /// The device's last code (`SMS_SENT`, `SMS_DELIVERED`, `DELIVERY_FAILED`…).
    pub status_code: Option<String>,
    pub recipient: String,
    pub message: String,
    /// Unix seconds; the device's status report rewrites it (the product's quirk).
    pub created: u64,
    /// The bulk campaign it belongs to.
    #[serde(default)]
    pub campaign: Option<String>,
}

/// A row of the `received` table: the `sms` webhook's `data[id]` is its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceivedSms {
    pub id: u64,
    pub rid: u64,
    pub sim: u8,
    pub device: String,
    pub sender: String,
    pub message: String,
    pub created: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatKind {
    Text,
    Media,
    Document,
}

/// A row of `wa_sent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentChat {
    pub id: u64,
    /// The account's number (`+…`).
    pub account: String,
    pub kind: ChatKind,
    pub recipient: String,
    pub message: String,
    pub attachment: Option<String>,
    /// 1 queued, 3 sent, 4 failed.
    pub status: u8,
    pub priority: u8,
    pub api: bool,
    pub created: u64,
}

/// A row of `wa_received`: the `whatsapp` webhook's `data[id]` is its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceivedChat {
    pub id: u64,
    pub account: String,
    pub recipient: String,
    pub message: String,
    pub attachment: Option<String>,
    pub created: u64,
}

/// A USSD request; the device answers it with a `ussd` webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UssdRequest {
    pub id: u64,
    pub code: String,
    pub sim: u8,
    pub device: String,
    pub created: u64,
}

/// A live one-time password (one per value, as the product's cache keys it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Otp {
    pub otp: u32,
    pub expires: u64,
}

/// A file sent with `media_file` / `document_file`, served at its attachment URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Upload {
    pub id: u64,
    pub filename: String,
    pub content_type: String,
    /// Base64 of the bytes.
    pub data: String,
}

crate::json_record!(SentSms, "zender_sent", |r| encode_u64(r.id));
crate::json_record!(ReceivedSms, "zender_received", |r| encode_u64(r.id));
crate::json_record!(SentChat, "zender_wa_sent", |r| encode_u64(r.id));
crate::json_record!(ReceivedChat, "zender_wa_received", |r| encode_u64(r.id));
crate::json_record!(UssdRequest, "zender_ussd", |r| encode_u64(r.id));
crate::json_record!(Otp, "zender_otp", |r| r.otp.to_string());
crate::json_record!(Upload, "zender_uploads", |r| encode_u64(r.id));

/// Every record of a type, newest first (by `created`, then id: the product's `ORDER BY date DESC`).
pub fn newest_first<R: Record>(
    store: &Store,
    created: impl Fn(&R) -> (u64, u64),
) -> Result<Vec<R>, StoreError> {
    let mut all = store.all::<R>()?;
    all.sort_by_key(|r| std::cmp::Reverse(created(r)));
    Ok(all)
}

/// Adds the clearing of every Zender API tree to a batch (the control API's reset).
pub fn clear_all(b: &mut Batch) {
    b.clear::<SentSms>()
        .clear::<ReceivedSms>()
        .clear::<SentChat>()
        .clear::<ReceivedChat>()
        .clear::<UssdRequest>()
        .clear::<Otp>()
        .clear::<Upload>();
}
