//! Contacts payloads: an array of contact objects, the same shape as inbound contacts
//! (whatsapp.github.io/WhatsApp-Nodejs-SDK/api-reference/types/ContactObject): `name` with a
//! required `formatted_name`; optional `addresses`, `birthday` (YYYY-MM-DD), `emails`, `ims`,
//! `org`, `phones`, `urls`. Every leaf is a string; `type` values (HOME, WORK, CELL...) are
//! documented as "standard values", not a closed list, so any string passes.

use super::fields::*;
use crate::wa::ApiError;
use serde_json::Value;

const NAME: [&str; 6] = [
    "formatted_name",
    "first_name",
    "last_name",
    "middle_name",
    "suffix",
    "prefix",
];
const ORG: [&str; 3] = ["company", "department", "title"];
/// The arrays of a contact and the string fields of their items.
const LISTS: [(&str, &[&str]); 5] = [
    (
        "addresses",
        &[
            "street",
            "city",
            "state",
            "zip",
            "country",
            "country_code",
            "type",
        ],
    ),
    ("emails", &["email", "type"]),
    ("ims", &["service", "user_id"]),
    ("phones", &["phone", "type", "wa_id"]),
    ("urls", &["url", "type"]),
];

pub(super) fn contacts(payload: &Value) -> Result<(), ApiError> {
    let list = payload
        .as_array()
        .ok_or_else(|| ApiError::invalid("contacts", "must be an array of contacts"))?;
    if list.is_empty() {
        return Err(ApiError::invalid(
            "contacts",
            "must hold at least one contact",
        ));
    }
    for (i, c) in list.iter().enumerate() {
        contact(
            obj(c, &format!("contacts[{i}]"))?,
            &format!("contacts[{i}]"),
        )?;
    }
    Ok(())
}

fn contact(c: &Obj, path: &str) -> Result<(), ApiError> {
    let mut allowed: Vec<&str> = LISTS.iter().map(|(name, _)| *name).collect();
    allowed.extend(["birthday", "name", "org"]);
    only(c, path, &allowed)?;
    let np = join(path, "name");
    let name = obj(field(c, path, "name")?, &np)?;
    strings(name, &np, &NAME)?;
    string(name, &np, "formatted_name")?;
    if let Some(org) = c.get("org") {
        let op = join(path, "org");
        strings(obj(org, &op)?, &op, &ORG)?;
    }
    if let Some(b) = opt_string(c, path, "birthday")? {
        if !is_date(b) {
            return Err(ApiError::invalid(
                &join(path, "birthday"),
                format!("'{b}' is not a date in YYYY-MM-DD format"),
            ));
        }
    }
    for (list, keys) in LISTS {
        let Some(items) = c.get(list) else {
            continue;
        };
        let lp = join(path, list);
        let items = items
            .as_array()
            .ok_or_else(|| ApiError::invalid(&lp, "must be an array"))?;
        for (n, item) in items.iter().enumerate() {
            let ip = format!("{lp}[{n}]");
            strings(obj(item, &ip)?, &ip, keys)?;
        }
    }
    Ok(())
}

/// An object holding only `keys`, each an optional string.
fn strings(o: &Obj, path: &str, keys: &[&str]) -> Result<(), ApiError> {
    only(o, path, keys)?;
    for k in keys {
        opt_string(o, path, k)?;
    }
    Ok(())
}

