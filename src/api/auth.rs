//! Authentication extractors: `Bearer` (any user), `Admin`, `Monitor` (bearer or `Apikey`).

use crate::domain::accounts::Principal;
use crate::state::AppState;
use crate::wa::ApiError;
use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, FromRequest, HttpRequest};
use std::future::{ready, Ready};
use subtle::ConstantTimeEq;

pub fn state(req: &HttpRequest) -> Result<&web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state missing"))
}

/// What a route without credentials asks for.
pub const SEND_BEARER: &str =
    "log in at POST /v1/users/login and send 'Authorization: Bearer <token>'";
pub const SEND_BASIC: &str = "send 'Authorization: Basic base64(username:password)'";
const SEND_BEARER_OR_APIKEY: &str =
    "send 'Authorization: Bearer <token>' (from POST /v1/users/login) or 'Authorization: Apikey <key>'";

/// The credentials of the `Authorization` header: (scheme lower-cased, value). Without the header,
/// 401 saying what to send (`wanted`, e.g. `SEND_BEARER`).
pub fn authorization(req: &HttpRequest, wanted: &str) -> Result<(String, String), ApiError> {
    let raw = req.headers().get(AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthenticated(format!("Missing Authorization header; {wanted}"))
    })?;
    let text = raw
        .to_str()
        .map_err(|_| ApiError::unauthenticated("Malformed Authorization header"))?;
    let (scheme, value) = text.trim().split_once(' ').ok_or_else(|| {
        ApiError::unauthenticated(
            "Malformed Authorization header: expected '<scheme> <credentials>'",
        )
    })?;
    Ok((scheme.to_ascii_lowercase(), value.trim().to_string()))
}

/// The bearer token of the request.
pub fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    match authorization(req, SEND_BEARER)? {
        (scheme, token) if scheme == "bearer" && !token.is_empty() => Ok(token),
        (scheme, _) => Err(ApiError::unauthenticated(format!(
            "Authorization scheme '{scheme}' is not accepted here; use Bearer"
        ))),
    }
}

/// Any logged-in user.
pub struct Bearer(pub Principal);

impl FromRequest for Bearer {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            bearer_token(req)
                .and_then(|t| state(req)?.accounts.authenticate(&t))
                .map(Bearer),
        )
    }
}

/// A logged-in admin (settings, users, certificates).
pub struct Admin(pub Principal);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, p: &mut Payload) -> Self::Future {
        ready(
            Bearer::from_request(req, p)
                .into_inner()
                .and_then(|Bearer(who)| {
                    if who.is_admin() {
                        Ok(Admin(who))
                    } else {
                        Err(ApiError::forbidden(format!(
                            "User {} has ROLE_USER; this route needs ROLE_ADMIN",
                            who.username
                        )))
                    }
                }),
        )
    }
}

/// A logged-in user or the configured API key (`Authorization: Apikey <key>`): health and stats.
pub struct Monitor;

impl FromRequest for Monitor {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, p: &mut Payload) -> Self::Future {
        let mut check = || {
            let (scheme, value) = authorization(req, SEND_BEARER_OR_APIKEY)?;
            if scheme == "apikey" {
                let st = state(req)?;
                let ok = st
                    .config
                    .api_key
                    .as_deref()
                    .is_some_and(|k| bool::from(k.as_bytes().ct_eq(value.as_bytes())));
                return if ok {
                    Ok(Monitor)
                } else {
                    Err(ApiError::unauthenticated("Invalid API key"))
                };
            }
            Bearer::from_request(req, p).into_inner().map(|_| Monitor)
        };
        ready(check())
    }
}
