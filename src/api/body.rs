//! Request bodies: size limit, content type and JSON parsing, all answered in the On-Prem envelope.

use super::auth::state;
use crate::wa::ApiError;
use actix_web::dev::{Decompress, Payload};
use actix_web::http::header::{CONTENT_ENCODING, CONTENT_TYPE};
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

/// Reads the whole body, refusing more than `limit` bytes (by Content-Length or as it streams,
/// counted after decompression). A gzip `Content-Encoding` is decoded; other encodings answer 415,
/// a body that stalls for `--body-timeout-ms` answers 408, both with 1025.
pub async fn read_body(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::body_too_large(limit));
    }
    check_encoding(req)?;
    let mut payload = Decompress::from_headers(payload.into_inner(), req.headers());
    let idle = std::time::Duration::from_millis(state(req)?.config.body_timeout_ms);
    let mut buf = web::BytesMut::new();
    loop {
        let next = tokio::time::timeout(idle, payload.next())
            .await
            .map_err(|_| {
                ApiError::new(
                    1025,
                    format!("The request body sent nothing for {idle:?}: request refused"),
                )
                .with_status(408)
            })?;
        let Some(chunk) = next else { break };
        let chunk = chunk
            .map_err(|e| ApiError::new(1025, format!("Could not read the request body: {e}")))?;
        if buf.len() + chunk.len() > limit {
            return Err(ApiError::body_too_large(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// Bodies may be sent as is or gzip-compressed.
fn check_encoding(req: &HttpRequest) -> Result<(), ApiError> {
    let Some(value) = req.headers().get(CONTENT_ENCODING) else {
        return Ok(());
    };
    let encoding = value.to_str().unwrap_or("").trim().to_ascii_lowercase();
    match encoding.as_str() {
        "" | "identity" | "gzip" | "x-gzip" => Ok(()),
        _ => Err(ApiError::new(
            1025,
            format!(
                "Content-Encoding {} is not supported: send the body as is or gzip-compressed",
                String::from_utf8_lossy(value.as_bytes())
                    .chars()
                    .take(40)
                    .collect::<String>()
            ),
        )
        .with_status(415)),
    }
}

/// True when the request declares a JSON content type or none at all.
pub fn is_json(req: &HttpRequest) -> bool {
    match req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        None => true,
        Some(ct) => {
            let mime = crate::wa::mime_essence(ct);
            mime == "application/json" || mime.ends_with("+json")
        }
    }
}

/// Parses JSON into `T`, naming the offending field: 1008 missing, 1010 unknown (structs with
/// `deny_unknown_fields`), 1009 bad value, 1025 not JSON. Details never carry serde's
/// "at line N column M" suffix.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Most bodies are good: parse without tracking the path, and parse again with it only to
    // name what is wrong.
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = parsed.map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let full = inner.to_string();
        let msg = without_position(&full);
        match inner.classify() {
            serde_json::error::Category::Data => data_error(&path, msg),
            _ => not_json(msg),
        }
    })?;
    de.end()
        .map_err(|e| not_json(without_position(&e.to_string())))?;
    Ok(value)
}

fn not_json(msg: &str) -> ApiError {
    ApiError::new(1025, format!("The body is not valid JSON: {msg}"))
}

/// A well-formed body that does not fit the route's shape. `path` is serde_path_to_error's
/// (`.` for the top level; for an unknown field it already ends with that field's name).
fn data_error(path: &str, msg: &str) -> ApiError {
    let name = msg.split('`').nth(1).unwrap_or("?");
    let under = |parent: &str| {
        if parent == "." {
            name.to_string()
        } else {
            format!("{parent}.{name}")
        }
    };
    if msg.starts_with("missing field") {
        ApiError::missing(&under(path))
    } else if msg.starts_with("unknown field") {
        let named = path == name || path.ends_with(&format!(".{name}"));
        let field = if named { path.to_string() } else { under(path) };
        ApiError::unknown_field(&field)
    } else {
        ApiError::invalid(if path == "." { "body" } else { path }, msg)
    }
}

