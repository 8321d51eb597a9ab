//! The parameters of a Graph call, read the ways real clients send them:
//! - from the query string, a JSON body, a form body or a multipart body, merged (the body wins
//!   over the query for a name given twice): pywa sends `request_code` as query parameters,
//!   other clients send JSON; DELETE may carry a JSON body (unblock) or a query (templates);
//! - list filters as `a,b` or as a JSON array (`["a","b"]`, also inside a query value);
//! - `fields=a,b,c{x,y}` with nested expansion;
//! - `limit` and the `after`/`before` cursors of Graph paging, with `paging.next`/`previous`
//!   built from the emulator's own address (pywa follows `next` verbatim).
//!
//! Every accessor answers a Graph error (code 100) naming the parameter when a value is unusable.

use super::{app, GraphFailure};
use crate::api::body::read_body;
use crate::graph::{multipart, GraphError};
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpRequest};
use base64::Engine;
use serde_json::{json, Map, Value};
use url::form_urlencoded;

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
        let mut map = Map::new();
        for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
            map.insert(k.into_owned(), Value::String(v.into_owned()));
        }
        Params { map }
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
                params
                    .map
                    .insert(k.into_owned(), Value::String(v.into_owned()));
            }
        } else if mime == "multipart/form-data" {
            let boundary = multipart::boundary(content_type)
                .ok_or_else(|| bad("body", "is multipart without a boundary"))?;
            let parts = multipart::parse(&bytes, &boundary).map_err(|e| bad("body", e))?;
            for p in parts.into_iter().filter(|p| p.filename.is_none()) {
                let text = String::from_utf8_lossy(&p.data).into_owned();
                params.map.insert(p.name, Value::String(text));
            }
        } else {
            let body: Value = serde_json::from_slice(&bytes).map_err(|e| {
                GraphFailure(GraphError::invalid(format!(
                    "The request body is not valid JSON: {e}"
                )))
            })?;
            match body {
                Value::Object(o) => params.map.extend(o),
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

    /// `fields=...`, parsed; None when absent (the edge's default fields apply).
    pub fn fields(&self) -> Result<Option<Fields>, GraphFailure> {
        match self.list_text("fields")? {
            None => Ok(None),
            Some(s) => Fields::parse(&s).map(Some).map_err(|e| bad("fields", e)),
        }
    }

    /// `fields` may also come as a JSON array of names.
    fn list_text(&self, name: &str) -> Result<Option<String>, GraphFailure> {
        match self.value(name) {
            Some(Value::Array(_)) => Ok(self.list(name)?.map(|l| l.join(","))),
            _ => self.text(name),
        }
    }

    /// `limit`, `after` and `before`: `limit` is 1..=`max` (default `default`).
    pub fn page(&self, default: usize, max: usize) -> Result<PageRequest, GraphFailure> {
        let limit = match self.integer("limit")? {
            None => default,
            Some(n) if n >= 1 => usize::try_from(n).unwrap_or(max).min(max),
            Some(_) => return Err(bad("limit", "must be a positive number")),
        };
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
}

/// One `fields` item: a name, with the sub-fields of a nested expansion (`throughput{level}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub sub: Option<Fields>,
}

/// A parsed `fields` list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fields(pub Vec<Field>);

impl Fields {
    /// `a,b,c{x,y{z}}`; Graph modifiers like `.limit(5)` after a name are accepted and ignored.
    pub fn parse(text: &str) -> Result<Fields, String> {
        let mut chars = text.chars().peekable();
        let fields = Self::parse_list(&mut chars, 0)?;
        match chars.next() {
            None => Ok(fields),
            Some(c) => Err(format!("has an unexpected '{c}'")),
        }
    }

    fn parse_list(
        chars: &mut std::iter::Peekable<std::str::Chars>,
        depth: usize,
    ) -> Result<Fields, String> {
        if depth > 8 {
            return Err("nests too deep".into());
        }
        let mut out = Vec::new();
        loop {
            let mut name = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_ascii_alphanumeric() || c == '_' {
                    name.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            // `.limit(5)`-style modifiers.
            while chars.peek() == Some(&'.') {
                for c in chars.by_ref() {
                    if c == ')' {
                        break;
                    }
                }
            }
            let sub = if chars.peek() == Some(&'{') {
                chars.next();
                let sub = Self::parse_list(chars, depth + 1)?;
                if chars.next() != Some('}') {
                    return Err("has a '{' without its '}'".into());
                }
                Some(sub)
            } else {
                None
            };
            let name = name.trim().to_string();
            if !name.is_empty() {
                out.push(Field { name, sub });
            } else if sub.is_some() {
                return Err("has a '{' without a field name".into());
            }
            match chars.peek() {
                Some(',') => {
                    chars.next();
                }
                Some(' ') => {
                    chars.next();
                }
                _ => break,
            }
        }
        Ok(Fields(out))
    }

    pub fn get(&self, name: &str) -> Option<&Field> {
        self.0.iter().find(|f| f.name == name)
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// `object` cut down to these fields (and `id`, which Graph always answers); a nested
    /// expansion cuts the nested object (or each object of a nested list) the same way.
    pub fn project(&self, object: &Value) -> Value {
        let Value::Object(o) = object else {
            return object.clone();
        };
        let mut out = Map::new();
        for f in &self.0 {
            if let Some(v) = o.get(&f.name) {
                let v = match &f.sub {
                    None => v.clone(),
                    Some(sub) => match v {
                        Value::Array(items) => {
                            Value::Array(items.iter().map(|i| sub.project_all(i)).collect())
                        }
                        other => sub.project_all(other),
                    },
                };
                out.insert(f.name.clone(), v);
            }
        }
        if let Some(id) = o.get("id") {
            out.insert("id".into(), id.clone());
        }
        Value::Object(out)
    }

    /// Like `project`, without adding `id` unless named.
    fn project_all(&self, object: &Value) -> Value {
        match self.project(object) {
            Value::Object(mut m) if !self.has("id") => {
                m.remove("id");
                Value::Object(m)
            }
            v => v,
        }
    }
}

/// The paging parameters of a list call: `after`/`before` hold the decoded cursor keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: usize,
    pub after: Option<String>,
    pub before: Option<String>,
}

impl PageRequest {
    /// One page of `items` (in key order, `key` giving each item's cursor key): the items and
    /// the Graph `paging` object (`cursors`, plus `next`/`previous` only when there is more that
    /// way), the links rebuilt from the request's own scheme, host, path and query.
    pub fn cut<T>(
        &self,
        items: Vec<T>,
        key: impl Fn(&T) -> String,
        req: &HttpRequest,
    ) -> (Vec<T>, Value) {
        let total = items.len();
        let (start, end) = match (&self.after, &self.before) {
            (Some(a), _) => {
                let start = items.iter().position(|i| key(i) > *a).unwrap_or(total);
                (start, (start + self.limit).min(total))
            }
            (None, Some(b)) => {
                let end = items.iter().position(|i| key(i) >= *b).unwrap_or(total);
                (end.saturating_sub(self.limit), end)
            }
            (None, None) => (0, self.limit.min(total)),
        };
        let page: Vec<T> = items.into_iter().skip(start).take(end - start).collect();
        let mut paging = json!({});
        if let (Some(first), Some(last)) = (page.first(), page.last()) {
            let (before, after) = (encode_cursor(&key(first)), encode_cursor(&key(last)));
            paging["cursors"] = json!({ "before": before, "after": after });
            if end < total {
                paging["next"] = json!(link(req, "after", &after));
            }
            if start > 0 {
                paging["previous"] = json!(link(req, "before", &before));
            }
        }
        (page, paging)
    }
}

fn encode_cursor(key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.as_bytes())
}

fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor.trim().trim_end_matches('='))
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// This request's URL with `after`/`before` replaced by one cursor.
fn link(req: &HttpRequest, name: &str, cursor: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn fields_nest() {
        let f =
            Fields::parse("name,throughput{level},profile{about,x{y}},limited.limit(5)").unwrap();
        assert_eq!(f.0.len(), 4);
        assert_eq!(
            f.get("throughput").unwrap().sub.as_ref().unwrap().0[0].name,
            "level"
        );
        assert!(f.get("profile").unwrap().sub.as_ref().unwrap().has("x"));
        assert!(f.has("limited"));
        assert!(Fields::parse("a{b").is_err());
        assert!(Fields::parse("a}").is_err());
        let v = json!({"id": "1", "name": "n", "status": "S", "throughput": {"level": "H", "other": 1}});
        assert_eq!(
            Fields::parse("status,throughput{level}")
                .unwrap()
                .project(&v),
            json!({"id": "1", "status": "S", "throughput": {"level": "H"}})
        );
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
}
