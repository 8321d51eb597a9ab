//! Message templates in the Cloud API's words: the create/edit body checked as Meta documents
//! (names, categories, components and their limits, parameter examples), the checks' view of a
//! template (`wa::templates::Component`) and back, and the template webhook values. Pure.

use super::GraphError;
use crate::wa::templates::Component;
use serde_json::{json, Map, Value};

/// At most 100 characters of client input, as error texts quote it.
fn echo(text: &str) -> String {
    match text.char_indices().nth(100) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

pub const CATEGORIES: [&str; 3] = ["MARKETING", "UTILITY", "AUTHENTICATION"];
const NAME_MAX: usize = 512;
const HEADER_TEXT_MAX: usize = 60;
const BODY_MAX: usize = 1024;
const FOOTER_MAX: usize = 60;
const BUTTONS_MAX: usize = 10;
const BUTTON_TEXT_MAX: usize = 25;
const URL_MAX: usize = 2000;
const COPY_CODE_MAX: usize = 15;

/// Template-creation subcodes from Meta's error-code page (envelope code 100).
pub mod subcode {
    pub const CHARACTER_LIMIT: u32 = 2388040;
    pub const HEADER_FORMAT: u32 = 2388047;
    pub const BODY_FORMAT: u32 = 2388072;
    pub const FOOTER_FORMAT: u32 = 2388073;
    pub const LEADING_TRAILING_PARAM: u32 = 2388299;
    pub const LIMIT_EXCEEDED: u32 = 2388019;
    pub const DUPLICATE: u32 = 2388024;
    pub const NAME_IN_COOLDOWN: u32 = 2388023;
}

/// `(#100) <text>`: a parameter Graph refuses, in its own wording.
pub fn param_error(text: impl Into<String>) -> GraphError {
    let text = text.into();
    GraphError::invalid(text.clone()).with_message(format!("(#100) {text}"))
}

/// `Invalid parameter` with a template subcode and the user title and message Meta adds.
pub fn template_error(subcode: u32, title: &str, msg: impl Into<String>) -> GraphError {
    let msg = msg.into();
    GraphError::invalid(msg.clone())
        .with_message("Invalid parameter")
        .with_subcode(subcode)
        .with_user(title, msg)
}

/// A valid `POST /{waba-id}/message_templates` body.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTemplate {
    pub name: String,
    pub language: String,
    pub category: String,
    pub parameter_format: String,
    pub components: Vec<Value>,
    pub sub_category: Option<String>,
    pub message_send_ttl_seconds: Option<i64>,
}

/// What a create or edit call sent, before checking (the api layer reads it from the params).
#[derive(Debug, Clone, Default)]
pub struct TemplateInput {
    pub name: Option<String>,
    pub language: Option<String>,
    pub category: Option<String>,
    pub parameter_format: Option<String>,
    pub components: Option<Value>,
    pub sub_category: Option<String>,
    pub message_send_ttl_seconds: Option<i64>,
}

fn required<T>(v: Option<T>, name: &str) -> Result<T, GraphError> {
    v.ok_or_else(|| param_error(format!("The parameter {name} is required")))
}

pub fn category(c: &str) -> Result<String, GraphError> {
    let up = c.trim().to_ascii_uppercase();
    if CATEGORIES.contains(&up.as_str()) {
        Ok(up)
    } else {
        Err(param_error(format!(
            "Param category must be one of {{MARKETING, UTILITY, AUTHENTICATION}} - got \"{}\"",
            echo(c)
        )))
    }
}

pub fn parameter_format(f: Option<&str>) -> Result<String, GraphError> {
    match f.map(|f| f.trim().to_ascii_uppercase()).as_deref() {
        None | Some("POSITIONAL") => Ok("POSITIONAL".into()),
        Some("NAMED") => Ok("NAMED".into()),
        Some(_) => Err(param_error(
            "Param parameter_format must be one of {NAMED, POSITIONAL}",
        )),
    }
}

