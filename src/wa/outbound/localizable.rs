//! Localizable values: currency amounts and dates, as `hsm.localizable_params` carry them and, in
//! a flatter form, template `currency` / `date_time` parameters.
//!
//! Meta's "Localizable parameters" reference (developers.facebook.com/docs/whatsapp/
//! message-templates/localization; field names as in WhatsApp's HSMLocalizableParameter proto):
//! `default` (required), then at most one of `currency` {currency_code: ISO 4217,
//! amount_1000: integer} and `date_time` {at most one of `component` {day_of_week, year, month,
//! day_of_month, hour, minute, calendar} and `unix_epoch` {timestamp}}. `day_of_week` may be a
//! number or a string.

use super::fields::*;
use super::Param;
use crate::wa::ApiError;
use serde_json::Value;
use std::ops::RangeInclusive;

/// The date parts of a `component` object (and of a template `date_time` parameter).
pub(super) const DATE_PARTS: [&str; 7] = [
    "day_of_week",
    "year",
    "month",
    "day_of_month",
    "hour",
    "minute",
    "calendar",
];

const WEEKDAYS: [&str; 7] = [
    "MONDAY",
    "TUESDAY",
    "WEDNESDAY",
    "THURSDAY",
    "FRIDAY",
    "SATURDAY",
    "SUNDAY",
];

/// A three-letter upper-case ISO 4217 code under `name`.
pub(super) fn currency_code(o: &Obj, path: &str, name: &str) -> Result<String, ApiError> {
    let code = string(o, path, name)?;
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ApiError::invalid(
            &join(path, name),
            format!("'{code}' is not an ISO 4217 currency code such as USD"),
        ));
    }
    Ok(code.to_string())
}

/// A required JSON integer under `name`, within `range`.
pub(super) fn integer(
    o: &Obj,
    path: &str,
    name: &str,
    range: RangeInclusive<i64>,
) -> Result<i64, ApiError> {
    let p = join(path, name);
    let n = crate::wa::integer::as_i64(field(o, path, name)?)
        .ok_or_else(|| ApiError::invalid(&p, "must be an integer"))?;
    if !range.contains(&n) {
        return Err(ApiError::invalid(
            &p,
            format!("must be from {} to {}", range.start(), range.end()),
        ));
    }
    Ok(n)
}

fn opt_integer(
    o: &Obj,
    path: &str,
    name: &str,
    range: RangeInclusive<i64>,
) -> Result<(), ApiError> {
    match o.get(name) {
        None | Some(Value::Null) => Ok(()),
        Some(_) => integer(o, path, name, range).map(|_| ()),
    }
}

/// Optional date parts: day_of_week 1-7 (Monday first) or a weekday name, month 1-12,
/// day_of_month 1-31, hour 0-23, minute 0-59, year 1-9999, calendar GREGORIAN or SOLAR_HIJRI.
pub(super) fn date_parts(d: &Obj, path: &str) -> Result<(), ApiError> {
    match d.get("day_of_week") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => {
            let s = s.trim();
            let numeric = s.parse::<i64>().is_ok_and(|n| (1..=7).contains(&n));
            if !numeric && !WEEKDAYS.iter().any(|w| w.eq_ignore_ascii_case(s)) {
                return Err(ApiError::invalid(
                    &join(path, "day_of_week"),
                    format!("'{s}' is not a day of the week (1-7 or MONDAY...SUNDAY)"),
                ));
            }
        }
        Some(_) => opt_integer(d, path, "day_of_week", 1..=7)?,
    }
    opt_integer(d, path, "year", 1..=9999)?;
    opt_integer(d, path, "month", 1..=12)?;
    opt_integer(d, path, "day_of_month", 1..=31)?;
    opt_integer(d, path, "hour", 0..=23)?;
    opt_integer(d, path, "minute", 0..=59)?;
    if let Some(c) = opt_string(d, path, "calendar")? {
        if c != "GREGORIAN" && c != "SOLAR_HIJRI" {
            return Err(ApiError::invalid(
                &join(path, "calendar"),
                "must be GREGORIAN or SOLAR_HIJRI",
            ));
        }
    }
    Ok(())
}