/// serde_json's message without its " at line N column M" suffix.
fn without_position(msg: &str) -> &str {
    let Some(at) = msg.rfind(" at line ") else {
        return msg;
    };
    let rest = &msg[at + " at line ".len()..];
    let positional = rest.split_once(" column ").is_some_and(|(line, column)| {
        [line, column]
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    });
    if positional {
        &msg[..at]
    } else {
        msg
    }
}

/// Reads a JSON body (Content-Type application/json or absent, within --max-json-bytes). An empty
/// body is `when_empty` where the route's body is optional, else 1025.
pub async fn json_body<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
    when_empty: Option<T>,
) -> Result<T, ApiError> {
    let wrong_type = || {
        ApiError::new(
            1025,
            "Send the body as JSON with 'Content-Type: application/json'",
        )
    };
    if when_empty.is_none() && !is_json(req) {
        return Err(wrong_type());
    }
    let limit = state(req)?.config.max_json_bytes;
    let bytes = read_body(req, payload, limit).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return when_empty.ok_or_else(|| {
            ApiError::new(
                1025,
                "The request body is empty; this route needs a JSON object",
            )
        });
    }
    if !is_json(req) {
        return Err(wrong_type());
    }
    parse_json(&bytes)
}

/// A JSON body of type `T` (Content-Type application/json or absent, within --max-json-bytes).
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = web::Payload::from_request(&req, payload).into_inner();
        Box::pin(async move {
            let payload = payload.map_err(|e| {
                ApiError::new(1025, format!("Could not read the request body: {e}"))
            })?;
            json_body(&req, payload, None).await.map(Json)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        body: String,
    }
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Msg {
        to: String,
        text: Inner,
        #[serde(default)]
        list: Vec<Inner>,
    }

    fn err(json: &str) -> (u32, String) {
        let e = parse_json::<Msg>(json.as_bytes()).unwrap_err();
        (e.code, e.details.unwrap_or_default())
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(
            err(r#"{"to":"1","text":{}}"#),
            (1008, "Missing required parameter: text.body".into())
        );
        let (code, details) = err(r#"{"to":1,"text":{"body":"x"}}"#);
        assert_eq!(code, 1009);
        assert!(details.starts_with("to:"), "{details}");
        assert_eq!(err(r#"{"to":"1""#).0, 1025);
        assert_eq!(err(r#"{"to":"1","text":{"body":"x"}} trailing"#).0, 1025);
    }

    #[test]
    fn unknown_fields_are_1010_named_by_path() {
        assert_eq!(
            err(r#"{"to":"1","text":{"body":"x"},"foo":2}"#),
            (1010, "foo: unknown field".into())
        );
        assert_eq!(
            err(r#"{"to":"1","text":{"body":"x","bar":2}}"#),
            (1010, "text.bar: unknown field".into())
        );
        assert_eq!(
            err(r#"{"to":"1","text":{"body":"x"},"list":[{"body":"y"},{"baz":1}]}"#),
            (1010, "list[1].baz: unknown field".into())
        );
    }

    #[test]
    fn no_serde_positions_in_details() {
        for json in [
            r#"{"to":1,"text":{"body":"x"}}"#,
            r#"{"to":"1","text":{"body":"x"},"foo":2}"#,
            r#"{"to":"1""#,
            r#"{"to":"1","text":{"body":"x"}} trailing"#,
            "{\n\"to\": [",
        ] {
            let (_, details) = err(json);
            assert!(!details.contains(" at line "), "{json} -> {details}");
        }
        assert_eq!(without_position("bad at line 1 column 37"), "bad");
        assert_eq!(without_position("seen at line 9"), "seen at line 9");
        assert_eq!(without_position("no suffix"), "no suffix");
    }
}
