//! The parameters of a Graph call, read the ways real clients send them:
//! - from the query string, a JSON body, a form body or a multipart body, merged (the body wins
//!   over the query for a name given twice): pywa sends `request_code` as query parameters,
//!   other clients send JSON; DELETE may carry a JSON body (unblock) or a query (templates);
//! - list filters as `a,b` or as a JSON array (`["a","b"]`, also inside a query value);
//! - `fields=a,b,c{x,y}` with nested expansion;
//! - `limit` and the `after`/`before` cursors of Graph paging, with `paging.next`/`previous`
//!   built from the emulator's own address (pywa follows `next` verbatim).
//!
//! The `access_token` and `appsecret_proof` parameters are authentication, not parameters: they
//! are left out (and kept in the paging links, as Graph does).
//!
//! Every accessor answers a Graph error (code 100) naming the parameter when a value is unusable.

use super::{app, GraphFailure};
use crate::api::body::read_body;
use crate::graph::fields::Fields;
use crate::graph::paging::{decode_cursor, PageRequest};
use crate::graph::{multipart, GraphError};
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpRequest};
use serde_json::{Map, Value};
use url::form_urlencoded;

/// Authentication, not parameters.
const AUTH: [&str; 2] = ["access_token", "appsecret_proof"];

/// The merged parameters of one call, by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    map: Map<String, Value>,
}

fn bad(name: &str, why: impl std::fmt::Display) -> GraphFailure {
    GraphFailure(GraphError::invalid(format!("Param {name} {why}")))
}