/// TTL rules: 30..=900 s for authentication, 30..=43200 for utility, 43200..=2592000 for
/// marketing; -1 means the 30-day default.
pub fn ttl(seconds: Option<i64>, category: &str) -> Result<Option<i64>, GraphError> {
    let Some(s) = seconds else { return Ok(None) };
    let range = match category {
        "AUTHENTICATION" => 30..=900,
        "UTILITY" => 30..=43200,
        _ => 43200..=2_592_000,
    };
    if s == -1 || range.contains(&s) {
        Ok(Some(s))
    } else {
        Err(param_error(format!(
            "Param message_send_ttl_seconds must be -1 or between {} and {} for {category} templates",
            range.start(),
            range.end()
        )))
    }
}

pub fn validate_create(input: TemplateInput) -> Result<NewTemplate, GraphError> {
    let name = required(input.name, "name")?;
    if name.is_empty()
        || name.chars().count() > NAME_MAX
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(param_error(
            "Param name must be at most 512 characters: lowercase letters, digits and underscores",
        ));
    }
    let language = required(input.language, "language")?;
    if !valid_language(&language) {
        return Err(param_error(format!(
            "Param language must be a language code such as en or en_US - got \"{}\"",
            echo(&language)
        )));
    }
    let category = category(&required(input.category, "category")?)?;
    let parameter_format = parameter_format(input.parameter_format.as_deref())?;
    let components = components(
        &required(input.components, "components")?,
        &parameter_format,
        &category,
    )?;
    let sub_category = match input.sub_category {
        None => None,
        Some(s) => {
            let up = s.to_ascii_uppercase();
            if ![
                "ORDER_DETAILS",
                "ORDER_STATUS",
                "RICH_ORDER_STATUS",
                "CUSTOM",
            ]
            .contains(&up.as_str())
            {
                return Err(param_error(
                    "Param sub_category must be one of {ORDER_DETAILS, ORDER_STATUS, RICH_ORDER_STATUS}",
                ));
            }
            Some(up)
        }
    };
    let message_send_ttl_seconds = ttl(input.message_send_ttl_seconds, &category)?;
    Ok(NewTemplate {
        name,
        language,
        category,
        parameter_format,
        components,
        sub_category,
        message_send_ttl_seconds,
    })
}

/// `en`, `en_US`, `zh_CN`, `es_MX`, ... (two or three letters, an optional region).
fn valid_language(code: &str) -> bool {
    let (lang, region) = match code.split_once('_') {
        Some((l, r)) => (l, Some(r)),
        None => (code, None),
    };
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_lowercase())
        && region.is_none_or(|r| {
            (2..=4).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// The parameters of a text: `{{1}}`... (positional) or `{{snake_name}}` (named), in order.
fn params_of(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        rest = &rest[start + 2..];
        match rest.find("}}") {
            Some(end) => {
                out.push(rest[..end].trim().to_string());
                rest = &rest[end + 2..];
            }
            None => break,
        }
    }
    out
}

/// Checks a text's parameters; answers how many distinct ones it has.
fn check_params(
    text: &str,
    format: &str,
    what: &str,
    code: u32,
) -> Result<Vec<String>, GraphError> {
    let params = params_of(text);
    for p in &params {
        let ok = if format == "NAMED" {
            !p.is_empty()
                && p.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        } else {
            p.parse::<u32>().is_ok_and(|n| n >= 1)
        };
        if !ok {
            return Err(template_error(
                code,
                "Invalid parameter format",
                format!(
                    "The {what} has a parameter {{{{{p}}}}} that is not {}",
                    if format == "NAMED" {
                        "a lowercase name (parameter_format NAMED)"
                    } else {
                        "a number {{1}}, {{2}}... (parameter_format POSITIONAL)"
                    }
                ),
            ));
        }
    }
    let mut distinct: Vec<String> = Vec::new();
    for p in params {
        if !distinct.contains(&p) {
            distinct.push(p);
        }
    }
    if format != "NAMED" {
        let mut numbers: Vec<u32> = distinct.iter().filter_map(|p| p.parse().ok()).collect();
        numbers.sort_unstable();
        if numbers
            .iter()
            .enumerate()
            .any(|(i, n)| *n as usize != i + 1)
        {
            return Err(template_error(
                code,
                "Invalid parameter format",
                format!(
                    "The {what}'s parameters must be numbered {{{{1}}}}, {{{{2}}}}... without gaps"
                ),
            ));
        }
    }
    Ok(distinct)
}

fn too_long(what: &str, max: usize) -> GraphError {
    template_error(
        subcode::CHARACTER_LIMIT,
        "Character limit exceeded",
        format!("The {what} is longer than {max} characters"),
    )
}

fn text_of<'a>(c: &'a Map<String, Value>, what: &str) -> Result<Option<&'a str>, GraphError> {
    match c.get("text") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(param_error(format!("Param {what}.text must be a string"))),
    }
}

