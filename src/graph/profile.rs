//! The WhatsApp Business profile of a Cloud number (`/{phone-number-id}/whatsapp_business_profile`):
//! its fields, Meta's limits (about 1-139 characters, address 256, description 512, email 128
//! and well formed, at most 2 websites of 256 with http(s)://, `vertical` from Meta's list) and
//! the flat `data[0]` answer with `vertical` always present.

use super::GraphError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Meta's industries (the OAS list plus the older UNDEFINED and NOT_A_BIZ).
pub const VERTICALS: [&str; 23] = [
    "UNDEFINED",
    "OTHER",
    "AUTO",
    "BEAUTY",
    "APPAREL",
    "EDU",
    "ENTERTAIN",
    "EVENT_PLAN",
    "FINANCE",
    "GROCERY",
    "GOVT",
    "HOTEL",
    "HEALTH",
    "NONPROFIT",
    "PROF_SERVICES",
    "RETAIL",
    "TRAVEL",
    "RESTAURANT",
    "NOT_A_BIZ",
    "ALCOHOL",
    "ONLINE_GAMBLING",
    "PHYSICAL_GAMBLING",
    "OTC_DRUGS",
];

/// The fields `GET ?fields=` may name.
pub const FIELDS: [&str; 8] = [
    "about",
    "address",
    "description",
    "email",
    "profile_picture_url",
    "websites",
    "vertical",
    "messaging_product",
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub about: Option<String>,
    pub address: Option<String>,
    pub description: Option<String>,
    pub email: Option<String>,
    pub profile_picture_url: Option<String>,
    pub websites: Vec<String>,
    pub vertical: Option<String>,
}

impl Profile {
    /// The `data[0]` object: the fields asked for (all when `fields` is None) that have a value,
    /// plus `messaging_product` and `vertical` (UNDEFINED when unset), which clients require.
    pub fn to_json(&self, fields: Option<&[String]>) -> Value {
        let wanted = |f: &str| fields.is_none_or(|l| l.iter().any(|x| x == f));
        let mut o = Map::new();
        for (name, value) in [
            ("about", &self.about),
            ("address", &self.address),
            ("description", &self.description),
            ("email", &self.email),
            ("profile_picture_url", &self.profile_picture_url),
        ] {
            if let (true, Some(v)) = (wanted(name), value) {
                o.insert(name.into(), json!(v));
            }
        }
        if wanted("websites") && !self.websites.is_empty() {
            o.insert("websites".into(), json!(self.websites));
        }
        o.insert("messaging_product".into(), json!("whatsapp"));
        o.insert(
            "vertical".into(),
            json!(self.vertical.as_deref().unwrap_or("UNDEFINED")),
        );
        Value::Object(o)
    }
}

/// A validated update: `Some(None)` clears a field (clients send `""` for that).
#[derive(Debug, Default, PartialEq)]
pub struct ProfilePatch {
    about: Option<Option<String>>,
    address: Option<Option<String>>,
    description: Option<Option<String>>,
    email: Option<Option<String>>,
    websites: Option<Vec<String>>,
    vertical: Option<Option<String>>,
}

fn text(
    params: &Map<String, Value>,
    name: &str,
    max: usize,
) -> Result<Option<Option<String>>, GraphError> {
    match params.get(name) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) if s.is_empty() => Ok(Some(None)),
        Some(Value::String(s)) if s.chars().count() > max => Err(GraphError::invalid(format!(
            "{name}: must be at most {max} characters (got {})",
            s.chars().count()
        ))),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(_) => Err(GraphError::invalid(format!("{name}: must be a string"))),
    }
}

/// `local@domain.tld`: no spaces, tabs or line breaks, one `@`, dot-separated non-empty labels.
fn email_ok(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !e.contains([' ', '\t', '\n', '\r'])
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(|l| !l.is_empty())
}

/// `websites` as a JSON array, or a JSON-array string as Meta's guide sends it.
fn websites(v: &Value) -> Result<Vec<String>, GraphError> {
    let list = match v {
        Value::Null => return Ok(vec![]),
        Value::String(s) if s.is_empty() => return Ok(vec![]),
        Value::String(s) => serde_json::from_str::<Value>(s).map_err(|_| {
            GraphError::invalid("websites: must be an array of URLs (or a JSON array string)")
        })?,
        other => other.clone(),
    };
    let Value::Array(items) = list else {
        return Err(GraphError::invalid("websites: must be an array of URLs"));
    };
    if items.len() > 2 {
        return Err(GraphError::invalid(format!(
            "websites: at most 2 websites (got {})",
            items.len()
        )));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, w)| match w {
            Value::String(s) if s.chars().count() > 256 => Err(GraphError::invalid(format!(
                "websites[{i}]: must be at most 256 characters"
            ))),
            Value::String(s) if s.starts_with("http://") || s.starts_with("https://") => {
                Ok(s.clone())
            }
            _ => Err(GraphError::invalid(format!(
                "websites[{i}]: must be a URL starting with http:// or https://"
            ))),
        })
        .collect()
}

