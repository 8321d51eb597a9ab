//! Request bodies: size limit, content type and JSON parsing, all answered in the On-Prem envelope.

use super::auth::state;
use crate::wa::ApiError;
use actix_web::dev::Payload;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

/// Reads the whole body, refusing more than `limit` bytes (by Content-Length or as it streams).
pub async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
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
    let mut buf = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::new(1025, format!("Could not read the request body: {e}")))?;
        if buf.len() + chunk.len() > limit {
            return Err(ApiError::body_too_large(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
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
            let mime = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        }
    }
}

/// Parses JSON into `T`, naming the offending field in 1008 / 1009 errors.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = parsed.map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.to_string();
        match inner.classify() {
            serde_json::error::Category::Data if msg.starts_with("missing field") => {
                let field = msg.split('`').nth(1).unwrap_or("?");
                let full = if path == "." {
                    field.to_string()
                } else {
                    format!("{path}.{field}")
                };
                ApiError::missing(&full)
            }
            serde_json::error::Category::Data => {
                ApiError::invalid(if path == "." { "body" } else { &path }, msg)
            }
            _ => ApiError::new(1025, format!("The body is not valid JSON: {msg}")),
        }
    })?;
    de.end()
        .map_err(|e| ApiError::new(1025, format!("The body is not valid JSON: {e}")))?;
    Ok(value)
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
    #[allow(dead_code)]
    struct Inner {
        body: String,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Msg {
        to: String,
        text: Inner,
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse_json::<Msg>(br#"{"to":"1","text":{}}"#).unwrap_err();
        assert_eq!(
            (e.code, e.details.as_deref()),
            (1008, Some("Missing required parameter: text.body"))
        );
        let e = parse_json::<Msg>(br#"{"to":1,"text":{"body":"x"}}"#).unwrap_err();
        assert_eq!(e.code, 1009);
        assert!(e.details.unwrap().starts_with("to:"));
        let e = parse_json::<Msg>(br#"{"to":"1""#).unwrap_err();
        assert_eq!(e.code, 1025);
        let e = parse_json::<Msg>(br#"{"to":"1","text":{"body":"x"}} trailing"#).unwrap_err();
        assert_eq!(e.code, 1025);
    }
}