/// The example a component with parameters must carry.
fn check_example(
    c: &Map<String, Value>,
    params: &[String],
    format: &str,
    positional_key: &str,
    named_key: &str,
    what: &str,
    code: u32,
) -> Result<(), GraphError> {
    if params.is_empty() {
        return Ok(());
    }
    let example = c.get("example").and_then(Value::as_object);
    let missing = || {
        template_error(
            code,
            "Example values missing",
            format!(
                "The {what} has parameters: add example.{} with a value for each",
                if format == "NAMED" {
                    named_key
                } else {
                    positional_key
                }
            ),
        )
    };
    let example = example.ok_or_else(missing)?;
    if format == "NAMED" {
        let given = example
            .get(named_key)
            .and_then(Value::as_array)
            .ok_or_else(missing)?;
        for p in params {
            let found = given.iter().any(|g| {
                g.get("param_name").and_then(Value::as_str) == Some(p.as_str())
                    && g.get("example").is_some_and(|e| !e.is_null())
            });
            if !found {
                return Err(template_error(
                    code,
                    "Example values missing",
                    format!("example.{named_key} has no example for {{{{{p}}}}}"),
                ));
            }
        }
    } else {
        let given = example.get(positional_key).ok_or_else(missing)?;
        // body_text is [[...]], header_text is [...].
        let values = match given {
            Value::Array(a) if a.first().is_some_and(Value::is_array) => {
                a[0].as_array().cloned().unwrap_or_default()
            }
            Value::Array(a) => a.clone(),
            _ => return Err(missing()),
        };
        if values.len() != params.len() {
            return Err(template_error(
                code,
                "Example values mismatch",
                format!(
                    "The {what} has {} parameter(s) but example.{positional_key} gives {}",
                    params.len(),
                    values.len()
                ),
            ));
        }
    }
    Ok(())
}

/// Checks `components` (a JSON array, any case in `type`/`format`) and answers them with the
/// types and formats in upper case.
pub fn components(value: &Value, format: &str, category: &str) -> Result<Vec<Value>, GraphError> {
    let list = value
        .as_array()
        .ok_or_else(|| param_error("Param components must be an array"))?;
    let mut out = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let mut c = item
            .as_object()
            .cloned()
            .ok_or_else(|| param_error(format!("Param components[{i}] must be an object")))?;
        let kind = c
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_ascii_uppercase)
            .ok_or_else(|| param_error(format!("Param components[{i}].type is required")))?;
        if seen.contains(&kind) {
            return Err(param_error(format!(
                "Param components has more than one {kind} component"
            )));
        }
        seen.push(kind.clone());
        c.insert("type".into(), json!(kind));
        match kind.as_str() {
            "HEADER" => header(&mut c, format)?,
            "BODY" => body(&c, format, category)?,
            "FOOTER" => {
                let text = text_of(&c, "FOOTER")?.ok_or_else(|| {
                    param_error("Param components[FOOTER].text is required")
                })?;
                if text.chars().count() > FOOTER_MAX {
                    return Err(too_long("footer", FOOTER_MAX));
                }
                if !params_of(text).is_empty() {
                    return Err(template_error(
                        subcode::FOOTER_FORMAT,
                        "Invalid footer",
                        "A footer cannot have parameters",
                    ));
                }
            }
            "BUTTONS" => buttons(&mut c)?,
            other => {
                return Err(param_error(format!(
                    "Param components[{i}].type must be one of {{HEADER, BODY, FOOTER, BUTTONS}} - got \"{}\"",
                    echo(other)
                )))
            }
        }
        out.push(Value::Object(c));
    }
    if !seen.iter().any(|k| k == "BODY") {
        return Err(template_error(
            subcode::BODY_FORMAT,
            "Body missing",
            "A template needs a BODY component",
        ));
    }
    Ok(out)
}