impl Params {
    /// The query string only (GET and bodiless calls).
    pub fn query(req: &HttpRequest) -> Params {
        let mut params = Params::default();
        for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
            params.insert(k.into_owned(), Value::String(v.into_owned()));
        }
        params
    }

    /// Sets one parameter (authentication names are left out).
    fn insert(&mut self, name: String, value: Value) {
        if !AUTH.contains(&name.as_str()) {
            self.map.insert(name, value);
        }
    }

    /// The query string merged with the body (JSON object, `application/x-www-form-urlencoded`
    /// or `multipart/form-data` text parts); an empty body adds nothing.
    pub async fn read(req: &HttpRequest, payload: web::Payload) -> Result<Params, GraphFailure> {
        let mut params = Params::query(req);
        let limit = app(req)?.config.max_json_bytes;
        let bytes = read_body(req, payload, limit).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(params);
        }
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mime = crate::wa::mime_essence(content_type);
        if mime == "application/x-www-form-urlencoded" {
            for (k, v) in form_urlencoded::parse(&bytes) {
                params.insert(k.into_owned(), Value::String(v.into_owned()));
            }
        } else if mime == "multipart/form-data" {
            let boundary = multipart::boundary(content_type)
                .ok_or_else(|| bad("body", "is multipart without a boundary"))?;
            let parts = multipart::parse(&bytes, &boundary).map_err(|e| bad("body", e))?;
            for p in parts.into_iter().filter(|p| p.filename.is_none()) {
                let text = String::from_utf8_lossy(&p.data).into_owned();
                params.insert(p.name, Value::String(text));
            }
        } else {
            let body: Value = serde_json::from_slice(&bytes).map_err(|e| {
                GraphFailure(GraphError::invalid(format!(
                    "The request body is not valid JSON: {e}"
                )))
            })?;
            match body {
                Value::Object(o) => o.into_iter().for_each(|(k, v)| params.insert(k, v)),
                _ => return Err(bad("body", "must be a JSON object")),
            }
        }
        Ok(params)
    }

    /// Parameters from a JSON object (tests and internal callers).
    pub fn from_map(map: Map<String, Value>) -> Params {
        Params { map }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }

    /// All parameters, by name.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.map
    }

    /// The raw value; a string holding a JSON object or array (a form or query value) is parsed.
    pub fn value(&self, name: &str) -> Option<Value> {
        match self.map.get(name)? {
            Value::String(s) if s.trim_start().starts_with(['[', '{']) => {
                Some(serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone())))
            }
            v => Some(v.clone()),
        }
    }

    /// A text parameter; numbers and booleans are taken as their text, other JSON is refused.
    pub fn text(&self, name: &str) -> Result<Option<String>, GraphFailure> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(v.to_string())),
            Some(_) => Err(bad(name, "must be a string")),
        }
    }

    /// A list: `a,b`, `["a","b"]` (a JSON array or its text) or one value; items trimmed,
    /// empty ones dropped.
    pub fn list(&self, name: &str) -> Result<Option<Vec<String>>, GraphFailure> {
        let items = match self.value(name) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    Value::Number(_) | Value::Bool(_) => Ok(v.to_string()),
                    _ => Err(bad(name, "must list strings")),
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(Value::String(s)) => s.split(',').map(str::to_string).collect(),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => vec![v.to_string()],
            Some(_) => return Err(bad(name, "must be a list: a,b or [\"a\",\"b\"]")),
        };
        Ok(Some(
            items
                .into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        ))
    }

    /// `true`/`false` (also `1`/`0`, any case).
    pub fn bool(&self, name: &str) -> Result<Option<bool>, GraphFailure> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => match v
                .to_string()
                .trim_matches('"')
                .to_ascii_lowercase()
                .as_str()
            {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(bad(name, "must be true or false")),
            },
        }
    }

    /// A whole number (JSON number or its text).
    pub fn integer(&self, name: &str) -> Result<Option<i64>, GraphFailure> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => s
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| bad(name, "must be a whole number")),
            Some(v) => crate::wa::integer::as_i64(v)
                .map(Some)
                .ok_or_else(|| bad(name, "must be a whole number")),
        }
    }

    /// `fields=...`, parsed; None when absent or blank (the edge's default fields apply).
    pub fn fields(&self) -> Result<Option<Fields>, GraphFailure> {
        match self.list_text("fields")? {
            Some(s) if !s.trim().is_empty() => Ok(Some(Fields::parse(&s)?)),
            _ => Ok(None),
        }
    }

    /// `fields` may also come as a JSON array of names.
    fn list_text(&self, name: &str) -> Result<Option<String>, GraphFailure> {
        match self.value(name) {
            Some(Value::Array(_)) => Ok(self.list(name)?.map(|l| l.join(","))),
            _ => self.text(name),
        }
    }

    /// `limit`, `after` and `before`: `limit` is 1 or more (default `default`), a larger one
    /// than `max` taken as `max`.
    pub fn page(&self, default: usize, max: usize) -> Result<PageRequest, GraphFailure> {
        let limit = match self.integer("limit")? {
            None => default,
            Some(n) if n >= 1 => usize::try_from(n).unwrap_or(max).min(max),
            Some(_) => return Err(bad("limit", "must be a positive number")),
        };
        self.cursors(limit)
    }

    /// Like `page`, a `limit` above `max` refused.
    pub fn page_within(&self, default: usize, max: usize) -> Result<PageRequest, GraphFailure> {
        let limit = match self.integer("limit")? {
            None => default,
            Some(n) if n >= 1 && n as u64 <= max as u64 => n as usize,
            Some(_) => {
                return Err(bad(
                    "limit",
                    format!("must be a whole number from 1 to {max}"),
                ))
            }
        };
        self.cursors(limit)
    }

    fn cursors(&self, limit: usize) -> Result<PageRequest, GraphFailure> {
        let cursor = |name: &str| -> Result<Option<String>, GraphFailure> {
            match self.text(name)? {
                None => Ok(None),
                Some(c) => decode_cursor(&c)
                    .map(Some)
                    .ok_or_else(|| bad(name, "is not a cursor this edge gave out")),
            }
        };
        Ok(PageRequest {
            limit,
            after: cursor("after")?,
            before: cursor("before")?,
        })
    }

    /// A required text parameter: Meta's "The parameter X is required" when absent or empty.
    pub fn required(&self, name: &str) -> Result<String, GraphFailure> {
        match self.text(name)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(GraphError::graph_param(format!("The parameter {name} is required")).into()),
        }
    }

    /// `messaging_product` must be present and `whatsapp`.
    pub fn messaging_product(&self) -> Result<(), GraphFailure> {
        match self.required("messaging_product")?.as_str() {
            "whatsapp" => Ok(()),
            _ => Err(
                GraphError::graph_param("Param messaging_product must be one of {WHATSAPP}").into(),
            ),
        }
    }

    /// `messaging_product`, when given, must be `whatsapp`.
    pub fn optional_messaging_product(&self) -> Result<(), GraphFailure> {
        match self.contains("messaging_product") {
            false => Ok(()),
            true => self.messaging_product(),
        }
    }

    /// Refuses names outside `known` (with Meta's wording).
    pub fn only(&self, known: &[&str]) -> Result<(), GraphFailure> {
        match self.names().find(|k| !known.contains(k)) {
            None => Ok(()),
            Some(k) => Err(GraphError::graph_param(format!(
                "Param {} is not a valid parameter here (valid: {})",
                k.chars().take(60).collect::<String>(),
                known.join(", ")
            ))
            .into()),
        }
    }
}

