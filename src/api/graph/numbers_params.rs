//! The parameters of the phone-number routes, read the ways clients send them: the query string
//! merged with a JSON or form body (pywa sends `request_code`, `verify_code` and the commerce
//! settings as query parameters, others JSON; unblock is a DELETE with a JSON body). The
//! `access_token` and `appsecret_proof` query parameters are authentication, not parameters.

use super::{app, GraphFailure};
use crate::api::body::read_body;
use crate::graph::fields::{self, Field};
use crate::graph::paging::PageRequest;
use crate::graph::GraphError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpRequest};
use serde_json::{Map, Value};

pub type Params = Map<String, Value>;

const AUTH: [&str; 2] = ["access_token", "appsecret_proof"];

pub fn query(req: &HttpRequest) -> Params {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| !AUTH.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect()
}

/// The query merged with the body (the body wins for a name given twice); an empty body adds
/// nothing.
pub async fn read(req: &HttpRequest, payload: web::Payload) -> Result<Params, GraphFailure> {
    let mut params = query(req);
    let bytes = read_body(req, payload, app(req)?.config.max_json_bytes).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(params);
    }
    let form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if form {
        for (k, v) in url::form_urlencoded::parse(&bytes) {
            params.insert(k.into_owned(), Value::String(v.into_owned()));
        }
        return Ok(params);
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(o)) => {
            params.extend(o.into_iter().filter(|(k, _)| !AUTH.contains(&k.as_str())));
            Ok(params)
        }
        Ok(_) => Err(GraphError::invalid("The request body must be a JSON object").into()),
        Err(e) => {
            Err(GraphError::invalid(format!("The request body is not valid JSON: {e}")).into())
        }
    }
}

/// A text parameter; None when absent.
pub fn text(p: &Params, name: &str) -> Result<Option<String>, GraphFailure> {
    match p.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(GraphError::graph_param(format!("Param {name} must be a string")).into()),
    }
}

/// A required text parameter: Meta's "The parameter X is required" when absent or empty.
pub fn required(p: &Params, name: &str) -> Result<String, GraphFailure> {
    match text(p, name)? {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(GraphError::graph_param(format!("The parameter {name} is required")).into()),
    }
}

/// `messaging_product` must be present and `whatsapp`.
pub fn messaging_product(p: &Params) -> Result<(), GraphFailure> {
    match required(p, "messaging_product")?.as_str() {
        "whatsapp" => Ok(()),
        _ => {
            Err(GraphError::graph_param("Param messaging_product must be one of {WHATSAPP}").into())
        }
    }
}

/// `messaging_product`, when given, must be `whatsapp`.
pub fn optional_messaging_product(p: &Params) -> Result<(), GraphFailure> {
    match p.get("messaging_product") {
        None => Ok(()),
        Some(_) => messaging_product(p),
    }
}

/// A boolean given as JSON or as `true`/`false` text.
pub fn boolean(p: &Params, name: &str) -> Result<Option<bool>, GraphFailure> {
    match p.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" => Ok(Some(false)),
        Some(_) => Err(GraphError::graph_param(format!("Param {name} must be a boolean")).into()),
    }
}

/// Refuses names outside `known` (with Meta's wording).
pub fn only(p: &Params, known: &[&str]) -> Result<(), GraphFailure> {
    match p.keys().find(|k| !known.contains(&k.as_str())) {
        None => Ok(()),
        Some(k) => Err(GraphError::graph_param(format!(
            "Param {} is not a valid parameter here (valid: {})",
            k.chars().take(60).collect::<String>(),
            known.join(", ")
        ))
        .into()),
    }
}

/// `fields`, parsed; None when absent or blank.
pub fn field_list(p: &Params) -> Result<Option<Vec<Field>>, GraphFailure> {
    match text(p, "fields")? {
        Some(f) if !f.trim().is_empty() => Ok(Some(fields::parse(&f)?)),
        _ => Ok(None),
    }
}

pub fn page_request(p: &Params) -> Result<PageRequest, GraphFailure> {
    Ok(PageRequest {
        limit: text(p, "limit")?,
        after: text(p, "after")?,
        before: text(p, "before")?,
    })
}

/// The absolute URL of another page of this edge: same path and parameters (the access token
/// included, as Graph does), the cursor replaced.
pub fn page_link(req: &HttpRequest) -> impl Fn(&str, &str) -> String + '_ {
    move |dir: &str, cursor: &str| {
        let info = req.connection_info();
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
            if k != "after" && k != "before" {
                q.append_pair(&k, &v);
            }
        }
        q.append_pair(dir, cursor);
        format!(
            "{}://{}{}?{}",
            info.scheme(),
            info.host(),
            req.path(),
            q.finish()
        )
    }
}
