//! The Cloud API's Graph routes (`/{version}/...`, version like `v19.0`). Every answer, failures
//! included, is in the Graph shape: `{"error":{message, type, code, error_data, fbtrace_id}}`.

pub mod blocks;
pub mod business;
pub mod media;
pub mod messages;
pub mod objects;
pub mod params;
pub mod phone_numbers;
pub mod qr;
pub mod subscribed_apps;
pub mod templates;

use super::auth::state;
use crate::graph::{ids, GraphError, Version};
use crate::state::AppState;
use crate::wa::ApiError;
use actix_web::http::header::AUTHORIZATION;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

/// A Graph error as an HTTP answer.
#[derive(Debug)]
pub struct GraphFailure(pub GraphError);

impl std::fmt::Display for GraphFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<GraphError> for GraphFailure {
    fn from(e: GraphError) -> Self {
        GraphFailure(e)
    }
}

/// Transport-level On-Prem answers (413, 408, 415, a failing store) in Graph terms, same status.
impl From<ApiError> for GraphFailure {
    fn from(e: ApiError) -> Self {
        let status = e.status;
        let g = crate::graph::errors::from_onprem(&e);
        GraphFailure(if matches!(status, 408 | 413 | 415) {
            g.with_status(status)
        } else {
            g
        })
    }
}

impl ResponseError for GraphFailure {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        if self.0.code == 190 {
            res.insert_header((
                "WWW-Authenticate",
                "OAuth \"Facebook Platform\" \"invalid_token\"",
            ));
        }
        res.json(self.0.to_json(&ids::fbtrace_id()))
    }
}

pub type GraphResult = Result<HttpResponse, GraphFailure>;

pub(crate) fn app(req: &HttpRequest) -> Result<&web::Data<AppState>, GraphFailure> {
    state(req).map_err(GraphFailure::from)
}

/// The bearer access token (or `?access_token=`), checked against the Cloud configuration:
/// missing, unknown or expired answers 190 (401). `appsecret_proof` is tolerated, not checked.
pub(crate) fn authorize(req: &HttpRequest) -> Result<(), GraphFailure> {
    let st = app(req)?;
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let token = match header.and_then(|h| h.trim().split_once(' ')) {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => Some(t.trim().to_string()),
        _ => {
            web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
                .ok()
                .and_then(|q| q.get("access_token").cloned())
        }
    };
    let Some(token) = token else {
        return Err(GraphError::bad_token(
            "An active access token must be used: send 'Authorization: Bearer <access token>' (GET /v1/emulator/cloud lists them)",
        )
        .into());
    };
    use crate::domain::cloud::config::TokenProblem;
    st.cloud.config().token_ok(&token).map_err(|why| {
        GraphFailure(match why {
            TokenProblem::Unknown => GraphError::invalid_token(),
            TokenProblem::Expired { at_s } => GraphError::expired_token(at_s),
        })
    })
}

/// What an unversioned Graph call gets (Graph uses a default version for those; which one is
/// UNCONFIRMED, the emulator takes v23.0, the version of Meta's OpenAPI description).
pub const DEFAULT_VERSION: Version = Version {
    major: 23,
    minor: 0,
};

/// The `{version}` path segment (the route only matches `vNN.N`); the default when the path has
/// none.
pub(crate) fn version(req: &HttpRequest) -> Result<Version, GraphFailure> {
    let Some(v) = req.match_info().get("version") else {
        return Ok(DEFAULT_VERSION);
    };
    Version::parse(v)
        .ok_or_else(|| GraphError::invalid(format!("Unknown version: {}", super::echo(v))).into())
}

/// Any path under a version the router does not know, and wrong methods.
pub async fn unknown(req: HttpRequest) -> GraphResult {
    Err(GraphError::invalid(format!(
        "Unknown path components: {} {}",
        super::echo(req.method().as_str()),
        super::echo(req.path())
    ))
    .into())
}

/// A method a Graph path does not take: 405 with `Allow`, in the Graph envelope (code 100).
pub async fn method_not_allowed(req: HttpRequest, allow: String) -> HttpResponse {
    let e = GraphError::invalid(format!(
        "Unsupported {} request on {}; allowed: {allow}",
        super::echo(req.method().as_str()),
        super::echo(req.path())
    ))
    .with_status(405);
    HttpResponse::MethodNotAllowed()
        .insert_header(("Allow", allow))
        .json(e.to_json(&ids::fbtrace_id()))
}