fn header(c: &mut Map<String, Value>, format: &str) -> Result<(), GraphError> {
    let f = c
        .get("format")
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase)
        .ok_or_else(|| {
            template_error(
                subcode::HEADER_FORMAT,
                "Invalid header",
                "A HEADER needs a format: TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION",
            )
        })?;
    c.insert("format".into(), json!(f));
    match f.as_str() {
        "TEXT" => {
            let text = text_of(c, "HEADER")?.ok_or_else(|| {
                template_error(
                    subcode::HEADER_FORMAT,
                    "Invalid header",
                    "A TEXT header needs text",
                )
            })?;
            if text.chars().count() > HEADER_TEXT_MAX {
                return Err(too_long("header", HEADER_TEXT_MAX));
            }
            let params = check_params(text, format, "header", subcode::HEADER_FORMAT)?;
            if params.len() > 1 {
                return Err(template_error(
                    subcode::HEADER_FORMAT,
                    "Invalid header",
                    "A header can have at most one parameter",
                ));
            }
            check_example(
                c,
                &params,
                format,
                "header_text",
                "header_text_named_params",
                "header",
                subcode::HEADER_FORMAT,
            )
        }
        "IMAGE" | "VIDEO" | "DOCUMENT" => {
            let handle = c
                .get("example")
                .and_then(|e| e.get("header_handle"))
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string));
            if handle {
                Ok(())
            } else {
                Err(template_error(
                    subcode::HEADER_FORMAT,
                    "Invalid header",
                    format!("A {f} header needs example.header_handle: a handle from the Resumable Upload API"),
                ))
            }
        }
        "LOCATION" => Ok(()),
        _ => Err(template_error(
            subcode::HEADER_FORMAT,
            "Invalid header",
            "The header format must be TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION",
        )),
    }
}

fn body(c: &Map<String, Value>, format: &str, category: &str) -> Result<(), GraphError> {
    let Some(text) = text_of(c, "BODY")? else {
        // Authentication templates use Meta's preset body text.
        return if category == "AUTHENTICATION" {
            Ok(())
        } else {
            Err(template_error(
                subcode::BODY_FORMAT,
                "Invalid body",
                "The BODY needs text",
            ))
        };
    };
    if text.chars().count() > BODY_MAX {
        return Err(too_long("body", BODY_MAX));
    }
    let params = check_params(text, format, "body", subcode::BODY_FORMAT)?;
    let trimmed = text.trim();
    if !params.is_empty() && (trimmed.starts_with("{{") || trimmed.ends_with("}}")) {
        return Err(template_error(
            subcode::LEADING_TRAILING_PARAM,
            "Parameters at the start or end",
            "The body cannot start or end with a parameter",
        ));
    }
    check_example(
        c,
        &params,
        format,
        "body_text",
        "body_text_named_params",
        "body",
        subcode::BODY_FORMAT,
    )
}

