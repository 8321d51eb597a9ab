//! The Zender API's side of the Zender configuration (`"api": {…}` in
//! `PUT /v1/emulator/gateways/zender`): the API key a backend sends as `secret`, its permissions,
//! the build's answer variant, the WhatsApp account and the credit balance.

use crate::wa::ApiError;
use serde::{Deserialize, Serialize};

/// Every permission an API key can hold (the product's names; the ones the reference does not
/// list are the emulator's reading of the same scheme).
pub const PERMISSIONS: &[&str] = &[
    "otp",
    "sms_send",
    "sms_send_bulk",
    "wa_send",
    "ussd",
    "get_sms_sent",
    "get_sms_pending",
    "get_sms_received",
    "get_wa_sent",
    "get_wa_received",
    "get_wa_accounts",
    "get_devices",
    "get_credits",
    "delete_sms_sent",
    "delete_sms_received",
    "delete_wa_sent",
    "delete_wa_received",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WaStatus {
    #[default]
    Connected,
    Disconnected,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZenderApiConfig {
    /// The API key (40 hex digits, generated when left out).
    #[serde(default)]
    pub secret: Option<String>,
    /// What the key may do (default: everything).
    #[serde(default = "all_permissions")]
    pub permissions: Vec<String>,
    /// `true`: send answers carry `data.messageId` (2025 build); `false`: `data:false` (older
    /// builds and the official docs' example).
    #[serde(default = "yes")]
    pub send_returns_id: bool,
    /// The WhatsApp account's `unique` (32 hex digits, generated when left out).
    #[serde(default)]
    pub wa_account: Option<String>,
    #[serde(default)]
    pub wa_status: WaStatus,
    /// The balance `/get/credits` answers (a decimal string, as the product's database keeps it).
    #[serde(default = "default_credits")]
    pub credits: String,
    #[serde(default = "default_currency")]
    pub currency: String,
    /// When the device and the WhatsApp account were linked (unix seconds; set when left out).
    #[serde(default)]
    pub created: Option<u64>,
}

fn all_permissions() -> Vec<String> {
    PERMISSIONS.iter().map(|p| p.to_string()).collect()
}
fn yes() -> bool {
    true
}
fn default_credits() -> String {
    "100.000".into()
}
fn default_currency() -> String {
    "USD".into()
}

impl Default for ZenderApiConfig {
    fn default() -> Self {
        ZenderApiConfig {
            secret: None,
            permissions: all_permissions(),
            send_returns_id: true,
            wa_account: None,
            wa_status: WaStatus::Connected,
            credits: default_credits(),
            currency: default_currency(),
            created: None,
        }
    }
}

impl ZenderApiConfig {
    /// Checks the values given and generates the ones left out.
    pub fn fill(&mut self, random_hex: impl Fn(usize) -> String) -> Result<(), ApiError> {
        let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
        match &self.secret {
            Some(s) if !hex(s, 40) => {
                return Err(ApiError::invalid(
                    "api.secret",
                    "must be 40 hexadecimal digits",
                ))
            }
            Some(_) => {}
            None => self.secret = Some(random_hex(20)),
        }
        match &self.wa_account {
            Some(s) if !hex(s, 32) => {
                return Err(ApiError::invalid(
                    "api.wa_account",
                    "must be 32 hexadecimal digits",
                ))
            }
            Some(_) => {}
            None => self.wa_account = Some(random_hex(16)),
        }
        if let Some(p) = self
            .permissions
            .iter()
            .find(|p| !PERMISSIONS.contains(&p.as_str()))
        {
            return Err(ApiError::invalid(
                "api.permissions",
                format!(
                    "unknown permission {:?}; the permissions are {}",
                    p.chars().take(40).collect::<String>(),
                    PERMISSIONS.join(", ")
                ),
            ));
        }
        let decimal = |s: &str| {
            let (i, f) = s.split_once('.').unwrap_or((s, "0"));
            !i.is_empty()
                && i.len() <= 12
                && f.len() <= 6
                && !f.is_empty()
                && (i.bytes().chain(f.bytes())).all(|b| b.is_ascii_digit())
        };
        if !decimal(&self.credits) {
            return Err(ApiError::invalid(
                "api.credits",
                "must be a decimal number such as 798.634",
            ));
        }
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ApiError::invalid(
                "api.currency",
                "must be an ISO 4217 code such as GBP",
            ));
        }
        self.created
            .get_or_insert_with(|| crate::wa::time::now_ms() / 1000);
        Ok(())
    }

    pub fn allows(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }
}
