//! Message templates registered through the control API, and the checks the real API makes
//! against them: 2001 template missing, 2000 parameter count mismatch. Pure.

use super::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// `header`, `body`, `footer` or `button`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The text with `{{1}}`, `{{2}}`... placeholders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// For headers: `text` (default), `image`, `document` or `video` (one media parameter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// For buttons: the button's index.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::integer::opt_integral"
    )]
    pub index: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub language: String,
    pub components: Vec<Component>,
}

/// Distinct `{{n}}` placeholders in a text.
pub fn placeholders(text: &str) -> usize {
    let mut seen = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        rest = &rest[start + 2..];
        if let Some(end) = rest.find("}}") {
            if let Ok(n) = rest[..end].trim().parse::<u32>() {
                seen.insert(n);
            }
            rest = &rest[end + 2..];
        }
    }
    seen.len()
}

impl Component {
    fn expected(&self) -> usize {
        match self.format.as_deref() {
            Some("image" | "document" | "video") => 1,
            _ => self.text.as_deref().map_or(0, placeholders),
        }
    }
}

pub fn validate(list: &[Template]) -> Result<(), ApiError> {
    for (i, t) in list.iter().enumerate() {
        if t.name.is_empty() || t.language.is_empty() {
            return Err(ApiError::invalid(
                &format!("templates[{i}]"),
                "name and language are required",
            ));
        }
        for c in &t.components {
            if !["header", "body", "footer", "button"].contains(&c.kind.as_str()) {
                return Err(ApiError::invalid(
                    &format!("templates[{i}].components.type"),
                    "must be header, body, footer or button",
                ));
            }
            if let Some(format) = c.format.as_deref() {
                if !["text", "image", "document", "video"].contains(&format) {
                    return Err(ApiError::invalid(
                        &format!("templates[{i}].components.format"),
                        format!("'{format}' is not text, image, document or video"),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn find<'a>(
    list: &'a [Template],
    namespace: Option<&str>,
    name: &str,
    language: &str,
) -> Result<&'a Template, ApiError> {
    list.iter()
        .find(|t| {
            t.name == name
                && t.language == language
                && (t.namespace.is_none()
                    || namespace.is_none()
                    || t.namespace.as_deref() == namespace)
        })
        .ok_or_else(|| {
            ApiError::new(
                2001,
                format!("Template {name} in language {language} is not registered"),
            )
        })
}

fn mismatch(what: &str, expected: usize, got: usize) -> ApiError {
    ApiError::new(
        2000,
        format!("{what} expects {expected} parameter(s), {got} given"),
    )
}

/// Checks a `template` or `hsm` send against the registry; an empty registry accepts anything.
pub fn check(list: &[Template], message_type: &str, body: &Value) -> Result<(), ApiError> {
    if list.is_empty() {
        return Ok(());
    }
    match message_type {
        "template" => {
            let t = &body["template"];
            let language = t["language"]["code"].as_str().unwrap_or("");
            let tpl = find(
                list,
                t["namespace"].as_str(),
                t["name"].as_str().unwrap_or(""),
                language,
            )?;
            let sent: Vec<&Value> = t["components"]
                .as_array()
                .map(|c| c.iter().collect())
                .unwrap_or_default();
            let count = |kind: &str, index: Option<u32>| -> usize {
                sent.iter()
                    .filter(|c| {
                        c["type"] == kind
                            && (index.is_none()
                                || super::integer::as_u64(&c["index"])
                                    .or_else(|| c["index"].as_str().and_then(|s| s.parse().ok()))
                                    == index.map(u64::from))
                    })
                    .map(|c| c["parameters"].as_array().map_or(0, Vec::len))
                    .sum()
            };
            for c in &tpl.components {
                let (what, got) = match c.kind.as_str() {
                    "button" => (
                        format!("button {}", c.index.unwrap_or(0)),
                        count("button", Some(c.index.unwrap_or(0))),
                    ),
                    "footer" => continue,
                    kind => (kind.to_string(), count(kind, None)),
                };
                if got != c.expected() {
                    return Err(mismatch(
                        &format!("{}: {what}", tpl.name),
                        c.expected(),
                        got,
                    ));
                }
            }
            Ok(())
        }
        "hsm" => {
            let h = &body["hsm"];
            let language = h["language"]["code"].as_str().unwrap_or("");
            let tpl = find(
                list,
                h["namespace"].as_str(),
                h["element_name"].as_str().unwrap_or(""),
                language,
            )?;
            let expected: usize = tpl
                .components
                .iter()
                .filter(|c| c.kind == "body")
                .map(Component::expected)
                .sum();
            let got = h["localizable_params"].as_array().map_or(0, Vec::len);
            if got != expected {
                return Err(mismatch(&format!("{}: body", tpl.name), expected, got));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn registry() -> Vec<Template> {
        serde_json::from_value(
            json!([{"name": "order", "language": "en_US", "components": [
            {"type": "header", "format": "image"},
            {"type": "body", "text": "Hi {{1}}, order {{2}} ships {{1}}"},
            {"type": "button", "index": 0, "text": "https://x.test/{{1}}"}]}]),
        )
        .unwrap()
    }

    #[test]
    fn placeholders_count_distinct_numbers() {
        assert_eq!(placeholders("Hi {{1}}, {{2}} and {{1}} {{ 3 }}"), 3);
        assert_eq!(placeholders("no params {{x}} {{"), 0);
    }

    #[test]
    fn checks_against_the_registry() {
        let ok = json!({"template": {"name": "order", "language": {"code": "en_US"}, "components": [
            {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://x.test/i.jpg"}}]},
            {"type": "body", "parameters": [{"type": "text", "text": "Ann"}, {"type": "text", "text": "42"}]},
            {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "42"}]}]}});
        assert!(check(&registry(), "template", &ok).is_ok());
        let mut short = ok.clone();
        short["template"]["components"][1]["parameters"]
            .as_array_mut()
            .unwrap()
            .pop();
        assert_eq!(
            check(&registry(), "template", &short).unwrap_err().code,
            2000
        );
        let missing = json!({"template": {"name": "nope", "language": {"code": "en_US"}}});
        assert_eq!(
            check(&registry(), "template", &missing).unwrap_err().code,
            2001
        );
        assert!(
            check(&[], "template", &missing).is_ok(),
            "no registry: anything goes"
        );
        let hsm = json!({"hsm": {"element_name": "order", "language": {"code": "en_US"}, "localizable_params": [{"default": "a"}]}});
        assert_eq!(check(&registry(), "hsm", &hsm).unwrap_err().code, 2000);
    }
}
