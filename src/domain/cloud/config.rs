//! The Cloud API configuration: app secret, verify token, access tokens, business numbers and the
//! webhook URL. One record in the store; generated on first start; flags override it at start.

use crate::store::{Batch, Store, StoreError};
use crate::wa::time::now_ms;
use crate::wa::ApiError;
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudConfig {
    pub app_secret: String,
    pub verify_token: String,
    pub access_tokens: Vec<AccessToken>,
    pub numbers: Vec<CloudNumber>,
    #[serde(default)]
    pub webhook: Webhook,
}

crate::json_singleton!(CloudConfig, "config", "cloud");

/// An access token: a plain string, or `{"token", "expires_at"?}` (`expires_at` in unix seconds,
/// to test expiry; without it the token never expires).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AccessToken {
    Plain(String),
    Expiring { token: String, expires_at: u64 },
}

/// Reads either form with errors that say what is wanted (not serde's "did not match any variant").
impl<'de> Deserialize<'de> for AccessToken {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        const WANT: &str =
            "must be a token string or an object {\"token\": \"...\", \"expires_at\": unix seconds}";
        match Value::deserialize(d)? {
            Value::String(t) => Ok(AccessToken::Plain(t)),
            Value::Object(mut o) => {
                if let Some(k) = o.keys().find(|k| *k != "token" && *k != "expires_at") {
                    return Err(D::Error::custom(format!(
                        "unknown key '{k}': an access token object takes token and expires_at"
                    )));
                }
                let token = match o.remove("token") {
                    Some(Value::String(t)) => t,
                    Some(_) => return Err(D::Error::custom("token must be a string")),
                    None => return Err(D::Error::custom(format!("token is missing: {WANT}"))),
                };
                match o.remove("expires_at") {
                    None | Some(Value::Null) => Ok(AccessToken::Plain(token)),
                    Some(v) => match crate::wa::integer::as_u64(&v) {
                        Some(expires_at) => Ok(AccessToken::Expiring { token, expires_at }),
                        None => Err(D::Error::custom(
                            "expires_at must be a whole number of unix seconds (0 or more)",
                        )),
                    },
                }
            }
            _ => Err(D::Error::custom(WANT)),
        }
    }
}

impl AccessToken {
    pub fn token(&self) -> &str {
        match self {
            AccessToken::Plain(t) | AccessToken::Expiring { token: t, .. } => t,
        }
    }
    pub fn expired(&self, now_s: u64) -> bool {
        matches!(self, AccessToken::Expiring { expires_at, .. } if *expires_at <= now_s)
    }
}

/// Why an access token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Not one of the configured tokens.
    Unknown,
    /// Configured with `expires_at` (unix seconds) in the past.
    Expired { at_s: u64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudNumber {
    pub phone_number_id: String,
    pub display_phone_number: String,
    pub waba_id: String,
    /// Messages per second before 130429 (Meta's default: 80, upgraded up to 1000; the emulator
    /// takes up to 100000 for load tests).
    #[serde(
        default = "default_throughput",
        deserialize_with = "crate::wa::integer::integral"
    )]
    pub throughput_mps: u32,
    /// Set for a test number: only these recipients can be messaged (others get 131030).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_recipients: Option<Vec<String>>,
    /// The business name Graph answers as `verified_name` (Meta's test numbers: "Test Number").
    #[serde(default = "default_verified_name")]
    pub verified_name: String,
}

fn default_verified_name() -> String {
    "Test Number".to_string()
}

fn default_throughput() -> u32 {
    80
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    #[serde(default)]
    pub url: Option<String>,
}

/// `PUT /v1/emulator/cloud`: fields left out keep their value.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudPatch {
    pub app_secret: Option<String>,
    pub verify_token: Option<String>,
    pub access_tokens: Option<Vec<AccessToken>>,
    pub numbers: Option<Vec<CloudNumber>>,
    pub webhook: Option<Webhook>,
}

fn random_text(n: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

fn random_digits(n: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|i| char::from(b'0' + rng.gen_range(u8::from(i == 0)..10)))
        .collect()
}

/// What start-up flags set (they win over the stored record).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub app_secret: Option<String>,
    pub verify_token: Option<String>,
    pub access_token: Option<String>,
    pub phone_number_id: Option<String>,
}

impl CloudConfig {
    pub fn generate() -> CloudConfig {
        CloudConfig {
            app_secret: hex::encode(rand::random::<[u8; 16]>()),
            verify_token: format!("verify-{}", random_text(16)),
            access_tokens: vec![AccessToken::Plain(format!("EAAG{}", random_text(60)))],
            numbers: vec![CloudNumber {
                phone_number_id: random_digits(15),
                display_phone_number: format!("1555{}", random_digits(7)),
                waba_id: random_digits(15),
                throughput_mps: default_throughput(),
                allowed_recipients: None,
                verified_name: default_verified_name(),
            }],
            webhook: Webhook::default(),
        }
    }

