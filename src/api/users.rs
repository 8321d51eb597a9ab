//! `/v1/users`: login, logout and user management.

use super::auth::{authorization, bearer_token, state, SEND_BASIC};
use super::body::json_body;
use super::{created, echo, ok, ok_empty, Admin, Bearer, Json};
use crate::domain::accounts::{UserRecord, ROLE_ADMIN, ROLE_USER};
use crate::wa::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    new_password: Option<String>,
}

/// `POST /v1/users/login` with Basic auth and an optional `{"new_password"}`.
pub async fn login(req: HttpRequest, payload: web::Payload) -> Result<HttpResponse, ApiError> {
    let st = state(&req)?;
    let (scheme, value) = authorization(&req, SEND_BASIC)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(ApiError::unauthenticated(format!(
            "Authorization scheme '{}' is not accepted here; {SEND_BASIC}",
            scheme.to_ascii_lowercase()
        )));
    }
    let decoded = STANDARD
        .decode(value)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| ApiError::unauthenticated("Malformed Basic credentials"))?;
    let (username, password) = decoded.split_once(':').ok_or_else(|| {
        ApiError::unauthenticated("Malformed Basic credentials: expected username:password")
    })?;
    let body: LoginBody = json_body(&req, payload, Some(LoginBody::default())).await?;
    let (token, expires_after) = st
        .accounts
        .login(username, password, body.new_password.as_deref())
        .await?;
    Ok(ok(
        json!({ "users": [{ "token": token, "expires_after": expires_after }] }),
    ))
}

/// `POST /v1/users/logout`: revokes the bearer token.
pub async fn logout(req: HttpRequest, _who: Bearer) -> Result<HttpResponse, ApiError> {
    state(&req)?.accounts.logout(bearer_token(&req)?).await?;
    Ok(ok_empty())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    username: String,
    password: String,
    /// Emulator extension: `ROLE_USER` (default) or `ROLE_ADMIN`.
    #[serde(default, rename = "ROLES")]
    roles: Option<String>,
}

pub async fn create(
    req: HttpRequest,
    _admin: Admin,
    Json(body): Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    let role = match body.roles.as_deref() {
        None | Some(ROLE_USER) => ROLE_USER,
        Some(ROLE_ADMIN) => ROLE_ADMIN,
        Some(other) => {
            return Err(ApiError::invalid(
                "ROLES",
                format!("'{other}' is not ROLE_USER or ROLE_ADMIN"),
            ))
        }
    };
    state(&req)?
        .accounts
        .create_user(&body.username, &body.password, role)
        .await?;
    Ok(created(json!({ "users": [{ "username": body.username }] })))
}

fn user_json(u: &UserRecord) -> serde_json::Value {
    json!({ "username": u.username, "ROLES": u.role })
}

pub async fn list(req: HttpRequest, _admin: Admin) -> Result<HttpResponse, ApiError> {
    let users = state(&req)?.accounts.users()?;
    Ok(ok(
        json!({ "users": users.iter().map(user_json).collect::<Vec<_>>() }),
    ))
}

fn self_or_admin(who: &Bearer, username: &str) -> Result<(), ApiError> {
    if who.0.is_admin() || who.0.username == username {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "Only an admin may read or change another user",
        ))
    }
}

pub async fn get(
    req: HttpRequest,
    who: Bearer,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    self_or_admin(&who, &path)?;
    let user = state(&req)?
        .accounts
        .user(&path)?
        .ok_or_else(|| ApiError::not_found(format!("User {} does not exist", echo(&path))))?;
    Ok(ok(json!({ "users": [user_json(&user)] })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    password: String,
}

pub async fn update(
    req: HttpRequest,
    who: Bearer,
    path: web::Path<String>,
    Json(body): Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    self_or_admin(&who, &path)?;
    state(&req)?
        .accounts
        .set_password(&path, &body.password)
        .await?;
    Ok(ok(json!({ "users": [{ "username": path.as_str() }] })))
}

pub async fn delete(
    req: HttpRequest,
    _admin: Admin,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state(&req)?.accounts.delete_user(&path).await?;
    Ok(ok(json!({ "users": [{ "username": path.as_str() }] })))
}