/// One `hsm.localizable_params` entry, as a template parameter whose fallback is `default`.
pub(super) fn localizable_param(p: &Obj, path: &str) -> Result<Param, ApiError> {
    only(p, path, &["default", "currency", "date_time"])?;
    let fallback_value = string(p, path, "default")?.to_string();
    match (p.get("currency"), p.get("date_time")) {
        (Some(_), Some(_)) => Err(ApiError::invalid(
            path,
            "give either currency or date_time, not both",
        )),
        (Some(c), None) => {
            let cp = join(path, "currency");
            let (code, amount_1000) = currency(obj(c, &cp)?, &cp)?;
            Ok(Param::Currency {
                fallback_value,
                code,
                amount_1000,
            })
        }
        (None, Some(d)) => {
            let dp = join(path, "date_time");
            date_time(obj(d, &dp)?, &dp)?;
            Ok(Param::DateTime { fallback_value })
        }
        (None, None) => Ok(Param::Text(fallback_value)),
    }
}

/// `{currency_code, amount_1000}`; the template parameter's spelling `{fallback_value, code,
/// amount_1000}` is accepted too, since apps move between the two forms. Answers the code and
/// the amount.
fn currency(c: &Obj, path: &str) -> Result<(String, i64), ApiError> {
    only(
        c,
        path,
        &["currency_code", "code", "amount_1000", "fallback_value"],
    )?;
    let code = match (c.contains_key("currency_code"), c.contains_key("code")) {
        (true, true) => {
            return Err(ApiError::invalid(
                path,
                "give either currency_code or code, not both",
            ))
        }
        (false, true) => currency_code(c, path, "code")?,
        _ => currency_code(c, path, "currency_code")?,
    };
    let amount_1000 = integer(c, path, "amount_1000", i64::MIN..=i64::MAX)?;
    opt_string(c, path, "fallback_value")?;
    Ok((code, amount_1000))
}

