//! Authentication extractors: `Bearer` (any user), `Admin`, `Monitor` (bearer or `Apikey`).
//!
//! A request without an `Authorization` header may instead carry the inspector's session cookie
//! (set by `POST /v1/emulator/session`). A cookie-authenticated request that changes state must
//! also carry `X-Inspector: 1` and, when it sends `Origin`, come from the emulator's own origin:
//! another site's form or script can do neither (SameSite=Strict keeps the cookie off cross-site
//! requests in the first place).

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

/// The credentials of the `Authorization` header: (scheme as sent, value), borrowed from the
/// request; compare the scheme with `eq_ignore_ascii_case`. Without the header, 401 saying what
/// to send (`wanted`, e.g. `SEND_BEARER`).
pub fn authorization<'r>(
    req: &'r HttpRequest,
    wanted: &str,
) -> Result<(&'r str, &'r str), ApiError> {
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
    Ok((scheme, value.trim()))
}

/// The bearer token of the request.
pub fn bearer_token(req: &HttpRequest) -> Result<&str, ApiError> {
    match authorization(req, SEND_BEARER)? {
        (scheme, token) if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() => Ok(token),
        (scheme, _) => Err(ApiError::unauthenticated(format!(
            "Authorization scheme '{}' is not accepted here; use Bearer",
            scheme.to_ascii_lowercase()
        ))),
    }
}

/// The inspector's session cookie: HttpOnly, Secure, SameSite=Strict, holding a login token.
pub const SESSION_COOKIE: &str = "wa_inspector_session";
/// The header a cookie-authenticated state-changing request must carry (value `1`).
pub const CSRF_HEADER: &str = "x-inspector";

/// The value of the session cookie, if the request carries one.
pub fn session_cookie(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get_all(actix_web::http::header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_string())
}

/// Refuses a state-changing request that a cookie alone would authorize unless it shows it comes
/// from the page itself: the `X-Inspector: 1` header, and a same-origin `Origin` when one is sent.
pub fn check_same_origin(req: &HttpRequest) -> Result<(), ApiError> {
    if matches!(req.method().as_str(), "GET" | "HEAD") {
        return Ok(());
    }
    let marked = req
        .headers()
        .get(CSRF_HEADER)
        .is_some_and(|v| v.as_bytes() == b"1");
    if !marked {
        return Err(ApiError::forbidden(
            "A request authenticated by the inspector's session cookie must send 'X-Inspector: 1'",
        ));
    }
    if let Some(origin) = req.headers().get(actix_web::http::header::ORIGIN) {
        let host = req
            .headers()
            .get(actix_web::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| req.uri().authority().map(|a| a.as_str()))
            .unwrap_or("");
        let origin_host = origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .map_or("", |(_, rest)| rest);
        if host.is_empty() || !origin_host.eq_ignore_ascii_case(host) {
            return Err(ApiError::forbidden(
                "A request authenticated by the inspector's session cookie must come from the emulator's own origin",
            ));
        }
    }
    Ok(())
}

/// Who sent the request: its bearer token, or (without an `Authorization` header) its session cookie.
pub fn principal(req: &HttpRequest) -> Result<Principal, ApiError> {
    if !req.headers().contains_key(AUTHORIZATION) {
        if let Some(token) = session_cookie(req) {
            check_same_origin(req)?;
            return state(req)?.accounts.authenticate(&token).map_err(|_| {
                ApiError::unauthenticated(
                    "The inspector session has ended; sign in again at POST /v1/emulator/session",
                )
            });
        }
    }
    bearer_token(req).and_then(|t| state(req)?.accounts.authenticate(t))
}

/// Any logged-in user.
pub struct Bearer(pub Principal);

impl FromRequest for Bearer {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(principal(req).map(Bearer))
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
            if !req.headers().contains_key(AUTHORIZATION) && session_cookie(req).is_some() {
                return Bearer::from_request(req, p).into_inner().map(|_| Monitor);
            }
            let (scheme, value) = authorization(req, SEND_BEARER_OR_APIKEY)?;
            if scheme.eq_ignore_ascii_case("apikey") {
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
