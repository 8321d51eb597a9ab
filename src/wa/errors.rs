//! The On-Prem error-code table and the one error type every handler returns (its HTTP answer is
//! made in `api::error`: this module knows no web framework).

use serde_json::{json, Value};

/// Title and HTTP status of a synchronous WhatsApp error code (the webapp's error map).
pub fn code_info(code: u32) -> (&'static str, u16) {
    match code {
        1000 => ("Generic error", 500),
        1001 => ("Message too long", 400),
        1002 => ("Invalid recipient type", 400),
        1004 => ("Resource already exists", 409),
        1005 => ("Access denied", 403),
        1006 => ("Resource not found", 404),
        1007 => ("Recipient blocked", 403),
        1008 => ("Required parameter is missing", 400),
        1009 => ("Parameter value is not valid", 400),
        1010 => ("Parameter is not required", 400),
        1011 => ("Service not ready", 500),
        1013 => ("User is not valid", 400),
        1014 => ("Internal error", 500),
        1015 => ("Too many requests", 429),
        1016 => ("System overloaded", 503),
        1017 => ("Not Primary Master", 500),
        1018 => ("Not Primary Coreapp", 500),
        1021 => ("Bad user", 400),
        1022 => ("Webhooks URL is not configured", 412),
        1023 => ("Database error", 500),
        1024 => ("Password change required", 401),
        1025 => ("Invalid request", 400),
        1026 => ("Receiver incapable", 501),
        2000 => ("Template param count mismatch", 400),
        2001 => ("Template missing", 404),
        2002 => ("Template fetch failed", 404),
        2003 => ("Template pack missing", 404),
        2004 => ("Template param length too long", 400),
        2005 => ("Template hydrated text too long", 400),
        2006 => ("Template param white space policy violated", 400),
        2007 => ("Template format character policy violated", 400),
        2008 => ("Template media format unsupported", 400),
        2009 => ("Template required component missing", 400),
        2010 => ("Template invalid hydrated URL", 400),
        2011 => ("Template invalid phone number", 400),
        2012 => ("Template parameter format mismatch", 400),
        2013 => ("Template buttons unsupported", 501),
        _ => ("Generic error", 500),
    }
}

/// Title of an asynchronous error code (in `statuses[].errors` and `errors` notifications).
pub fn async_title(code: u32) -> &'static str {
    match code {
        400 => "Media download error",
        402 => "Business eligibility payment issue",
        408 => "Message is not valid",
        410 => "Message expired",
        429 => "Rate limit hit",
        430 => "Certificate signature invalid",
        432 => "Certificate ID mismatch",
        433 => "Certificate signature invalid",
        470 => "Message failed to send because more than 24 hours have passed since the customer last replied to this number",
        471 => "User's number is part of an experiment",
        472 => "User's number is part of an experiment",
        480 => "User potentially changed",
        501 => "Unknown message type",
        _ => "Generic error",
    }
}

/// An On-Prem error: a WhatsApp code, its title, optional details, and the HTTP status.
///
/// The status comes from the code table, except for the few transport-level answers
/// (401 unauthenticated, 405 wrong method, 413 body too large) the table does not cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: u32,
    pub title: &'static str,
    pub details: Option<String>,
    pub status: u16,
    pub allow: Option<String>,
}

impl ApiError {
    pub fn new(code: u32, details: impl Into<String>) -> Self {
        let (title, status) = code_info(code);
        let details = details.into();
        ApiError {
            code,
            title,
            details: (!details.is_empty()).then_some(details),
            status,
            allow: None,
        }
    }
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
    // 1008 missing, 1009 invalid / body_too_large, 1010 unknown_field / not_allowed: see
    // `wa::invalid`.
    pub fn not_found(details: impl Into<String>) -> Self {
        Self::new(1006, details)
    }
    /// 401 with code 1005: no or bad credentials.
    pub fn unauthenticated(details: impl Into<String>) -> Self {
        Self::new(1005, details).with_status(401)
    }
    /// 403 with code 1005: authenticated but not allowed.
    pub fn forbidden(details: impl Into<String>) -> Self {
        Self::new(1005, details)
    }
    /// 1014 for an internal failure; the cause is logged, not shown.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error.cause_chain = %cause, "internal error");
        Self::new(1014, "Internal error, see the emulator's log")
    }
    pub fn method_not_allowed(method: &str, path: &str, allow: &str) -> Self {
        let mut e = Self::new(
            1025,
            format!("Method {method} is not allowed on {path}; allowed: {allow}"),
        )
        .with_status(405);
        e.allow = Some(allow.to_string());
        e
    }

    /// The JSON object used in `errors[]` (also the shape of webhook errors).
    pub fn to_json(&self) -> Value {
        let mut e = json!({ "code": self.code, "title": self.title });
        if let Some(d) = &self.details {
            e["details"] = Value::String(d.clone());
        }
        e
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.title)?;
        if let Some(d) = &self.details {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_statuses_match_the_webapp_map() {
        for (code, status) in [
            (1006, 404),
            (1008, 400),
            (1009, 400),
            (1005, 403),
            (1015, 429),
            (1016, 503),
            (1022, 412),
            (1024, 401),
            (1000, 500),
            (1014, 500),
            (1004, 409),
            (2001, 404),
        ] {
            assert_eq!(code_info(code).1, status, "code {code}");
        }
    }

    #[test]
    fn details_are_omitted_when_empty() {
        let e = ApiError::new(1006, "");
        assert_eq!(
            e.to_json(),
            json!({"code":1006,"title":"Resource not found"})
        );
        let e = ApiError::invalid("webhooks.url", "must be https");
        assert_eq!(e.to_json()["details"], "webhooks.url: must be https");
    }
}