/// `{component}` or `{unix_epoch}` (at most one; the entry's `default` covers neither).
fn date_time(d: &Obj, path: &str) -> Result<(), ApiError> {
    only(d, path, &["component", "unix_epoch", "fallback_value"])?;
    opt_string(d, path, "fallback_value")?;
    match (d.get("component"), d.get("unix_epoch")) {
        (Some(_), Some(_)) => Err(ApiError::invalid(
            path,
            "give either component or unix_epoch, not both",
        )),
        (Some(c), None) => {
            let cp = join(path, "component");
            let c = obj(c, &cp)?;
            only(c, &cp, &DATE_PARTS)?;
            date_parts(c, &cp)
        }
        (None, Some(u)) => {
            let up = join(path, "unix_epoch");
            let u = obj(u, &up)?;
            only(u, &up, &["timestamp"])?;
            integer(u, &up, "timestamp", 0..=i64::MAX).map(|_| ())
        }
        (None, None) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{check, code};
    use serde_json::{json, Value};

    fn hsm(param: Value) -> Value {
        json!({"to": "16315551001", "type": "hsm", "hsm": {"namespace": "ns", "element_name": "e",
            "language": {"policy": "deterministic", "code": "en"}, "localizable_params": [param]}})
    }

    fn fails(param: Value, want: u32, field: &str) {
        let (c, details) = code(hsm(param.clone()));
        assert_eq!(c, want, "{param}: {details}");
        assert!(details.contains(field), "{details} (want {field})");
    }

    const P: &str = "hsm.localizable_params[0]";

    #[test]
    fn documented_forms_pass() {
        for param in [
            json!({"default": "Ann"}),
            json!({"default": "$100.99", "currency": {"currency_code": "USD", "amount_1000": 100990}}),
            json!({"default": "$1", "currency": {"fallback_value": "$1", "code": "EUR", "amount_1000": -1000}}),
            json!({"default": "Feb 25", "date_time": {"component": {"day_of_week": 5, "year": 1977, "month": 2, "day_of_month": 25, "hour": 15, "minute": 33, "calendar": "GREGORIAN"}}}),
            json!({"default": "Friday", "date_time": {"component": {"day_of_week": "friday"}}}),
            json!({"default": "Friday", "date_time": {"component": {"day_of_week": "5", "calendar": "SOLAR_HIJRI"}}}),
            json!({"default": "then", "date_time": {"unix_epoch": {"timestamp": 1485470276}}}),
            json!({"default": "whenever", "date_time": {}}),
        ] {
            assert!(check(hsm(param.clone())).is_ok(), "{param}");
        }
    }

    #[test]
    fn entries_are_closed_and_need_default() {
        fails(
            json!({"default": "x", "colour": "red"}),
            1010,
            &format!("{P}.colour"),
        );
        fails(json!({"text": "x"}), 1010, &format!("{P}.text"));
        fails(
            json!({"currency": {"currency_code": "USD", "amount_1000": 1}}),
            1008,
            &format!("{P}.default"),
        );
        fails(json!({"default": 5}), 1009, &format!("{P}.default"));
        fails(json!("x"), 1009, P);
        fails(
            json!({"default": "d", "currency": {"currency_code": "USD", "amount_1000": 1}, "date_time": {}}),
            1009,
            P,
        );
    }

    #[test]
    fn currency_rules() {
        let c = format!("{P}.currency");
        fails(json!({"default": "$", "currency": "USD"}), 1009, &c);
        fails(
            json!({"default": "$", "currency": {"currency_code": "usd", "amount_1000": 1}}),
            1009,
            &format!("{c}.currency_code"),
        );
        fails(
            json!({"default": "$", "currency": {"currency_code": "DOLLAR", "amount_1000": 1}}),
            1009,
            &format!("{c}.currency_code"),
        );
        fails(
            json!({"default": "$", "currency": {"amount_1000": 1}}),
            1008,
            &format!("{c}.currency_code"),
        );
        fails(
            json!({"default": "$", "currency": {"currency_code": "USD"}}),
            1008,
            &format!("{c}.amount_1000"),
        );
        fails(
            json!({"default": "$", "currency": {"currency_code": "USD", "amount_1000": 1.5}}),
            1009,
            &format!("{c}.amount_1000"),
        );
        fails(
            json!({"default": "$", "currency": {"currency_code": "USD", "code": "USD", "amount_1000": 1}}),
            1009,
            &c,
        );
        fails(
            json!({"default": "$", "currency": {"currency_code": "USD", "amount_1000": 1, "symbol": "$"}}),
            1010,
            &format!("{c}.symbol"),
        );
    }

    #[test]
    fn date_time_rules() {
        let d = format!("{P}.date_time");
        let comp = |c: Value| json!({"default": "d", "date_time": {"component": c}});
        fails(json!({"default": "d", "date_time": "today"}), 1009, &d);
        fails(
            json!({"default": "d", "date_time": {"component": {}, "unix_epoch": {"timestamp": 1}}}),
            1009,
            &d,
        );
        fails(
            json!({"default": "d", "date_time": {"iso": "2020-01-01"}}),
            1010,
            &format!("{d}.iso"),
        );
        fails(
            comp(json!({"month": 13})),
            1009,
            &format!("{d}.component.month"),
        );
        fails(
            comp(json!({"month": "2"})),
            1009,
            &format!("{d}.component.month"),
        );
        fails(
            comp(json!({"day_of_month": 0})),
            1009,
            &format!("{d}.component.day_of_month"),
        );
        fails(
            comp(json!({"hour": 24})),
            1009,
            &format!("{d}.component.hour"),
        );
        fails(
            comp(json!({"minute": 60})),
            1009,
            &format!("{d}.component.minute"),
        );
        fails(
            comp(json!({"day_of_week": 8})),
            1009,
            &format!("{d}.component.day_of_week"),
        );
        fails(
            comp(json!({"day_of_week": "someday"})),
            1009,
            &format!("{d}.component.day_of_week"),
        );
        fails(
            comp(json!({"calendar": "JULIAN"})),
            1009,
            &format!("{d}.component.calendar"),
        );
        fails(
            comp(json!({"second": 1})),
            1010,
            &format!("{d}.component.second"),
        );
        fails(
            json!({"default": "d", "date_time": {"unix_epoch": {}}}),
            1008,
            &format!("{d}.unix_epoch.timestamp"),
        );
        fails(
            json!({"default": "d", "date_time": {"unix_epoch": {"timestamp": "soon"}}}),
            1009,
            &format!("{d}.unix_epoch.timestamp"),
        );
        fails(
            json!({"default": "d", "date_time": {"unix_epoch": {"timestamp": -1}}}),
            1009,
            &format!("{d}.unix_epoch.timestamp"),
        );
    }
}
