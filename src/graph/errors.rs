//! The Graph error envelope and the Cloud API code table:
//! `{"error":{"message":"(#code) title","type","code","error_data":{"messaging_product","details"},"fbtrace_id"}}`.

use crate::wa::ApiError;
use serde_json::{json, Value};

/// Title and HTTP status of a Cloud API error code (Meta's error-codes page, Nov 2025: throttling
/// codes answer 400; older pages said 429).
pub fn code_info(code: u32) -> (&'static str, u16) {
    match code {
        0 => ("AuthException", 401),
        3 => ("API Method", 500),
        4 => ("API Too Many Calls", 400),
        10 => ("Permission Denied", 403),
        100 => ("Invalid parameter", 400),
        190 => ("Access token has expired", 401),
        200..=299 => ("API Permission", 403),
        368 => ("Temporarily blocked for policies violations", 403),
        80007 => ("Rate limit issues", 400),
        130429 => ("Rate limit hit", 400),
        131000 => ("Something went wrong", 500),
        131005 => ("Access denied", 403),
        131008 => ("Required parameter is missing", 400),
        131009 => ("Parameter value is not valid", 400),
        131026 => ("Message Undeliverable", 400),
        131030 => ("Recipient phone number not in allowed list", 400),
        131031 => ("Account has been locked", 403),
        131042 => ("Business eligibility payment issue", 400),
        131045 => ("Incorrect certificate", 500),
        131047 => ("Re-engagement message", 400),
        131048 => ("Spam rate limit hit", 400),
        131049 => ("Meta chose not to deliver", 400),
        131050 => ("User stopped marketing messages", 400),
        131051 => ("Unsupported message type", 400),
        131052 => ("Media download error", 400),
        131053 => ("Media upload error", 400),
        131056 => (
            "(Business Account, Consumer Account) pair rate limit hit",
            400,
        ),
        132000 => ("Template param count mismatch", 400),
        132001 => ("Template does not exist", 404),
        132005 => ("Template hydrated text too long", 400),
        132007 => ("Template format character policy violated", 400),
        132012 => ("Template parameter format mismatch", 400),
        132015 => ("Template is paused", 400),
        132016 => ("Template is disabled", 400),
        131021 => ("Recipient cannot be sender", 400),
        133005 => ("Two step verification PIN Mismatch", 400),
        133006 => ("Phone number re-verification needed", 400),
        133008 => (
            "Too many two step verification PIN guesses for this phone number",
            400,
        ),
        133010 => ("Phone number not registered", 400),
        133016 => ("Account register deregister rate limit exceeded", 400),
        139100 => ("Failed to block/unblock users", 400),
        139101 => ("Blocklist limit reached", 400),
        139102 => ("Blocklist concurrent update", 400),
        139103 => ("Internal error", 500),
        _ => ("Something went wrong", 500),
    }
}

/// A Cloud API error: code, title, details and HTTP status, plus the optional Graph fields
/// (`error_subcode`, a `type` other than OAuthException, a `message` of its own, the
/// `error_user_title`/`error_user_msg` pair).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    pub code: u32,
    pub title: &'static str,
    pub details: String,
    pub status: u16,
    pub subcode: Option<u32>,
    /// The envelope's `type`: `OAuthException` unless set.
    pub kind: &'static str,
    /// The envelope's `message` when it is not `(#code) title`.
    pub message: Option<Box<str>>,
    /// `error_user_title` and `error_user_msg` (boxed: most errors have none).
    pub user: Option<Box<(String, String)>>,
}

impl GraphError {
    pub fn new(code: u32, details: impl Into<String>) -> GraphError {
        let (title, status) = code_info(code);
        GraphError {
            code,
            title,
            details: details.into(),
            status,
            subcode: None,
            kind: "OAuthException",
            message: None,
            user: None,
        }
    }

    /// 190 (401): a missing, unknown or expired access token.
    pub fn bad_token(details: impl Into<String>) -> GraphError {
        GraphError::new(190, details)
    }

    /// 190 for a token that is not one of the app's: Meta's own message, no subcode.
    pub fn invalid_token() -> GraphError {
        let text = "Invalid OAuth access token - Cannot parse access token";
        GraphError::new(190, text).with_message(text)
    }

    /// 190 with subcode 463 for an expired token, in Meta's wording.
    pub fn expired_token(expired_at_s: u64) -> GraphError {
        let text = format!(
            "Error validating access token: Session has expired at unix time {expired_at_s}."
        );
        GraphError::new(190, text.clone())
            .with_message(text)
            .with_subcode(463)
    }

    /// 100/33 (400, `GraphMethodException`): an object id that does not exist, or does not take
    /// this method, in Meta's words.
    pub fn unknown_object(method: &str, id: &str) -> GraphError {
        let id: String = id.chars().take(200).collect();
        let text = format!(
            "Unsupported {} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
            method.to_ascii_lowercase()
        );
        let mut e = GraphError::new(100, text.clone())
            .with_message(text)
            .with_subcode(33);
        e.kind = "GraphMethodException";
        e
    }

    /// A Graph-level parameter error in Meta's wording: `(#100) The parameter pin is required`.
    pub fn graph_param(text: impl Into<String>) -> GraphError {
        let text = format!("(#100) {}", text.into());
        GraphError::new(100, text.clone()).with_message(text)
    }