    /// The stored record, or a generated one (stored), with the flags applied.
    pub fn load(store: &Store, o: &Overrides) -> Result<(CloudConfig, bool), StoreError> {
        let stored: Option<CloudConfig> = store.get::<CloudConfig>("cloud")?;
        let generated = stored.is_none();
        let mut c = stored.unwrap_or_else(CloudConfig::generate);
        if let Some(s) = &o.app_secret {
            c.app_secret = s.clone();
        }
        if let Some(t) = &o.verify_token {
            c.verify_token = t.clone();
        }
        if let Some(t) = &o.access_token {
            c.access_tokens = vec![AccessToken::Plain(t.clone())];
        }
        if let (Some(id), Some(first)) = (&o.phone_number_id, c.numbers.first_mut()) {
            first.phone_number_id = id.clone();
        }
        let mut batch = Batch::default();
        batch.put(&c)?;
        store.write(batch)?;
        Ok((c, generated))
    }

    /// Writes the record durably (a failure leaves the previous one).
    pub async fn save(&self, store: &Store) -> Result<(), ApiError> {
        let mut batch = Batch::default();
        batch.put(self)?;
        Ok(store.commit(batch).await?)
    }

    /// This configuration with a PUT body applied and checked.
    pub fn patched(&self, p: CloudPatch, allow_http: bool) -> Result<CloudConfig, ApiError> {
        let mut c = self.clone();
        if let Some(s) = p.app_secret {
            c.app_secret = s;
        }
        if let Some(t) = p.verify_token {
            c.verify_token = t;
        }
        if let Some(t) = p.access_tokens {
            c.access_tokens = t;
        }
        if let Some(n) = p.numbers {
            c.numbers = n;
        }
        if let Some(w) = p.webhook {
            c.webhook = w;
        }
        c.check(allow_http)?;
        Ok(c)
    }

    fn check(&self, allow_http: bool) -> Result<(), ApiError> {
        if self.app_secret.trim().is_empty() {
            return Err(ApiError::invalid("app_secret", "must not be empty"));
        }
        if self.verify_token.trim().is_empty() {
            return Err(ApiError::invalid("verify_token", "must not be empty"));
        }
        if self.access_tokens.is_empty()
            || self
                .access_tokens
                .iter()
                .any(|t| t.token().trim().is_empty())
        {
            return Err(ApiError::invalid(
                "access_tokens",
                "must hold at least one non-empty token",
            ));
        }
        if self.numbers.is_empty() {
            return Err(ApiError::invalid(
                "numbers",
                "must hold at least one number",
            ));
        }
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
        for (i, n) in self.numbers.iter().enumerate() {
            for (field, v) in [
                ("phone_number_id", &n.phone_number_id),
                ("display_phone_number", &n.display_phone_number),
                ("waba_id", &n.waba_id),
            ] {
                if !digits(v) {
                    return Err(ApiError::invalid(
                        &format!("numbers[{i}].{field}"),
                        "must be 1 to 20 digits",
                    ));
                }
            }
            if !(1..=512).contains(&n.verified_name.trim().chars().count()) {
                return Err(ApiError::invalid(
                    &format!("numbers[{i}].verified_name"),
                    "must be 1 to 512 characters",
                ));
            }
            if !(1..=100_000).contains(&n.throughput_mps) {
                return Err(ApiError::invalid(
                    &format!("numbers[{i}].throughput_mps"),
                    "must be 1 to 100000",
                ));
            }
            if self.numbers[..i]
                .iter()
                .any(|m| m.phone_number_id == n.phone_number_id)
            {
                return Err(ApiError::invalid(
                    &format!("numbers[{i}].phone_number_id"),
                    "is given twice",
                ));
            }
        }
        if let Some(url) = &self.webhook.url {
            match reqwest::Url::parse(url) {
                Ok(u) if u.scheme() == "https" || (allow_http && u.scheme() == "http") => {}
                _ => {
                    return Err(ApiError::invalid(
                        "webhook.url",
                        if allow_http {
                            "must be an http(s) URL"
                        } else {
                            "must be an https URL (start with --allow-http-webhooks for http)"
                        },
                    ))
                }
            }
        }
        Ok(())
    }

    pub fn number(&self, phone_number_id: &str) -> Option<&CloudNumber> {
        self.numbers
            .iter()
            .find(|n| n.phone_number_id == phone_number_id)
    }

    /// Whether `token` is one of the access tokens and has not expired.
    pub fn token_ok(&self, token: &str) -> Result<(), TokenProblem> {
        use subtle::ConstantTimeEq;
        let now_s = now_ms() / 1000;
        match self
            .access_tokens
            .iter()
            .find(|t| bool::from(t.token().as_bytes().ct_eq(token.as_bytes())))
        {
            None => Err(TokenProblem::Unknown),
            Some(AccessToken::Expiring { expires_at, .. }) if *expires_at <= now_s => {
                Err(TokenProblem::Expired { at_s: *expires_at })
            }
            Some(_) => Ok(()),
        }
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}