fn buttons(c: &mut Map<String, Value>) -> Result<(), GraphError> {
    let list = c
        .get("buttons")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| param_error("Param components[BUTTONS].buttons must be a non-empty array"))?
        .clone();
    if list.len() > BUTTONS_MAX {
        return Err(param_error(format!(
            "Param components[BUTTONS].buttons can hold at most {BUTTONS_MAX} buttons"
        )));
    }
    let mut out = Vec::new();
    for (i, b) in list.iter().enumerate() {
        let mut b = b
            .as_object()
            .cloned()
            .ok_or_else(|| param_error(format!("Param buttons[{i}] must be an object")))?;
        let kind = b
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_ascii_uppercase)
            .ok_or_else(|| param_error(format!("Param buttons[{i}].type is required")))?;
        b.insert("type".into(), json!(kind));
        let text = b.get("text").and_then(Value::as_str);
        if text.is_some_and(|t| t.chars().count() > BUTTON_TEXT_MAX) {
            return Err(too_long("button text", BUTTON_TEXT_MAX));
        }
        let needs_text = !matches!(kind.as_str(), "OTP" | "COPY_CODE" | "CATALOG" | "MPM");
        if needs_text && text.is_none_or(str::is_empty) {
            return Err(param_error(format!("Param buttons[{i}].text is required")));
        }
        match kind.as_str() {
            "QUICK_REPLY" | "FLOW" | "CATALOG" | "MPM" | "VOICE_CALL" | "OTP" => {}
            "URL" => {
                let url = b.get("url").and_then(Value::as_str).ok_or_else(|| {
                    param_error(format!("Param buttons[{i}].url is required"))
                })?;
                if url.chars().count() > URL_MAX {
                    return Err(too_long("button URL", URL_MAX));
                }
                let params = params_of(url);
                if params.len() > 1 || (params.len() == 1 && !url.trim_end().ends_with("}}")) {
                    return Err(param_error(format!(
                        "Param buttons[{i}].url can have one parameter, at its end"
                    )));
                }
                if !params.is_empty() && b.get("example").is_none() {
                    return Err(param_error(format!(
                        "Param buttons[{i}].example is required for a URL with a parameter"
                    )));
                }
            }
            "PHONE_NUMBER" => {
                if b.get("phone_number").and_then(Value::as_str).is_none() {
                    return Err(param_error(format!(
                        "Param buttons[{i}].phone_number is required"
                    )));
                }
            }
            "COPY_CODE" => {
                let ex = b.get("example").map(|e| match e {
                    Value::Array(a) => a.first().and_then(Value::as_str).unwrap_or("").to_string(),
                    Value::String(s) => s.clone(),
                    _ => String::new(),
                });
                match ex {
                    Some(e) if !e.is_empty() && e.chars().count() <= COPY_CODE_MAX => {}
                    _ => {
                        return Err(param_error(format!(
                            "Param buttons[{i}].example must be a code of 1 to {COPY_CODE_MAX} characters"
                        )))
                    }
                }
            }
            other => {
                return Err(param_error(format!(
                    "Param buttons[{i}].type must be one of {{QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, OTP, FLOW, CATALOG, MPM, VOICE_CALL}} - got \"{}\"",
                    echo(other)
                )))
            }
        }
        out.push(Value::Object(b));
    }
    c.insert("buttons".into(), Value::Array(out));
    Ok(())
}

