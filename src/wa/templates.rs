//! Message templates registered through the control API, and the checks the real API makes
//! against them: 2001 template missing, 2000 parameter count mismatch. Pure.

use super::outbound::{ComponentKind, TemplateForm, TemplateSend};
use super::ApiError;
use serde::{Deserialize, Serialize};
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
    /// `marketing` (the default), `utility` or `authentication`: the pricing category of its sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub components: Vec<Component>,
    /// The review status (`APPROVED` when left out): only approved templates can be sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The registry's id (the Cloud API's template id); given out, ignored on registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The WhatsApp Business Account of a template created through the Cloud API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waba_id: Option<String>,
}

impl Template {
    pub fn approved(&self) -> bool {
        self.status.as_deref().is_none_or(|s| s == "APPROVED")
    }
}

/// Review statuses of a template (Meta's `status` enum).
pub const STATUSES: [&str; 10] = [
    "APPROVED",
    "ARCHIVED",
    "DELETED",
    "DISABLED",
    "IN_APPEAL",
    "LIMIT_EXCEEDED",
    "PAUSED",
    "PENDING",
    "PENDING_DELETION",
    "REJECTED",
];

/// Categories a template can be registered with.
pub const CATEGORIES: [&str; 3] = ["marketing", "utility", "authentication"];

/// The pricing category of a send: the registered category of its template (`marketing` when the
/// template is not registered or has none), `service` for anything that is not a template.
pub fn category(list: &[Template], template: Option<(&str, &str)>) -> String {
    match template {
        None => "service".into(),
        Some((name, language)) => list
            .iter()
            .find(|t| t.name == name && t.language == language)
            .or_else(|| list.iter().find(|t| t.name == name))
            .and_then(|t| t.category.clone())
            .unwrap_or_else(|| "marketing".into()),
    }
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
        if let Some(s) = t.status.as_deref() {
            if !STATUSES.contains(&s) {
                return Err(ApiError::invalid(
                    &format!("templates[{i}].status"),
                    format!("'{s}' is not one of {}", STATUSES.join(", ")),
                ));
            }
        }
        if let Some(c) = t.category.as_deref() {
            if !CATEGORIES.contains(&c) {
                return Err(ApiError::invalid(
                    &format!("templates[{i}].category"),
                    format!("'{c}' is not marketing, utility or authentication"),
                ));
            }
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

/// The registered template a send names (an approved one first): 2001 when none is registered,
/// or when none of those found is approved (the details say its status).
pub fn find<'a>(
    list: &'a [Template],
    namespace: Option<&str>,
    name: &str,
    language: &str,
) -> Result<&'a Template, ApiError> {
    let mut found = list.iter().filter(|t| {
        t.name == name
            && t.language == language
            && (t.namespace.is_none() || namespace.is_none() || t.namespace.as_deref() == namespace)
    });
    let first = found.next().ok_or_else(|| {
        ApiError::new(
            2001,
            format!("Template {name} in language {language} is not registered"),
        )
    })?;
    match std::iter::once(first).chain(found).find(|t| t.approved()) {
        Some(t) => Ok(t),
        None => Err(ApiError::new(
            2001,
            format!(
                "Template {name} in language {language} is not approved (status {})",
                first.status.as_deref().unwrap_or("APPROVED")
            ),
        )),
    }
}

fn mismatch(what: &str, expected: usize, got: usize) -> ApiError {
    ApiError::new(
        2000,
        format!("{what} expects {expected} parameter(s), {got} given"),
    )
}

/// Checks a `template` or `hsm` send against the registry; an empty registry accepts anything.
pub fn check(list: &[Template], sent: &TemplateSend) -> Result<(), ApiError> {
    if list.is_empty() {
        return Ok(());
    }
    let tpl = find(list, Some(&sent.namespace), &sent.name, &sent.language.code)?;
    match sent.form {
        TemplateForm::Template => {
            for c in &tpl.components {
                let (what, got) = match c.kind.as_str() {
                    "button" => {
                        let index = c.index.unwrap_or(0);
                        // A registered index above 9 matches no sent button (0-9).
                        let got = u8::try_from(index)
                            .map_or(0, |i| sent.count(ComponentKind::Button, Some(i)));
                        (format!("button {index}"), got)
                    }
                    "header" => (
                        "header".to_string(),
                        sent.count(ComponentKind::Header, None),
                    ),
                    "body" => ("body".to_string(), sent.count(ComponentKind::Body, None)),
                    _ => continue,
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
        TemplateForm::Hsm => {
            let expected: usize = tpl
                .components
                .iter()
                .filter(|c| c.kind == "body")
                .map(Component::expected)
                .sum();
            let got = sent.count(ComponentKind::Body, None);
            if got != expected {
                return Err(mismatch(&format!("{}: body", tpl.name), expected, got));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

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

    /// The typed template a send names, as validation answers it.
    fn sent(message_type: &str, payload: Value) -> TemplateSend {
        let body = json!({"to": "16315551001", "type": message_type, message_type: payload});
        crate::wa::outbound::validate(&body, "1", &|_| None)
            .unwrap()
            .template
            .unwrap()
    }

    #[test]
    fn checks_against_the_registry() {
        let ok = json!({"namespace": "ns", "name": "order", "language": {"code": "en_US"}, "components": [
            {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://x.test/i.jpg"}}]},
            {"type": "body", "parameters": [{"type": "text", "text": "Ann"}, {"type": "text", "text": "42"}]},
            {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "42"}]}]});
        assert!(check(&registry(), &sent("template", ok.clone())).is_ok());
        let mut short = ok.clone();
        short["components"][1]["parameters"]
            .as_array_mut()
            .unwrap()
            .pop();
        assert_eq!(
            check(&registry(), &sent("template", short))
                .unwrap_err()
                .code,
            2000
        );
        let mut other_button = ok.clone();
        other_button["components"][2]["index"] = json!(1);
        let e = check(&registry(), &sent("template", other_button)).unwrap_err();
        assert_eq!(
            (e.code, e.details.as_deref()),
            (
                2000,
                Some("order: button 0 expects 1 parameter(s), 0 given")
            )
        );
        let missing = sent(
            "template",
            json!({"namespace": "ns", "name": "nope", "language": {"code": "en_US"}}),
        );
        assert_eq!(check(&registry(), &missing).unwrap_err().code, 2001);
        assert!(check(&[], &missing).is_ok(), "no registry: anything goes");
        let hsm = sent(
            "hsm",
            json!({"namespace": "ns", "element_name": "order", "language": {"code": "en_US"},
                "localizable_params": [{"default": "a"}]}),
        );
        assert_eq!(check(&registry(), &hsm).unwrap_err().code, 2000);
        let hsm = sent(
            "hsm",
            json!({"namespace": "ns", "element_name": "order", "language": {"code": "en_US"},
                "localizable_params": [{"default": "a"}, {"default": "b"}]}),
        );
        assert!(
            check(&registry(), &hsm).is_ok(),
            "hsm: only the body counts"
        );
    }
}