impl ProfilePatch {
    /// The update a POST body (or query) asks for; `messaging_product` is required.
    pub fn parse(params: &Map<String, Value>) -> Result<ProfilePatch, GraphError> {
        match params.get("messaging_product") {
            Some(Value::String(s)) if s == "whatsapp" => {}
            Some(_) => return Err(GraphError::invalid("messaging_product: must be whatsapp")),
            None => {
                return Err(GraphError::graph_param(
                    "The parameter messaging_product is required",
                ))
            }
        }
        const KNOWN: [&str; 8] = [
            "messaging_product",
            "about",
            "address",
            "description",
            "email",
            "profile_picture_handle",
            "vertical",
            "websites",
        ];
        if let Some(k) = params.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(GraphError::invalid(format!(
                "{}: not a business profile field (they are {})",
                k.chars().take(60).collect::<String>(),
                KNOWN[1..].join(", ")
            )));
        }
        if params.contains_key("profile_picture_handle") {
            return Err(GraphError::invalid(
                "The profile picture handle is invalid or expired: the emulator keeps no upload sessions, so no handle is known",
            ));
        }
        let about = text(params, "about", 139)?;
        if about == Some(None) {
            return Err(GraphError::invalid("about: must be 1 to 139 characters"));
        }
        let email = text(params, "email", 128)?;
        if let Some(Some(e)) = &email {
            if !email_ok(e) {
                return Err(GraphError::invalid(
                    "Invalid parameter: email must be a valid email address",
                ));
            }
        }
        let vertical = match params.get("vertical") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) if s.is_empty() => Some(None),
            Some(Value::String(s)) if VERTICALS.contains(&s.as_str()) => Some(Some(s.clone())),
            Some(_) => {
                return Err(GraphError::invalid(format!(
                    "vertical: must be one of {}",
                    VERTICALS.join(", ")
                )))
            }
        };
        Ok(ProfilePatch {
            about,
            address: text(params, "address", 256)?,
            description: text(params, "description", 512)?,
            email,
            websites: params.get("websites").map(websites).transpose()?,
            vertical,
        })
    }

    pub fn apply(self, p: &mut Profile) {
        for (field, value) in [
            (&mut p.about, self.about),
            (&mut p.address, self.address),
            (&mut p.description, self.description),
            (&mut p.email, self.email),
            (&mut p.vertical, self.vertical),
        ] {
            if let Some(v) = value {
                *field = v;
            }
        }
        if let Some(w) = self.websites {
            p.websites = w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn limits_are_metas() {
        let ok = ProfilePatch::parse(&params(json!({"messaging_product":"whatsapp","about":"a".repeat(139),"websites":"[\"https://a.example\"]","vertical":"RETAIL"}))).unwrap();
        let mut p = Profile::default();
        ok.apply(&mut p);
        assert_eq!(p.websites, vec!["https://a.example"]);
        assert_eq!(p.vertical.as_deref(), Some("RETAIL"));
        for bad in [
            json!({"messaging_product":"whatsapp","about":"a".repeat(140)}),
            json!({"messaging_product":"whatsapp","about":""}),
            json!({"messaging_product":"whatsapp","email":"nope"}),
            json!({"messaging_product":"whatsapp","websites":["ftp://x"]}),
            json!({"messaging_product":"whatsapp","websites":["https://a","https://b","https://c"]}),
            json!({"messaging_product":"whatsapp","vertical":"SPACE"}),
            json!({"messaging_product":"whatsapp","address":"a".repeat(257)}),
            json!({"messaging_product":"whatsapp","description":"a".repeat(513)}),
            json!({"about":"x"}),
        ] {
            assert!(ProfilePatch::parse(&params(bad.clone())).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_answer_always_has_vertical() {
        let v = Profile::default().to_json(Some(&["about".to_string()]));
        assert_eq!(
            v,
            json!({"messaging_product":"whatsapp","vertical":"UNDEFINED"})
        );
    }
}