/// What a send of this template must supply, in the checks' vocabulary: the header's and body's
/// parameters (named ones numbered in order), and one button entry per URL button with a
/// parameter or COPY_CODE/OTP button (by index).
pub fn checks_of(components: &[Value]) -> Vec<Component> {
    let mut out = Vec::new();
    for c in components {
        let kind = c.get("type").and_then(Value::as_str).unwrap_or("");
        let numbered = |text: &str| {
            let mut names: Vec<String> = Vec::new();
            for p in params_of(text) {
                if !names.contains(&p) {
                    names.push(p);
                }
            }
            (1..=names.len())
                .map(|n| format!("{{{{{n}}}}}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        match kind {
            "HEADER" => {
                let format = c
                    .get("format")
                    .and_then(Value::as_str)
                    .unwrap_or("TEXT")
                    .to_ascii_lowercase();
                let format = if format == "location" {
                    "text".into()
                } else {
                    format
                };
                out.push(Component {
                    kind: "header".into(),
                    text: c.get("text").and_then(Value::as_str).map(numbered),
                    format: Some(format),
                    index: None,
                });
            }
            "BODY" => out.push(Component {
                kind: "body".into(),
                text: Some(c.get("text").and_then(Value::as_str).map_or_else(
                    // Authentication bodies take the code as their one parameter.
                    || "{{1}}".to_string(),
                    numbered,
                )),
                format: None,
                index: None,
            }),
            "BUTTONS" => {
                let buttons = c.get("buttons").and_then(Value::as_array);
                for (i, b) in buttons.into_iter().flatten().enumerate() {
                    let text = match b.get("type").and_then(Value::as_str) {
                        Some("URL") => b.get("url").and_then(Value::as_str).map(numbered),
                        Some("COPY_CODE" | "OTP") => Some("{{1}}".into()),
                        _ => None,
                    };
                    if let (Some(text), Ok(index)) = (text, u32::try_from(i)) {
                        out.push(Component {
                            kind: "button".into(),
                            text: Some(text),
                            format: None,
                            index: Some(index),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Cloud components for a template registered through the control API in the checks'
/// vocabulary (buttons become URL buttons at their index, the gaps quick replies).
pub fn components_of(checks: &[Component]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut buttons: Vec<Value> = Vec::new();
    for c in checks {
        match c.kind.as_str() {
            "header" => {
                let format = c.format.as_deref().unwrap_or("text").to_ascii_uppercase();
                let mut h = json!({"type": "HEADER", "format": format});
                if let Some(t) = &c.text {
                    h["text"] = json!(t);
                }
                out.push(h);
            }
            "body" | "footer" => out.push(json!({
                "type": c.kind.to_ascii_uppercase(),
                "text": c.text.clone().unwrap_or_default(),
            })),
            "button" => {
                let index = c.index.unwrap_or(0).min(9) as usize;
                while buttons.len() <= index {
                    buttons.push(
                        json!({"type": "QUICK_REPLY", "text": format!("Button {}", buttons.len())}),
                    );
                }
                buttons[index] = json!({
                    "type": "URL",
                    "text": format!("Button {index}"),
                    "url": c.text.clone().unwrap_or_default(),
                });
            }
            _ => {}
        }
    }
    if !buttons.is_empty() {
        out.push(json!({"type": "BUTTONS", "buttons": buttons}));
    }
    out
}

/// Identifies a template in its webhooks (the id is a number there, a string in the API).
pub struct TemplateRef<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub language: &'a str,
}

impl TemplateRef<'_> {
    fn value(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let id = self
            .id
            .parse::<u64>()
            .map_or_else(|_| json!(self.id), |n| json!(n));
        m.insert("message_template_id".into(), id);
        m.insert("message_template_name".into(), json!(self.name));
        m.insert("message_template_language".into(), json!(self.language));
        m
    }
}

/// `message_template_status_update`: `reason` is "NONE" on approval and null on deletion.
pub fn status_update(
    t: &TemplateRef,
    event: &str,
    reason: Option<&str>,
    category: &str,
    other_info: Option<Value>,
) -> Value {
    let mut v = t.value();
    v.insert("event".into(), json!(event));
    v.insert("reason".into(), json!(reason));
    v.insert("message_template_category".into(), json!(category));
    if let Some(o) = other_info {
        v.insert("other_info".into(), o);
    }
    Value::Object(v)
}

/// `template_category_update` once the change is done.
pub fn category_update(t: &TemplateRef, previous: &str, new: &str) -> Value {
    let mut v = t.value();
    v.insert("previous_category".into(), json!(previous));
    v.insert("new_category".into(), json!(new));
    Value::Object(v)
}

/// `message_template_quality_update`.
pub fn quality_update(t: &TemplateRef, previous: &str, new: &str) -> Value {
    let mut v = t.value();
    v.insert("previous_quality_score".into(), json!(previous));
    v.insert("new_quality_score".into(), json!(new));
    Value::Object(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(components: Value) -> TemplateInput {
        TemplateInput {
            name: Some("order_update".into()),
            language: Some("en_US".into()),
            category: Some("utility".into()),
            components: Some(components),
            ..TemplateInput::default()
        }
    }

    #[test]
    fn a_valid_template_is_normalised() {
        let t = validate_create(input(json!([
            {"type": "header", "format": "text", "text": "Order {{1}}", "example": {"header_text": ["42"]}},
            {"type": "BODY", "text": "Hi {{1}}, it ships {{2}}.", "example": {"body_text": [["Ann", "today"]]}},
            {"type": "FOOTER", "text": "Shop"},
            {"type": "BUTTONS", "buttons": [{"type": "url", "text": "Track", "url": "https://x.test/{{1}}", "example": ["https://x.test/1"]}]}
        ])))
        .unwrap();
        assert_eq!(t.category, "UTILITY");
        assert_eq!(t.components[0]["type"], "HEADER");
        assert_eq!(t.components[0]["format"], "TEXT");
        let checks = checks_of(&t.components);
        assert_eq!(checks.len(), 3);
        assert_eq!(checks[2].index, Some(0));
    }

    #[test]
    fn rules_answer_meta_subcodes() {
        let sub = |c: Value| validate_create(input(c)).unwrap_err().subcode;
        assert_eq!(
            sub(json!([{"type": "BODY", "text": "x".repeat(1025)}])),
            Some(subcode::CHARACTER_LIMIT)
        );
        assert_eq!(
            sub(json!([{"type": "BODY", "text": "{{1}} hi", "example": {"body_text": [["a"]]}}])),
            Some(subcode::LEADING_TRAILING_PARAM)
        );
        assert_eq!(
            sub(json!([{"type": "BODY", "text": "Hi {{1}} x"}])),
            Some(subcode::BODY_FORMAT)
        );
        assert_eq!(
            sub(json!([{"type": "BODY", "text": "Hi {{2}} x", "example": {"body_text": [["a"]]}}])),
            Some(subcode::BODY_FORMAT)
        );
        assert_eq!(
            sub(json!([{"type": "FOOTER", "text": "f"}])),
            Some(subcode::BODY_FORMAT)
        );
        assert_eq!(
            sub(json!([{"type": "HEADER", "format": "IMAGE"}, {"type": "BODY", "text": "b"}])),
            Some(subcode::HEADER_FORMAT)
        );
        assert_eq!(
            sub(json!([{"type": "BODY", "text": "b"}, {"type": "FOOTER", "text": "{{1}}"}])),
            Some(subcode::FOOTER_FORMAT)
        );
        let mut bad = input(json!([{"type": "BODY", "text": "b"}]));
        bad.name = Some("Bad Name".into());
        assert_eq!(validate_create(bad).unwrap_err().code, 100);
        let mut bad = input(json!([{"type": "BODY", "text": "b"}]));
        bad.category = Some("promo".into());
        assert!(validate_create(bad)
            .unwrap_err()
            .message
            .unwrap()
            .contains("category"));
    }

    #[test]
    fn named_parameters_need_named_examples() {
        let mut i = input(json!([{"type": "BODY", "text": "Hi {{first_name}}!",
            "example": {"body_text_named_params": [{"param_name": "first_name", "example": "Ann"}]}}]));
        i.parameter_format = Some("named".into());
        let t = validate_create(i.clone()).unwrap();
        assert_eq!(checks_of(&t.components)[0].text.as_deref(), Some("{{1}}"));
        i.components = Some(json!([{"type": "BODY", "text": "Hi {{first_name}}!"}]));
        assert_eq!(
            validate_create(i).unwrap_err().subcode,
            Some(subcode::BODY_FORMAT)
        );
    }
}
