//! `GET|POST|DELETE /{version}/{id}`: one path for every Graph object kind. The id decides the
//! kind; each kind has one branch here (phone numbers, message templates, media), and an
//! id of no kind answers Meta's unknown-object error (100, subcode 33, `GraphMethodException`,
//! HTTP 400). Paths with a trailing slash (`/{id}/`) land here too.

use super::params::Params;
use super::{app, authorize, media, phone_numbers, templates, version, GraphResult};
use crate::graph::GraphError;
use actix_web::{web, HttpRequest};

/// What an id names.
enum Object {
    PhoneNumber,
    Template(Box<crate::domain::templates::TemplateRecord>),
    Media,
    Unknown,
}

fn lookup(req: &HttpRequest, id: &str) -> Result<Object, super::GraphFailure> {
    let st = app(req)?;
    if st.cloud.config().number(id).is_some() {
        return Ok(Object::PhoneNumber);
    }
    if let Some(t) = st.cloud.templates.get(id) {
        return Ok(Object::Template(Box::new(t)));
    }
    if st.messaging.media.mime_type(id).is_some() {
        return Ok(Object::Media);
    }
    Ok(Object::Unknown)
}

fn id(req: &HttpRequest) -> String {
    req.match_info().get("id").unwrap_or("").to_string()
}

fn unknown(method: &str, id: &str) -> super::GraphFailure {
    GraphError::unknown_object(method, &crate::api::echo(id)).into()
}

pub async fn get(req: HttpRequest) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let id = id(&req);
    match lookup(&req, &id)? {
        Object::PhoneNumber => phone_numbers::get(req).await,
        Object::Template(t) => templates::get(&req, &t),
        Object::Media => media::get(req).await,
        Object::Unknown => Err(unknown("get", &id)),
    }
}

pub async fn post(req: HttpRequest, payload: web::Payload) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let id = id(&req);
    match lookup(&req, &id)? {
        Object::PhoneNumber => phone_numbers::update(req, payload).await,
        Object::Template(_) => {
            let p = Params::read(&req, payload).await?;
            templates::edit(&req, &id, p).await
        }
        Object::Media | Object::Unknown => Err(unknown("post", &id)),
    }
}

pub async fn delete(req: HttpRequest) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let id = id(&req);
    match lookup(&req, &id)? {
        Object::Media => media::delete(req).await,
        // Templates are deleted through their WABA (`DELETE /{waba-id}/message_templates`).
        Object::PhoneNumber | Object::Template(_) | Object::Unknown => Err(unknown("delete", &id)),
    }
}