/// The absolute URL of another page of this edge, for `PageRequest::cut`: this request's
/// scheme, host, path and parameters (the access token included, as Graph does), `after` and
/// `before` replaced by the one cursor.
pub fn page_link(req: &HttpRequest) -> impl Fn(&str, &str) -> String + '_ {
    move |name: &str, cursor: &str| {
        let info = req.connection_info();
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
            if k != "after" && k != "before" {
                query.append_pair(&k, &v);
            }
        }
        query.append_pair(name, cursor);
        format!(
            "{}://{}{}?{}",
            info.scheme(),
            info.host(),
            req.path(),
            query.finish()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::paging::encode_cursor;
    use serde_json::json;

    fn params(v: Value) -> Params {
        Params::from_map(v.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn lists_come_as_csv_or_json_arrays() {
        let p =
            params(json!({"a": "APPROVED, rejected", "b": "[\"X\",\"Y\"]", "c": ["Z"], "d": 5}));
        assert_eq!(p.list("a").unwrap().unwrap(), ["APPROVED", "rejected"]);
        assert_eq!(p.list("b").unwrap().unwrap(), ["X", "Y"]);
        assert_eq!(p.list("c").unwrap().unwrap(), ["Z"]);
        assert_eq!(p.list("d").unwrap().unwrap(), ["5"]);
        assert_eq!(p.list("none").unwrap(), None);
        assert!(params(json!({"a": [{}]})).list("a").is_err());
    }

    #[test]
    fn scalars_are_checked() {
        let p = params(json!({"t": "true", "n": "12", "bad": "x", "limit": "0"}));
        assert_eq!(p.bool("t").unwrap(), Some(true));
        assert_eq!(p.integer("n").unwrap(), Some(12));
        assert!(p.integer("bad").is_err());
        assert!(p.bool("bad").is_err());
        assert!(p.page(25, 100).is_err(), "limit 0");
        let p = params(json!({"limit": "500", "after": encode_cursor("k")}));
        let page = p.page(25, 100).unwrap();
        assert_eq!((page.limit, page.after.as_deref()), (100, Some("k")));
        assert!(params(json!({"after": "%%%"})).page(25, 100).is_err());
    }

    #[test]
    fn a_strict_limit_refuses_what_is_out_of_range() {
        let page = |limit: &str| params(json!({ "limit": limit })).page_within(25, 100);
        assert_eq!(page("100").unwrap().limit, 100);
        for bad in ["0", "101", "x"] {
            assert!(page(bad).is_err(), "{bad}");
        }
        assert_eq!(params(json!({})).page_within(25, 100).unwrap().limit, 25);
    }

    #[test]
    fn meta_wording_for_required_and_unknown_names() {
        let p = params(json!({"messaging_product": "whatsapp", "pin": " "}));
        assert!(p.messaging_product().is_ok());
        let e = p.required("pin").unwrap_err().0;
        assert_eq!(
            e.to_json("t")["error"]["message"],
            "(#100) The parameter pin is required"
        );
        assert!(p.only(&["messaging_product", "pin"]).is_ok());
        assert!(p.only(&["pin"]).is_err());
        let p = params(json!({"messaging_product": "sms"}));
        assert!(p.optional_messaging_product().is_err());
        assert!(params(json!({})).optional_messaging_product().is_ok());
    }
}
