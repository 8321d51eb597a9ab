//! Template payloads (`template`, and the legacy `hsm`): components and their parameters,
//! answered as a typed `TemplateSend`. Currency and date values are checked in `localizable`.

use super::fields::*;
use super::localizable::{currency_code, date_parts, integer, localizable_param, DATE_PARTS};
use super::media::header_media;
use super::{
    ButtonRef, ButtonSubType, ComponentKind, ComponentParams, HeaderMedia, Language,
    LanguagePolicy, MediaLookup, Param, TemplateForm, TemplateSend,
};
use crate::wa::ApiError;

const TEMPLATE_PARAM_MAX_CHARS: usize = 1024;

fn language(o: &Obj, path: &str) -> Result<Language, ApiError> {
    let lp = join(path, "language");
    let l = obj(field(o, path, "language")?, &lp)?;
    only(l, &lp, &["code", "policy"])?;
    let code = string(l, &lp, "code")?.to_string();
    let policy = match opt_string(l, &lp, "policy")? {
        None => None,
        Some("deterministic") => Some(LanguagePolicy::Deterministic),
        Some("fallback") => Some(LanguagePolicy::Fallback),
        Some(_) => {
            return Err(ApiError::invalid(
                &join(&lp, "policy"),
                "must be deterministic or fallback",
            ))
        }
    };
    Ok(Language { code, policy })
}

pub(super) fn template(t: &Obj, media: MediaLookup) -> Result<TemplateSend, ApiError> {
    const P: &str = "template";
    only(t, P, &["namespace", "name", "language", "components"])?;
    let namespace = string(t, P, "namespace")?.to_string();
    let name = string(t, P, "name")?.to_string();
    let language = language(t, P)?;
    let mut sent = TemplateSend {
        form: TemplateForm::Template,
        namespace,
        name,
        language,
        components: Vec::new(),
    };
    let Some(components) = t.get("components") else {
        return Ok(sent);
    };
    let components = components
        .as_array()
        .ok_or_else(|| ApiError::invalid("template.components", "must be an array"))?;
    for (n, c) in components.iter().enumerate() {
        let cp = format!("template.components[{n}]");
        let c = obj(c, &cp)?;
        let kind_raw = string(c, &cp, "type")?;
        let kind = ComponentKind::parse(kind_raw).ok_or_else(|| {
            ApiError::invalid(&join(&cp, "type"), "must be header, body, footer or button")
        })?;
        let button = match kind {
            ComponentKind::Button => {
                only(c, &cp, &["type", "sub_type", "index", "parameters"])?;
                Some(button(c, &cp)?)
            }
            _ => {
                only(c, &cp, &["type", "parameters"])?;
                None
            }
        };
        let mut parameters = Vec::new();
        if let Some(params) = c.get("parameters") {
            let params = params
                .as_array()
                .ok_or_else(|| ApiError::invalid(&join(&cp, "parameters"), "must be an array"))?;
            for (m, param) in params.iter().enumerate() {
                let path = format!("{cp}.parameters[{m}]");
                let param = obj(param, &path)?;
                parameters.push(template_param(param, &path, kind_raw, button, media)?);
            }
        }
        sent.components.push(ComponentParams {
            kind,
            button,
            parameters,
        });
    }
    Ok(sent)
}

/// A button component's `sub_type` (quick_reply or url) and `index` (0-9).
fn button(c: &Obj, cp: &str) -> Result<ButtonRef, ApiError> {
    let sub_type = match string(c, cp, "sub_type")? {
        "quick_reply" => ButtonSubType::QuickReply,
        "url" => ButtonSubType::Url,
        _ => {
            return Err(ApiError::invalid(
                &join(cp, "sub_type"),
                "must be quick_reply or url",
            ))
        }
    };
    let index = field(c, cp, "index")?;
    let index = crate::wa::integer::as_u64(index)
        .or_else(|| index.as_str().and_then(|s| s.parse().ok()))
        .filter(|i| *i <= 9)
        .and_then(|i| u8::try_from(i).ok())
        .ok_or_else(|| ApiError::invalid(&join(cp, "index"), "must be 0-9"))?;
    Ok(ButtonRef { sub_type, index })
}

const PARAM_TYPES: [&str; 7] = [
    "text",
    "currency",
    "date_time",
    "image",
    "document",
    "video",
    "payload",
];

