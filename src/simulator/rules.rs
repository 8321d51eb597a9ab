//! Recipient rules: reserved numbers that fail, are not on WhatsApp, never read, or are slow.

use crate::wa::ApiError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// The message gets a `failed` status with this asynchronous error code (470, 480, ...).
    Fail {
        #[serde(deserialize_with = "crate::wa::integer::integral")]
        code: u32,
    },
    /// Not a WhatsApp user: contacts answer `invalid`, sends answer 1013.
    Invalid,
    /// `sent` and `delivered`, never `read`.
    NeverRead,
    /// `sent` only.
    NeverDelivered,
    /// No status at all: the test forces each one through the control API.
    Manual,
    /// `delivered` after `delay_ms`, `read` a little later.
    Slow {
        #[serde(deserialize_with = "crate::wa::integer::integral")]
        delay_ms: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RuleWire")]
pub struct Rule {
    /// A wa_id (digits), or a prefix followed by `*` (e.g. `1555000*`).
    pub number: String,
    #[serde(flatten)]
    pub action: Action,
}

/// A rule as written: `{"number", "action", "code"?, "delay_ms"?}`, each action taking only its
/// own fields (a flattened enum would let unknown fields through).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleWire {
    number: String,
    action: ActionName,
    #[serde(default, deserialize_with = "crate::wa::integer::opt_integral")]
    code: Option<u32>,
    #[serde(default, deserialize_with = "crate::wa::integer::opt_integral")]
    delay_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ActionName {
    Fail,
    Invalid,
    NeverRead,
    NeverDelivered,
    Manual,
    Slow,
}

impl TryFrom<RuleWire> for Rule {
    type Error = String;

    fn try_from(w: RuleWire) -> Result<Rule, String> {
        let action = match (w.action, w.code, w.delay_ms) {
            (_, Some(_), Some(_)) => return Err("unknown field `delay_ms`".into()),
            (ActionName::Fail, Some(code), None) => Action::Fail { code },
            (ActionName::Fail, None, _) => return Err("missing field `code`".into()),
            (ActionName::Slow, None, Some(delay_ms)) => Action::Slow { delay_ms },
            (ActionName::Slow, _, None) => return Err("missing field `delay_ms`".into()),
            (_, Some(_), None) => return Err("unknown field `code`".into()),
            (_, None, Some(_)) => return Err("unknown field `delay_ms`".into()),
            (ActionName::Invalid, None, None) => Action::Invalid,
            (ActionName::NeverRead, None, None) => Action::NeverRead,
            (ActionName::NeverDelivered, None, None) => Action::NeverDelivered,
            (ActionName::Manual, None, None) => Action::Manual,
        };
        Ok(Rule {
            number: w.number,
            action,
        })
    }
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

/// A `failed` status's error code: any On-Prem code, 1 to 999999 (470, 480, 1013, 1026, 2060...;
/// codes outside the table are titled "Generic error").
pub fn failure_code(code: u32, field: &str) -> Result<(), ApiError> {
    if (1..=999_999).contains(&code) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            "must be an error code from 1 to 999999, such as 470 or 480",
        ))
    }
}

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
            Action::Fail { code } => failure_code(code, &format!("rules[{i}].code"))?,
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
        for (bad, want) in [
            (
                r#"{"number":"1","action":"manual","code":4}"#,
                "unknown field `code`",
            ),
            (
                r#"{"number":"1","action":"never_read","delay_ms":4}"#,
                "unknown field `delay_ms`",
            ),
            (r#"{"number":"1","action":"fail"}"#, "missing field `code`"),
            (
                r#"{"number":"1","action":"slow","code":470}"#,
                "missing field `delay_ms`",
            ),
            (
                r#"{"number":"1","action":"fail","code":470,"x":1}"#,
                "unknown field `x`",
            ),
        ] {
            let err = serde_json::from_str::<Rule>(bad).unwrap_err().to_string();
            assert!(err.starts_with(want), "{bad}: {err}");
        }
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
