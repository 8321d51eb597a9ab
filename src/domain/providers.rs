//! Media providers (`settings.application.media.providers`): named credentials the coreapp uses
//! to fetch media sent by link. Meta's shape: `{"name", "type":"www", "config":{"bearer":"..."}}`
//! or `"config":{"basic":{"username","password"}}`.

use crate::wa::invalid::join;
use crate::wa::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BasicAuth {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderConfig {
    Bearer(String),
    Basic(BasicAuth),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaProvider {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub config: ProviderConfig,
}

const NAME_MAX: usize = 64;

/// A list of providers (the POST body, or `media.providers` in a settings PATCH).
pub fn parse_list(path: &str, v: &Value) -> Result<Vec<MediaProvider>, ApiError> {
    let items = v
        .as_array()
        .ok_or_else(|| ApiError::invalid(path, "must be an array of providers"))?;
    let mut out: Vec<MediaProvider> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = parse_one(&format!("{path}[{i}]"), item)?;
        if out.iter().any(|o| o.name == p.name) {
            return Err(ApiError::invalid(
                &format!("{path}[{i}].name"),
                format!("'{}' is listed twice", p.name),
            ));
        }
        out.push(p);
    }
    Ok(out)
}

fn string<'a>(
    obj: &'a serde_json::Map<String, Value>,
    path: &str,
    key: &str,
) -> Result<&'a str, ApiError> {
    let field = join(path, key);
    match obj.get(key) {
        None | Some(Value::Null) => Err(ApiError::missing(&field)),
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(_) => Err(ApiError::invalid(&field, "must be a non-empty string")),
    }
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a serde_json::Map<String, Value>, ApiError> {
    v.as_object()
        .ok_or_else(|| ApiError::invalid(path, "must be a JSON object"))
}

fn only(obj: &serde_json::Map<String, Value>, path: &str, keys: &[&str]) -> Result<(), ApiError> {
    match obj.keys().find(|k| !keys.contains(&k.as_str())) {
        Some(k) => Err(ApiError::unknown_field(&join(path, k))),
        None => Ok(()),
    }
}

fn parse_one(path: &str, v: &Value) -> Result<MediaProvider, ApiError> {
    let obj = object(v, path)?;
    only(obj, path, &["name", "type", "config"])?;
    let name = string(obj, path, "name")?;
    if name.chars().count() > NAME_MAX || name.contains('/') {
        return Err(ApiError::invalid(
            &join(path, "name"),
            format!("must be at most {NAME_MAX} characters, without '/'"),
        ));
    }
    let kind = string(obj, path, "type")?;
    if kind != "www" {
        return Err(ApiError::invalid(
            &join(path, "type"),
            "must be \"www\" (the only provider type)",
        ));
    }
    let cpath = join(path, "config");
    let config = object(
        obj.get("config").ok_or_else(|| ApiError::missing(&cpath))?,
        &cpath,
    )?;
    only(config, &cpath, &["bearer", "basic"])?;
    let config = match (config.get("bearer"), config.get("basic")) {
        (Some(_), None) => ProviderConfig::Bearer(string(config, &cpath, "bearer")?.to_string()),
        (None, Some(basic)) => {
            let bpath = join(&cpath, "basic");
            let b = object(basic, &bpath)?;
            only(b, &bpath, &["username", "password"])?;
            ProviderConfig::Basic(BasicAuth {
                username: string(b, &bpath, "username")?.to_string(),
                password: string(b, &bpath, "password")?.to_string(),
            })
        }
        (None, None) => {
            return Err(ApiError::missing(&format!(
                "{cpath}.bearer or {cpath}.basic"
            )))
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::not_allowed(
                &join(&cpath, "basic"),
                "give either bearer or basic, not both",
            ))
        }
    };
    Ok(MediaProvider {
        name: name.to_string(),
        kind: kind.to_string(),
        config,
    })
}

/// `current` with `added` merged in by name (a provider of the same name is replaced).
pub fn upserted(current: &[MediaProvider], added: Vec<MediaProvider>) -> Vec<MediaProvider> {
    let mut out: Vec<MediaProvider> = current
        .iter()
        .filter(|c| !added.iter().any(|a| a.name == c.name))
        .cloned()
        .collect();
    out.extend(added);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_shapes_parse_and_serialize_back() {
        let v = json!([
            {"name":"a","type":"www","config":{"bearer":"t"}},
            {"name":"b","type":"www","config":{"basic":{"username":"u","password":"p"}}}
        ]);
        let list = parse_list("providers", &v).unwrap();
        assert_eq!(serde_json::to_value(&list).unwrap(), v);
    }

    #[test]
    fn errors_name_the_field() {
        let err = |v: Value| parse_list("p", &v).unwrap_err();
        assert_eq!(
            err(json!([{"type":"www","config":{"bearer":"t"}}]))
                .details
                .unwrap(),
            "Missing required parameter: p[0].name"
        );
        assert_eq!(
            err(json!([{"name":"a","type":"s3","config":{"bearer":"t"}}])).code,
            1009
        );
        assert_eq!(
            err(json!([{"name":"a","type":"www","config":{"bearer":"t"},"x":1}])).code,
            1010
        );
        assert_eq!(
            err(json!([{"name":"a","type":"www","config":{}}])).code,
            1008
        );
        assert_eq!(err(json!({"name":"a"})).code, 1009);
    }

    #[test]
    fn upsert_replaces_by_name() {
        let a = parse_list(
            "p",
            &json!([{"name":"a","type":"www","config":{"bearer":"1"}}]),
        )
        .unwrap();
        let a2 = parse_list(
            "p",
            &json!([{"name":"a","type":"www","config":{"bearer":"2"}}]),
        )
        .unwrap();
        let merged = upserted(&a, a2.clone());
        assert_eq!(merged, a2);
    }
}
