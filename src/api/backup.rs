//! `POST /v1/settings/backup` and `POST /v1/settings/restore` (admin): application settings and
//! profile, sealed with the password (see `domain::backup`).

use super::auth::state;
use super::{ok, ok_empty, Admin, Json};
use crate::domain::backup::{self, BackupContents};
use crate::store::Batch;
use crate::wa::ApiError;
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupBody {
    password: String,
}

pub async fn backup(
    req: HttpRequest,
    _admin: Admin,
    Json(body): Json<BackupBody>,
) -> Result<HttpResponse, ApiError> {
    let st = state(&req)?;
    let contents = BackupContents {
        application: (*st.settings.current()).clone(),
        profile: st.profile.snapshot()?,
    };
    let data = backup::seal(
        &contents,
        &body.password,
        st.config.password_hash_iterations,
    )
    .await?;
    Ok(ok(json!({ "settings": { "data": data } })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestoreBody {
    password: String,
    data: String,
}

/// Opens and checks the whole backup first, then writes settings and profile in one commit:
/// a refused restore changes nothing.
pub async fn restore(
    req: HttpRequest,
    _admin: Admin,
    Json(body): Json<RestoreBody>,
) -> Result<HttpResponse, ApiError> {
    let st = state(&req)?;
    let mut contents = backup::open(&body.data, &body.password).await?;
    if let Some(business) = contents.profile.business.take() {
        contents.profile.business = Some(business.checked()?);
    }
    if let Some(about) = contents.profile.about.take() {
        contents.profile.about = Some(crate::domain::profile::About::parse(about.text)?);
    }
    if let Some(photo) = contents.profile.photo.take() {
        contents.profile.photo = Some(crate::domain::profile::Photo::parse(&photo.bytes()?)?);
    }
    let mut batch = Batch::default();
    st.profile.restore_into(&contents.profile, &mut batch)?;
    st.settings
        .replace_with(contents.application, batch)
        .await?;
    Ok(ok_empty())
}
