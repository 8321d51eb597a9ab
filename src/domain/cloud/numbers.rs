//! What the Cloud API keeps per business phone number beside its configuration: registration
//! (`register`/`deregister`, with the two-step PIN and Meta's 10-per-72-hours limit), the
//! ownership verification code (`request_code`/`verify_code`), the business profile and the
//! commerce settings. One record per number; a number without a record is registered, verified,
//! without a PIN and with an empty profile (as a number onboarded through the dashboard).

use super::Cloud;
use crate::graph::profile::{Profile, ProfilePatch};
use crate::graph::GraphError;
use crate::store::Batch;
use crate::wa::time::now_ms;
use serde::{Deserialize, Serialize};

/// Register and deregister calls allowed per number in `RATE_WINDOW_MS` (Meta: 10 per 72 h).
pub const REGISTER_LIMIT: usize = 10;
const RATE_WINDOW_MS: u64 = 72 * 3600 * 1000;
/// Wrong PINs in a row before 133008 (Meta publishes no number: UNCONFIRMED).
pub const PIN_GUESSES: u32 = 5;
const PIN_LOCK_MS: u64 = 3600 * 1000;
/// How long a requested verification code stays valid (UNCONFIRMED; Meta says "expires").
const CODE_TTL_MS: u64 = 10 * 60 * 1000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NumberState {
    pub phone_number_id: String,
    #[serde(default)]
    pub deregistered: bool,
    #[serde(default)]
    pub pin: Option<String>,
    #[serde(default)]
    pub pin_failures: u32,
    #[serde(default)]
    pub locked_until_ms: Option<u64>,
    /// When each register/deregister call of the last 72 hours was made.
    #[serde(default)]
    pub register_calls: Vec<u64>,
    #[serde(default)]
    pub registered_ms: Option<u64>,
    #[serde(default)]
    pub data_localization_region: Option<String>,
    #[serde(default)]
    pub verification: Option<PendingCode>,
    #[serde(default)]
    pub new_display_name: Option<String>,
    #[serde(default)]
    pub profile: Profile,
    #[serde(default)]
    pub commerce: Commerce,
}