/// One parameter of a component: its type must suit the component (media in the header,
/// `payload` in a quick_reply button, `text` in a url button), and it carries exactly the
/// object its type names.
fn template_param(
    p: &Obj,
    path: &str,
    component: &str,
    button: Option<ButtonRef>,
    media: MediaLookup,
) -> Result<Param, ApiError> {
    let kind = string(p, path, "type")?;
    let mismatch = |why: &str| ApiError::new(2012, format!("{path}: {why}"));
    if !PARAM_TYPES.contains(&kind) {
        return Err(mismatch(&format!(
            "'{kind}' is not a parameter type ({})",
            PARAM_TYPES.join(", ")
        )));
    }
    match (button.map(|b| b.sub_type), kind) {
        (Some(ButtonSubType::QuickReply), "payload")
        | (Some(ButtonSubType::Url), "text")
        | (None, _) => {}
        (Some(sub), _) => {
            let (sub, want) = match sub {
                ButtonSubType::Url => ("url", "text"),
                ButtonSubType::QuickReply => ("quick_reply", "payload"),
            };
            return Err(mismatch(&format!(
                "a {sub} button takes {want} parameters, not {kind}"
            )));
        }
    }
    only(p, path, &["type", kind])?;
    let value = |what: &str| {
        p.get(kind)
            .ok_or_else(|| mismatch(&format!("a {kind} parameter needs {what} '{kind}'")))
    };
    Ok(match kind {
        "text" => {
            let text = value("a string")?
                .as_str()
                .ok_or_else(|| mismatch("a text parameter needs a string 'text'"))?;
            text_param(text, path, component)?;
            Param::Text(text.to_string())
        }
        "currency" => {
            let c = value("an object")?
                .as_object()
                .ok_or_else(|| mismatch("a currency parameter needs a 'currency' object"))?;
            let cp = join(path, "currency");
            only(c, &cp, &["fallback_value", "code", "amount_1000"])?;
            let fallback_value = string(c, &cp, "fallback_value")?.to_string();
            let code = currency_code(c, &cp, "code").map_err(as_mismatch)?;
            let amount_1000 =
                integer(c, &cp, "amount_1000", i64::MIN..=i64::MAX).map_err(as_mismatch)?;
            Param::Currency {
                fallback_value,
                code,
                amount_1000,
            }
        }
        "date_time" => {
            let d = value("an object")?
                .as_object()
                .ok_or_else(|| mismatch("a date_time parameter needs a 'date_time' object"))?;
            let dp = join(path, "date_time");
            let allowed: Vec<&str> = ["fallback_value", "timestamp"]
                .into_iter()
                .chain(DATE_PARTS)
                .collect();
            only(d, &dp, &allowed)?;
            let fallback_value = string(d, &dp, "fallback_value")?.to_string();
            date_parts(d, &dp).map_err(as_mismatch)?;
            if d.get("timestamp").is_some_and(|t| !t.is_null()) {
                integer(d, &dp, "timestamp", 0..=i64::MAX).map_err(as_mismatch)?;
            }
            Param::DateTime { fallback_value }
        }
        "image" | "document" | "video" => {
            if component != "header" {
                return Err(ApiError::new(
                    2008,
                    format!("{path}: {kind} parameters belong in the header component"),
                ));
            }
            let m = value("an object")?
                .as_object()
                .ok_or_else(|| mismatch(&format!("a {kind} parameter needs a '{kind}' object")))?;
            let source = header_media(m, &join(path, kind), kind, media)?;
            let kind = HeaderMedia::parse(kind)
                .ok_or_else(|| mismatch(&format!("'{kind}' is not header media")))?;
            Param::Media { kind, source }
        }
        _ => {
            if component != "button" {
                return Err(mismatch(
                    "payload parameters belong in a quick_reply button component",
                ));
            }
            let payload = value("a string")?
                .as_str()
                .ok_or_else(|| mismatch("a payload parameter needs a string 'payload'"))?;
            Param::Payload(payload.to_string())
        }
    })
}

/// Template parameters answer a value of the wrong format with 2012, not 1009.
fn as_mismatch(e: ApiError) -> ApiError {
    match e.code {
        1009 => ApiError::new(2012, e.details.unwrap_or_default()),
        _ => e,
    }
}

/// A text parameter: at most 1024 characters (2004); in the body no new lines, tabs or more
/// than four spaces in a row (2006).
fn text_param(text: &str, path: &str, component: &str) -> Result<(), ApiError> {
    let n = text.chars().count();
    if n > TEMPLATE_PARAM_MAX_CHARS {
        return Err(ApiError::new(
            2004,
            format!("{path}.text is {n} characters, the limit is {TEMPLATE_PARAM_MAX_CHARS}"),
        ));
    }
    if component == "body" && (text.contains('\n') || text.contains('\t') || text.contains("     "))
    {
        return Err(ApiError::new(
            2006,
            format!("{path}.text may not hold new lines, tabs or more than 4 consecutive spaces"),
        ));
    }
    Ok(())
}

pub(super) fn hsm(h: &Obj) -> Result<TemplateSend, ApiError> {
    const P: &str = "hsm";
    only(
        h,
        P,
        &[
            "namespace",
            "element_name",
            "language",
            "localizable_params",
        ],
    )?;
    let namespace = string(h, P, "namespace")?.to_string();
    let name = string(h, P, "element_name")?.to_string();
    let language = language(h, P)?;
    let mut parameters = Vec::new();
    if let Some(params) = h.get("localizable_params") {
        let params = params
            .as_array()
            .ok_or_else(|| ApiError::invalid("hsm.localizable_params", "must be an array"))?;
        for (n, param) in params.iter().enumerate() {
            let path = format!("hsm.localizable_params[{n}]");
            parameters.push(localizable_param(obj(param, &path)?, &path)?);
        }
    }
    Ok(TemplateSend {
        form: TemplateForm::Hsm,
        namespace,
        name,
        language,
        components: vec![ComponentParams {
            kind: ComponentKind::Body,
            button: None,
            parameters,
        }],
    })
}

#[cfg(test)]
mod tests;