/// A real calendar date written YYYY-MM-DD.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{check, code};
    use super::is_date;
    use serde_json::{json, Value};

    fn send(c: Value) -> Value {
        json!({"to": "16315551001", "type": "contacts", "contacts": [c]})
    }

    #[test]
    fn birthdays_are_real_dates() {
        for ok in ["2000-02-29", "1999-12-31", "1911-01-11", "2024-04-30"] {
            assert!(is_date(ok), "{ok}");
        }
        for bad in [
            "1900-02-29",
            "1990-02-30",
            "1990-13-01",
            "1990-00-10",
            "1990-01-00",
            "1990-1-01",
            "12/01/1990",
            "1990-01-01T00:00",
            "+990-01-01",
            "",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }

    #[test]
    fn a_full_contact_passes() {
        let c = json!({
            "addresses": [{"street": "1 Hacker Way", "city": "Menlo Park", "state": "CA", "zip": "94025",
                "country": "United States", "country_code": "us", "type": "HOME"}],
            "birthday": "2012-08-18",
            "emails": [{"email": "test@fb.com", "type": "WORK"}],
            "ims": [{"service": "AIM", "user_id": "kfish"}],
            "name": {"formatted_name": "Kerry Fisher", "first_name": "Kerry", "last_name": "Fisher",
                "middle_name": "M", "suffix": "Jr", "prefix": "Dr"},
            "org": {"company": "Facebook", "department": "Design", "title": "Manager"},
            "phones": [{"phone": "+1 (940) 555-1234", "type": "CELL", "wa_id": "19405551234"}],
            "urls": [{"url": "https://www.facebook.com", "type": "WORK"}]
        });
        assert!(check(send(c)).is_ok());
        assert!(check(send(
            json!({"name": {"formatted_name": "Ann"}, "phones": []})
        ))
        .is_ok());
    }

    #[test]
    fn fields_are_typed_and_closed() {
        let name = json!({"formatted_name": "Ann"});
        for (c, want, field) in [
            (
                json!({"name": name, "nickname": "A"}),
                1010,
                "contacts[0].nickname",
            ),
            (json!({"phones": []}), 1008, "contacts[0].name"),
            (json!({"name": {}}), 1008, "contacts[0].name.formatted_name"),
            (
                json!({"name": {"formatted_name": 1}}),
                1009,
                "contacts[0].name.formatted_name",
            ),
            (
                json!({"name": {"formatted_name": "A", "last_name": []}}),
                1009,
                "contacts[0].name.last_name",
            ),
            (
                json!({"name": {"formatted_name": "A", "nick": "x"}}),
                1010,
                "contacts[0].name.nick",
            ),
            (
                json!({"name": name, "birthday": "1990-02-30"}),
                1009,
                "contacts[0].birthday",
            ),
            (
                json!({"name": name, "birthday": 19900101}),
                1009,
                "contacts[0].birthday",
            ),
            (
                json!({"name": name, "org": {"company": 5}}),
                1009,
                "contacts[0].org.company",
            ),
            (
                json!({"name": name, "org": {"team": "x"}}),
                1010,
                "contacts[0].org.team",
            ),
            (
                json!({"name": name, "addresses": {"city": "x"}}),
                1009,
                "contacts[0].addresses",
            ),
            (
                json!({"name": name, "addresses": ["x"]}),
                1009,
                "contacts[0].addresses[0]",
            ),
            (
                json!({"name": name, "addresses": [{"zip": 94025}]}),
                1009,
                "contacts[0].addresses[0].zip",
            ),
            (
                json!({"name": name, "emails": [{"email": "a@b.test", "label": "x"}]}),
                1010,
                "contacts[0].emails[0].label",
            ),
            (
                json!({"name": name, "ims": [{"service": "AIM", "user_id": 7}]}),
                1009,
                "contacts[0].ims[0].user_id",
            ),
            (
                json!({"name": name, "phones": [{"phone": 16315551234u64}]}),
                1009,
                "contacts[0].phones[0].phone",
            ),
            (
                json!({"name": name, "phones": [{"phone": "+1", "wa_id": 1}]}),
                1009,
                "contacts[0].phones[0].wa_id",
            ),
            (
                json!({"name": name, "urls": [{"url": "https://x.test", "type": true}]}),
                1009,
                "contacts[0].urls[0].type",
            ),
        ] {
            let (c_, details) = code(send(c.clone()));
            assert_eq!(c_, want, "{c}: {details}");
            assert!(details.contains(field), "{details} (want {field})");
        }
        assert_eq!(
            code(json!({"to": "16315551001", "type": "contacts", "contacts": []})).0,
            1009
        );
        assert_eq!(
            code(json!({"to": "16315551001", "type": "contacts", "contacts": {"name": {}}})).0,
            1009
        );
    }
}
