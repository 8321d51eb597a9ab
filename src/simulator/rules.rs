//! Recipient rules: reserved numbers that fail, are not on WhatsApp, never read, or are slow.

use crate::wa::ApiError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// The message gets a `failed` status with this asynchronous error code (470, 480, ...).
    Fail { code: u32 },
    /// Not a WhatsApp user: contacts answer `invalid`, sends answer 1013.
    Invalid,
    /// `sent` and `delivered`, never `read`.
    NeverRead,
    /// `sent` only.
    NeverDelivered,
    /// No status at all: the test forces each one through the control API.
    Manual,
    /// `delivered` after `delay_ms`, `read` a little later.
    Slow { delay_ms: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// A wa_id (digits), or a prefix followed by `*` (e.g. `1555000*`).
    pub number: String,
    #[serde(flatten)]
    pub action: Action,
}

impl Rule {
    fn matches(&self, wa_id: &str) -> bool {
        match self.number.strip_suffix('*') {
            Some(prefix) => wa_id.starts_with(prefix),
            None => self.number == wa_id,
        }
    }
}

/// The documented reserved numbers (see the README).
pub fn default_rules() -> Vec<Rule> {
    let r = |number: &str, action| Rule {
        number: number.into(),
        action,
    };
    vec![
        r("15550000470", Action::Fail { code: 470 }),
        r("15550000480", Action::Fail { code: 480 }),
        r("15550000404", Action::Invalid),
        r("15550000001", Action::NeverRead),
        r("15550000002", Action::NeverDelivered),
        r("15550000003", Action::Slow { delay_ms: 5000 }),
    ]
}

/// The first rule matching a wa_id.
pub fn find<'a>(rules: &'a [Rule], wa_id: &str) -> Option<&'a Action> {
    rules.iter().find(|r| r.matches(wa_id)).map(|r| &r.action)
}

/// The longest delay a `slow` rule may set: a day, the real API's retry horizon.
pub const MAX_SLOW_DELAY_MS: u64 = 24 * 3600 * 1000;

pub fn validate(rules: &[Rule]) -> Result<(), ApiError> {
    for (i, r) in rules.iter().enumerate() {
        let digits = r.number.strip_suffix('*').unwrap_or(&r.number);
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(ApiError::invalid(
                &format!("rules[{i}].number"),
                "must be digits, optionally ending with *",
            ));
        }
        match r.action {
            Action::Fail { code } if !(400..600).contains(&code) => {
                return Err(ApiError::invalid(
                    &format!("rules[{i}].code"),
                    "must be an asynchronous error code such as 470 or 480",
                ));
            }
            Action::Slow { delay_ms } if delay_ms > MAX_SLOW_DELAY_MS => {
                return Err(ApiError::invalid(
                    &format!("rules[{i}].delay_ms"),
                    format!("must be at most {MAX_SLOW_DELAY_MS} (24 hours)"),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_match_wins_and_prefixes_work() {
        let mut rules = default_rules();
        rules.push(Rule {
            number: "1555000*".into(),
            action: Action::NeverRead,
        });
        assert_eq!(
            find(&rules, "15550000470"),
            Some(&Action::Fail { code: 470 })
        );
        assert_eq!(find(&rules, "15550009999"), Some(&Action::NeverRead));
        assert_eq!(find(&rules, "16315551001"), None);
    }

    #[test]
    fn rules_round_trip_as_json() {
        let json = serde_json::to_value(default_rules()).unwrap();
        assert_eq!(
            json[0],
            serde_json::json!({"number":"15550000470","action":"fail","code":470})
        );
        let back: Vec<Rule> = serde_json::from_value(json).unwrap();
        assert_eq!(back, default_rules());
        assert!(validate(&[Rule {
            number: "12a".into(),
            action: Action::Invalid
        }])
        .is_err());
        assert!(validate(&[Rule {
            number: "1".into(),
            action: Action::Slow { delay_ms: u64::MAX }
        }])
        .is_err());
    }
}