    /// 100 in Meta's words for a `fields` name the node type does not have.
    pub fn nonexisting_field(name: &str, node_type: &str) -> GraphError {
        GraphError::graph_param(format!(
            "Tried accessing nonexisting field ({}) on node type ({node_type})",
            name.chars().take(60).collect::<String>()
        ))
    }

    pub fn with_subcode(mut self, subcode: u32) -> GraphError {
        self.subcode = Some(subcode);
        self
    }

    pub fn with_message(mut self, message: impl Into<String>) -> GraphError {
        self.message = Some(message.into().into_boxed_str());
        self
    }

    /// `error_user_title` and `error_user_msg`, as Graph fills them for errors a person fixes.
    pub fn with_user(mut self, title: impl Into<String>, msg: impl Into<String>) -> GraphError {
        self.user = Some(Box::new((title.into(), msg.into())));
        self
    }

    /// 100: an invalid parameter.
    pub fn invalid(details: impl Into<String>) -> GraphError {
        GraphError::new(100, details)
    }

    pub fn with_status(mut self, status: u16) -> GraphError {
        self.status = status;
        self
    }

    /// The answer body: the Graph `error` envelope.
    pub fn to_json(&self, fbtrace_id: &str) -> Value {
        let mut e = json!({
            "message": self.message.as_deref().map_or_else(|| format!("(#{}) {}", self.code, self.title), str::to_string),
            "type": self.kind,
            "code": self.code,
            "error_data": { "messaging_product": "whatsapp", "details": self.details },
            "fbtrace_id": fbtrace_id,
        });
        if let Some(s) = self.subcode {
            e["error_subcode"] = json!(s);
        }
        if let Some((t, m)) = self.user.as_deref() {
            e["error_user_title"] = json!(t);
            e["error_user_msg"] = json!(m);
        }
        json!({ "error": e })
    }

    /// The object of `statuses[].errors[]` and `value.errors[]` in webhooks.
    pub fn to_webhook(&self) -> Value {
        json!({
            "code": self.code,
            "title": self.title,
            "message": self.title,
            "error_data": { "details": self.details },
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
        })
    }
}

/// The Cloud error for an On-Prem validation error, where the two APIs check the same rule.
pub fn from_onprem(e: &ApiError) -> GraphError {
    let details = e.details.clone().unwrap_or_else(|| e.title.to_string());
    let code = match e.code {
        1008 => 131008,
        1001 | 1002 | 1009 => 131009,
        1006 | 1010 | 1013 | 1025 => 100,
        1005 => 131005,
        1015 => 130429,
        c @ (2000 | 2001 | 2005 | 2007 | 2012) => 130000 + c,
        2002..=2013 => 132000,
        _ => 131000,
    };
    GraphError::new(code, details)
}

/// An asynchronous failure code in Cloud terms: the On-Prem codes the shared recipient rules and
/// forced statuses may carry become their Cloud equivalents (470 -> 131047, 1026 -> 131026);
/// Cloud codes pass as they are.
pub fn async_code(code: u32) -> u32 {
    match code {
        470 => 131047,
        1026 => 131026,
        c => c,
    }
}

impl std::fmt::Display for GraphError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(#{}) {}: {}", self.code, self.title, self.details)
    }
}

impl std::error::Error for GraphError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_has_meta_shape() {
        let e = GraphError::new(131030, "not allowed");
        let v = e.to_json("AbC");
        assert_eq!(
            v["error"]["message"],
            "(#131030) Recipient phone number not in allowed list"
        );
        assert_eq!(v["error"]["code"], 131030);
        assert_eq!(v["error"]["type"], "OAuthException");
        assert_eq!(v["error"]["error_data"]["messaging_product"], "whatsapp");
        assert_eq!(v["error"]["error_data"]["details"], "not allowed");
        assert_eq!(v["error"]["fbtrace_id"], "AbC");
        assert_eq!(GraphError::bad_token("x").status, 401);
        assert_eq!(GraphError::new(132001, "").status, 404);
    }

    #[test]
    fn an_unknown_object_answers_subcode_33_in_metas_words() {
        let v = GraphError::unknown_object("GET", "123").to_json("AbC");
        assert_eq!(v["error"]["code"], 100);
        assert_eq!(v["error"]["error_subcode"], 33);
        assert_eq!(v["error"]["type"], "GraphMethodException");
        assert!(v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Unsupported get request. Object with ID '123' does not exist"));
        let p = GraphError::graph_param("Param pin must be 6 characters long.").to_json("x");
        assert_eq!(
            p["error"]["message"],
            "(#100) Param pin must be 6 characters long."
        );
    }

    #[test]
    fn on_prem_codes_map_to_cloud_codes() {
        assert_eq!(from_onprem(&ApiError::missing("text.body")).code, 131008);
        assert_eq!(from_onprem(&ApiError::invalid("x", "y")).code, 131009);
        assert_eq!(from_onprem(&ApiError::new(1010, "")).code, 100);
        assert_eq!(from_onprem(&ApiError::new(2001, "")).code, 132001);
        assert_eq!(from_onprem(&ApiError::new(2000, "")).code, 132000);
        assert_eq!(from_onprem(&ApiError::new(1023, "")).code, 131000);
    }
}