crate::json_record!(NumberState, "cloud_numbers", |r| r.phone_number_id);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingCode {
    pub code: String,
    pub code_method: String,
    pub language: String,
    pub requested_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Commerce {
    pub is_cart_enabled: bool,
    pub is_catalog_visible: bool,
}

/// Meta's defaults: cart on, catalog hidden.
impl Default for Commerce {
    fn default() -> Self {
        Commerce {
            is_cart_enabled: true,
            is_catalog_visible: false,
        }
    }
}

impl NumberState {
    fn new(phone_number_id: &str) -> NumberState {
        NumberState {
            phone_number_id: phone_number_id.to_string(),
            deregistered: false,
            pin: None,
            pin_failures: 0,
            locked_until_ms: None,
            register_calls: vec![],
            registered_ms: None,
            data_localization_region: None,
            verification: None,
            new_display_name: None,
            profile: Profile::default(),
            commerce: Commerce::default(),
        }
    }

    pub fn registered(&self) -> bool {
        !self.deregistered
    }

    /// 133016 once 10 register/deregister calls were made in 72 hours.
    fn check_rate(&mut self, now: u64) -> Result<(), GraphError> {
        self.register_calls.retain(|t| t + RATE_WINDOW_MS > now);
        if self.register_calls.len() >= REGISTER_LIMIT {
            return Err(GraphError::new(
                133016,
                format!("{REGISTER_LIMIT} register and deregister calls were made for this number in the last 72 hours; try again later"),
            ));
        }
        Ok(())
    }
}

/// A register call's parameters, validated.
pub struct Register {
    pub pin: String,
    pub data_localization_region: Option<String>,
}

/// The outcome of a call that may record a wrong PIN guess even when it is refused.
enum Guess {
    Ok,
    Wrong(GraphError),
}

impl Cloud {
    /// The number's state (the defaults when nothing was stored yet).
    pub fn number_state(&self, phone_number_id: &str) -> Result<NumberState, GraphError> {
        Ok(self
            .number_states
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(phone_number_id)
            .cloned()
            .unwrap_or_else(|| NumberState::new(phone_number_id)))
    }

    /// Commits a number's state, then serves it to readers.
    async fn commit_number(&self, state: &NumberState) -> Result<(), GraphError> {
        let mut batch = Batch::default();
        batch.put(state)?;
        self.store.commit(batch).await.map_err(GraphError::from)?;
        self.number_states
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(state.phone_number_id.clone(), state.clone());
        Ok(())
    }

    /// Every stored number state (the control API shows them).
    pub fn number_states(&self) -> Result<Vec<NumberState>, GraphError> {
        self.store.all::<NumberState>().map_err(GraphError::from)
    }

    /// Reads, changes and writes one number's state under the numbers lock; nothing is written
    /// when `f` refuses.
    pub(super) async fn change_number<T>(
        &self,
        phone_number_id: &str,
        f: impl FnOnce(&mut NumberState, u64) -> Result<T, GraphError>,
    ) -> Result<T, GraphError> {
        let _one_writer = self.numbers_lock.lock().await;
        let mut state = self.number_state(phone_number_id)?;
        let answer = f(&mut state, now_ms())?;
        self.commit_number(&state).await?;
        Ok(answer)
    }

    /// `POST /{phone-number-id}/register`: with a two-step PIN set, the PIN must match (133005;
    /// 133008 after too many wrong guesses); without one, it becomes the PIN.
    pub async fn register(&self, phone_number_id: &str, r: Register) -> Result<(), GraphError> {
        let _one_writer = self.numbers_lock.lock().await;
        let mut state = self.number_state(phone_number_id)?;
        let now = now_ms();
        state.check_rate(now)?;
        match guess(&mut state, &r.pin, now) {
            Guess::Wrong(e) => {
                self.commit_number(&state).await?;
                return Err(e);
            }
            Guess::Ok => {}
        }
        state.pin.get_or_insert(r.pin);
        state.deregistered = false;
        state.registered_ms = Some(now);
        state.data_localization_region = r.data_localization_region;
        state.register_calls.push(now);
        self.commit_number(&state).await
    }

    /// `POST /{phone-number-id}/deregister`.
    pub async fn deregister(&self, phone_number_id: &str) -> Result<(), GraphError> {
        self.change_number(phone_number_id, |s, now| {
            s.check_rate(now)?;
            s.deregistered = true;
            s.register_calls.push(now);
            Ok(())
        })
        .await
    }

    /// `POST /{phone-number-id}` with `pin`: sets or changes the two-step PIN (no old PIN needed).
    pub async fn set_pin(&self, phone_number_id: &str, pin: String) -> Result<(), GraphError> {
        self.change_number(phone_number_id, |s, _| {
            s.pin = Some(pin);
            s.pin_failures = 0;
            s.locked_until_ms = None;
            Ok(())
        })
        .await
    }

    /// `POST /{phone-number-id}` with `new_display_name`: the name goes to review.
    pub async fn request_display_name(
        &self,
        phone_number_id: &str,
        name: String,
    ) -> Result<(), GraphError> {
        self.change_number(phone_number_id, |s, _| {
            s.new_display_name = Some(name);
            Ok(())
        })
        .await
    }

    /// `POST /{phone-number-id}/request_code`: a new 6-digit code (shown by the control API).
    pub async fn request_code(
        &self,
        phone_number_id: &str,
        code_method: String,
        language: String,
    ) -> Result<(), GraphError> {
        let code = format!("{:06}", rand::random::<u32>() % 1_000_000);
        self.change_number(phone_number_id, |s, now| {
            s.verification = Some(PendingCode {
                code,
                code_method,
                language,
                requested_ms: now,
            });
            Ok(())
        })
        .await
    }

    /// `POST /{phone-number-id}/verify_code`: the last requested code, within 10 minutes.
    pub async fn verify_code(&self, phone_number_id: &str, code: &str) -> Result<(), GraphError> {
        self.change_number(phone_number_id, |s, now| {
            let Some(pending) = &s.verification else {
                return Err(GraphError::invalid(
                    "No verification code was requested for this number: POST /{phone-number-id}/request_code first",
                ));
            };
            if pending.requested_ms + CODE_TTL_MS <= now {
                return Err(GraphError::invalid(
                    "The verification code has expired: request a new one",
                ));
            }
            if pending.code != code {
                return Err(GraphError::invalid("The verification code is not correct"));
            }
            s.verification = None;
            Ok(())
        })
        .await
    }

    /// `POST /{phone-number-id}/whatsapp_business_profile`.
    pub async fn update_profile(
        &self,
        phone_number_id: &str,
        patch: ProfilePatch,
    ) -> Result<(), GraphError> {
        self.change_number(phone_number_id, |s, _| {
            patch.apply(&mut s.profile);
            Ok(())
        })
        .await
    }

    /// `POST /{phone-number-id}/whatsapp_commerce_settings`.
    pub async fn update_commerce(
        &self,
        phone_number_id: &str,
        cart: Option<bool>,
        catalog: Option<bool>,
    ) -> Result<(), GraphError> {
        self.change_number(phone_number_id, |s, _| {
            if let Some(c) = cart {
                s.commerce.is_cart_enabled = c;
            }
            if let Some(c) = catalog {
                s.commerce.is_catalog_visible = c;
            }
            Ok(())
        })
        .await
    }

    /// Sends from a deregistered number answer 133010, as Meta's.
    pub(super) fn check_registered(&self, phone_number_id: &str) -> Result<(), GraphError> {
        let registered = self
            .number_states
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(phone_number_id)
            .is_none_or(NumberState::registered);
        if registered {
            Ok(())
        } else {
            Err(GraphError::new(
                133010,
                format!("Phone number {phone_number_id} is not registered: POST /{{version}}/{phone_number_id}/register first"),
            ))
        }
    }
}

/// Checks a PIN against the two-step PIN, counting wrong guesses.
fn guess(state: &mut NumberState, pin: &str, now: u64) -> Guess {
    if state.locked_until_ms.is_some_and(|t| t > now) {
        return Guess::Wrong(GraphError::new(
            133008,
            "Too many wrong two-step verification PINs: try again in an hour, or set a new PIN with POST /{phone-number-id}",
        ));
    }
    match &state.pin {
        Some(p) if p != pin => {
            state.pin_failures += 1;
            if state.pin_failures >= PIN_GUESSES {
                state.locked_until_ms = Some(now + PIN_LOCK_MS);
                state.pin_failures = 0;
            }
            Guess::Wrong(GraphError::new(
                133005,
                "The two-step verification PIN does not match the PIN set for this number",
            ))
        }
        _ => {
            state.pin_failures = 0;
            state.locked_until_ms = None;
            Guess::Ok
        }
    }
}
