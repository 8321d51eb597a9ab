//! RaspiSMS's own API under `/raspisms/api/...` (controllers/publics/Api.php): the key from
//! `$_GET['api_key'] ?? $_POST['api_key'] ?? X-Api-Key`, parameters from `$_GET`/`$_POST` (a JSON
//! body is not read), real HTTP codes (GET 200/404, POST 201/400, DELETE 204/400, bad key 401),
//! the envelope as `htmlspecialchars(json_encode(...))`; an unknown path is an HTML 404 and a
//! known path with another method an HTML 500, as descartes' router answers.

use super::auth::state;
use super::body::read_body;
use crate::domain::gateways::config::RaspismsConfig;
use crate::domain::gateways::raspisms_api::{NewScheduled, Scheduled, Sended};
use crate::sms::form::{integer, Field, Form};
use crate::sms::raspisms_api as wire;
use crate::sms::{php_datetime, php_json_encode, php_object, urlencode};
use crate::wa::time::now_ms;
use crate::wa::ApiError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpRequest, HttpResponse};

fn respond(status: u16, content_type: &str, body: String) -> HttpResponse {
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status)
            .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR),
    )
    .content_type(content_type)
    .body(body)
}

fn json(status: u16, body: String) -> HttpResponse {
    respond(status, "application/json", body)
}

/// `auto_http_code(false)`: the failure code of the HTTP method.
fn failure_status(req: &HttpRequest) -> u16 {
    if req.method() == actix_web::http::Method::GET || req.method() == actix_web::http::Method::HEAD
    {
        404
    } else {
        400
    }
}

fn refuse(req: &HttpRequest, code: u32, message: &str) -> HttpResponse {
    json(failure_status(req), wire::failure(code, message))
}

fn invalid(req: &HttpRequest, detail: &str) -> HttpResponse {
    refuse(
        req,
        wire::INVALID_PARAMETER,
        &format!("{}{detail}", wire::INVALID_PARAMETER_MESSAGE),
    )
}

fn missing(req: &HttpRequest, detail: &str) -> HttpResponse {
    refuse(
        req,
        wire::MISSING_PARAMETER,
        &format!("{}{detail}", wire::MISSING_PARAMETER_MESSAGE),
    )
}

/// An emulator failure (store, body limits): its HTTP status, RaspiSMS's envelope.
fn failed(e: ApiError) -> HttpResponse {
    json(
        e.status,
        wire::failure(wire::CANNOT_CREATE, e.details.as_deref().unwrap_or(e.title)),
    )
}

/// A path no route matches.
pub async fn not_found(_req: HttpRequest) -> HttpResponse {
    respond(404, "text/html; charset=UTF-8", wire::NOT_FOUND_HTML.into())
}

/// A known path with a method its handler does not take.
pub async fn wrong_method(_req: HttpRequest) -> HttpResponse {
    respond(
        500,
        "text/html; charset=UTF-8",
        wire::SERVER_ERROR_HTML.into(),
    )
}

/// `$_GET`, `$_POST` (`$_FILES` ignored: MMS medias are not emulated).
async fn forms(req: &HttpRequest, payload: web::Payload) -> Result<(Form, Form), ApiError> {
    let limit = state(req)?.config.max_media_bytes;
    let bytes = read_body(req, payload, limit).await?;
    let ct = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let post = Form::from_body(ct, &bytes)
        .map_err(|e| ApiError::new(1025, format!("The multipart body does not parse: {e}")))?;
    Ok((Form::from_query(req.query_string()), post))
}

/// The user of the key, or the 401 answer.
fn user(req: &HttpRequest, get: &Form, post: &Form) -> Result<(RaspismsConfig, String), Refused> {
    let header = req.headers().get("X-Api-Key").and_then(|v| v.to_str().ok());
    let key = get
        .get("api_key")
        .or_else(|| post.get("api_key"))
        .map(|f| f.as_text().unwrap_or("").to_string())
        .or_else(|| header.map(str::to_string))
        .unwrap_or_default();
    let unauthorized = || {
        json(
            401,
            wire::failure(wire::INVALID_CREDENTIALS, wire::INVALID_CREDENTIALS_MESSAGE),
        )
    };
    if key.is_empty() {
        return Err(Box::new(unauthorized()));
    }
    let st = state(req).map_err(boxed)?;
    match st.gateways.raspisms().map_err(boxed)? {
        Some(c) if c.api_key.as_deref() == Some(key.as_str()) => Ok((c, key)),
        _ => Err(Box::new(unauthorized())),
    }
}

/// A refusal already answered (boxed: an `HttpResponse` is large).
type Refused = Box<HttpResponse>;

macro_rules! take {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(answer) => return *answer,
        }
    };
}

fn boxed(e: ApiError) -> Refused {
    Box::new(failed(e))
}

/// The phone a call names: only the configured one exists.
fn phone(req: &HttpRequest, f: &Form, c: &RaspismsConfig) -> Result<Option<u64>, Refused> {
    let Some(field) = f.get("id_phone").filter(|v| v.truthy()) else {
        return Ok(None);
    };
    match field.as_text().and_then(integer) {
        Some(id) if u64::try_from(id).ok() == c.id_phone => Ok(c.id_phone),
        _ => Err(Box::new(invalid(
            req,
            "id_phone : You must specify an id_phone number among thoses of user phones.",
        ))),
    }
}

/// `POST /api/scheduled/`.
pub async fn post_scheduled(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let (get, post) = take!(forms(&req, payload).await.map_err(boxed));
    let (c, _) = take!(user(&req, &get, &post));
    let text = post.get("text").filter(|t| t.truthy());
    let at = post
        .get("at")
        .filter(|t| t.truthy())
        .map(|t| t.as_text().unwrap_or("").to_string())
        .unwrap_or_else(|| php_datetime(now_ms() / 1000));
    let Some(text) = text else {
        return missing(&req, "text");
    };
    let Some(text) = text.as_text() else {
        return invalid(&req, "text must be a string.");
    };
    if text.chars().count() > wire::SMS_LENGTH_LIMIT {
        return invalid(&req, "text must be less than 1000 char.");
    }
    let Some(at_s) = crate::sms::is_php_datetime(&at)
        .then(|| crate::sms::parse_php_datetime(&at))
        .flatten()
    else {
        return invalid(&req, "at must be a date of format \"Y-m-d H:i:s\".");
    };
    if post.get("mms").is_some_and(Field::truthy) {
        return invalid(
            &req,
            "mms is set to true, but mms are disabled in settings.",
        );
    }
    let mut numbers = Vec::new();
    if let Some(list) = post.get("numbers") {
        for n in list.items() {
            let (number, data) = match n {
                Field::Text(t) => (t.as_str(), "[]".to_string()),
                Field::Array(_) => (
                    n.get("number").and_then(Field::as_text).unwrap_or(""),
                    n.get("data")
                        .and_then(Field::as_text)
                        .unwrap_or("[]")
                        .to_string(),
                ),
            };
            if let Some(e164) = wire::parse_phone(number) {
                numbers.push((e164, data));
            }
        }
    }
    // No contacts or groups exist in the emulator: naming one cannot create the entry.
    let others = ["contacts", "groups", "conditional_groups"]
        .iter()
        .any(|k| post.get(k).is_some_and(Field::truthy));
    if numbers.is_empty() && !others {
        return missing(
            &req,
            "You must specify at least one valid number, contact, group or conditional_group.",
        );
    }
    let id_phone = take!(phone(&req, &post, &c));
    if post.get("id_phone_group").is_some_and(Field::truthy) {
        return invalid(
            &req,
            "id_phone_group : You must specify an id_phone_group among thoses of user phone groups.",
        );
    }
    if others {
        return refuse(&req, wire::CANNOT_CREATE, "Cannot create a new entry.");
    }
    let new = NewScheduled {
        at_ms: at_s.saturating_mul(1000),
        text: text.to_string(),
        id_phone,
        flash: post.get("flash").is_some_and(Field::truthy),
        mms: false,
        tag: post.filled("tag").map(str::to_string),
        numbers,
    };
    schedule(&req, new, 201).await
}

async fn schedule(req: &HttpRequest, new: NewScheduled, status: u16) -> HttpResponse {
    let st = take!(state(req).map_err(boxed));
    match st
        .gateways
        .raspisms_schedule(new, &st.messaging.rules())
        .await
    {
        Ok(id) => json(status, wire::ok(&id.to_string())),
        Err(e) => failed(e),
    }
}

/// `GET /api/send-sms/?to=&text=[&id_phone=]`: one number, now; failures answer 404.
pub async fn send_sms(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let (get, post) = take!(forms(&req, payload).await.map_err(boxed));
    let (c, _) = take!(user(&req, &get, &post));
    let to = get.text("to").and_then(wire::parse_phone);
    let text = get
        .get("text")
        .filter(|t| t.truthy())
        .and_then(Field::as_text);
    if to.is_none() || text.is_none() {
        return missing(
            &req,
            &format!(
                "{}{}",
                if to.is_some() { "" } else { "to " },
                if text.is_some() { "" } else { "text" }
            ),
        );
    }
    let (Some(to), Some(text)) = (to, text) else {
        return missing(&req, "to text");
    };
    if text.chars().count() > wire::SMS_LENGTH_LIMIT {
        return invalid(&req, "text must be less than 1000 char.");
    }
    let id_phone = take!(phone(&req, &get, &c));
    let new = NewScheduled {
        at_ms: now_ms(),
        text: text.to_string(),
        id_phone,
        flash: false,
        mms: false,
        tag: None,
        numbers: vec![(to, "[]".into())],
    };
    schedule(&req, new, 200).await
}

/// `DELETE /api/scheduled/{id}/`: 204 (its `"response":true` body dropped), or 400 with 32.
pub async fn delete_scheduled(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let (get, post) = take!(forms(&req, payload).await.map_err(boxed));
    take!(user(&req, &get, &post));
    let Some(id) = req
        .match_info()
        .get("id")
        .and_then(integer)
        .and_then(|n| u64::try_from(n).ok())
    else {
        return not_found(req).await;
    };
    let st = take!(state(&req).map_err(boxed));
    match st.gateways.raspisms_delete_scheduled(id).await {
        Ok(true) => json(204, wire::ok("true")),
        Ok(false) => refuse(&req, wire::CANNOT_DELETE, wire::CANNOT_DELETE_MESSAGE),
        Err(e) => failed(e),
    }
}

/// Which slice of a list a route asks for.
enum Slice {
    Page(usize),
    After(u64),
    Before(u64),
}

pub async fn list(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    entries(req, payload, Some(Slice::Page(0))).await
}

pub async fn list_page(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let page = req
        .match_info()
        .get("page")
        .and_then(integer)
        .and_then(|n| usize::try_from(n).ok());
    entries(req, payload, page.map(Slice::Page)).await
}

pub async fn list_after(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let id = path_id(&req);
    entries(req, payload, id.map(Slice::After)).await
}

pub async fn list_before(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let id = path_id(&req);
    entries(req, payload, id.map(Slice::Before)).await
}

fn path_id(req: &HttpRequest) -> Option<u64> {
    req.match_info()
        .get("id")
        .and_then(integer)
        .and_then(|n| u64::try_from(n).ok())
}

fn sended_row(s: &Sended, now: u64) -> (u64, String) {
    let row = wire::SendedRow {
        id: s.id,
        at: php_datetime(s.at_ms / 1000),
        text: s.text.clone(),
        destination: s.destination.clone(),
        flash: u8::from(s.flash),
        status: s.status(now).to_string(),
        uid: s.uid.clone(),
        adapter: wire::ADAPTER.into(),
        id_user: s.id_user,
        id_phone: s.id_phone,
        mms: u8::from(s.mms),
        created_at: php_datetime(s.at_ms / 1000),
        updated_at: php_datetime(s.updated_ms(now) / 1000),
        originating_scheduled: Some(s.originating_scheduled),
        tag: s.tag.clone(),
        medias: vec![],
    };
    (s.id, php_json_encode(&row))
}

fn scheduled_row(s: &Scheduled) -> (u64, String) {
    let row = wire::ScheduledRow {
        id: s.id,
        id_user: s.id_user,
        id_phone: s.id_phone,
        at: php_datetime(s.at_ms / 1000),
        text: s.text.clone(),
        flash: u8::from(s.flash),
        mms: u8::from(s.mms),
        tag: s.tag.clone(),
        created_at: php_datetime(s.created_ms / 1000),
        updated_at: php_datetime(s.created_ms / 1000),
        numbers: s
            .numbers
            .iter()
            .map(|n| wire::ScheduledNumber {
                id: n.id,
                id_scheduled: s.id,
                number: n.number.clone(),
                data: n.data.clone(),
            })
            .collect(),
        contacts: vec![],
        groups: vec![],
        conditional_groups: vec![],
        medias: vec![],
    };
    (s.id, php_json_encode(&row))
}

/// Every row of a type, by id, encoded.
fn rows(
    req: &HttpRequest,
    c: &RaspismsConfig,
    entry_type: &str,
) -> Result<Vec<(u64, String)>, ApiError> {
    let st = state(req)?;
    let now = now_ms();
    Ok(match entry_type {
        "sended" => st
            .gateways
            .raspisms_sended(now)?
            .iter()
            .map(|s| sended_row(s, now))
            .collect(),
        "scheduled" => st
            .gateways
            .raspisms_scheduled(now)?
            .iter()
            .map(scheduled_row)
            .collect(),
        "received" => st
            .gateways
            .raspisms_received()?
            .iter()
            .map(|r| {
                let row = wire::ReceivedRow {
                    id: r.id,
                    at: php_datetime(r.at_ms / 1000),
                    text: r.text.clone(),
                    origin: r.origin.clone(),
                    command: u8::from(r.command),
                    status: "unread".into(),
                    id_user: r.id_user,
                    id_phone: r.id_phone,
                    mms: u8::from(r.mms),
                    created_at: php_datetime(r.at_ms / 1000),
                    updated_at: php_datetime(r.at_ms / 1000),
                    medias: vec![],
                };
                (r.id, php_json_encode(&row))
            })
            .collect(),
        "phone" => {
            let id = c.id_phone.unwrap_or(1);
            let row = wire::PhoneRow {
                id,
                id_user: c.id_user.unwrap_or(1),
                name: "Emulated phone".into(),
                adapter: wire::ADAPTER.into(),
                adapter_data: "{}".into(),
                priority: 0,
                status: "available".into(),
                created_at: php_datetime(0),
                updated_at: php_datetime(0),
            };
            vec![(id, php_json_encode(&row))]
        }
        // Contacts, groups, conditional groups, phone groups and medias are not emulated.
        _ => vec![],
    })
}

/// `GET /api/list/{entry_type}/...`: 25 rows by id, `next`/`prev` as absolute URLs.
async fn entries(req: HttpRequest, payload: web::Payload, slice: Option<Slice>) -> HttpResponse {
    let (get, post) = take!(forms(&req, payload).await.map_err(boxed));
    let (c, key) = take!(user(&req, &get, &post));
    let Some(slice) = slice else {
        return not_found(req).await;
    };
    let entry_type = req.match_info().get("entry_type").unwrap_or("").to_string();
    if !wire::ENTRY_TYPES.contains(&entry_type.as_str()) {
        return invalid(
            &req,
            &format!(
                "entry_type must be one of : {}.",
                wire::ENTRY_TYPES.join(", ")
            ),
        );
    }
    let all = take!(rows(&req, &c, &entry_type).map_err(boxed));
    let n = wire::PAGE_SIZE;
    let (page, first_page): (Vec<&(u64, String)>, bool) = match slice {
        Slice::Page(p) => (
            all.iter().skip(p.saturating_mul(n)).take(n).collect(),
            p == 0,
        ),
        Slice::After(id) => (all.iter().filter(|(i, _)| *i > id).take(n).collect(), false),
        Slice::Before(id) => {
            let before: Vec<_> = all.iter().filter(|(i, _)| *i < id).collect();
            let skip = before.len().saturating_sub(n);
            (before.into_iter().skip(skip).collect(), false)
        }
    };
    let info = req.connection_info();
    let base = format!(
        "{}://{}/raspisms/api/list/{entry_type}",
        info.scheme(),
        info.host()
    );
    let link = |dir: &str, id: u64| format!("{base}/{dir}/{id}/?api_key={}", urlencode(&key));
    let next = (page.len() == n)
        .then(|| page.last().map(|(id, _)| link("after", *id)))
        .flatten();
    let prev = (!first_page)
        .then(|| page.first().map(|(id, _)| link("before", *id)))
        .flatten();
    let body: Vec<&str> = page.iter().map(|(_, j)| j.as_str()).collect();
    json(
        200,
        wire::envelope(
            0,
            None,
            &format!("[{}]", body.join(",")),
            next.as_deref(),
            prev.as_deref(),
        ),
    )
}

/// An optional `Y-m-d H:i:s` filter as unix ms.
fn date(req: &HttpRequest, f: &Form, name: &str) -> Result<Option<u64>, Refused> {
    let Some(t) = f.filled(name) else {
        return Ok(None);
    };
    crate::sms::is_php_datetime(t)
        .then(|| crate::sms::parse_php_datetime(t))
        .flatten()
        .map(|s| Some(s * 1000))
        .ok_or_else(|| {
            Box::new(invalid(
                req,
                &format!("{name} must be a date of format \"Y-m-d H:i:s\"."),
            ))
        })
}

/// SQL `LIKE` with `%` and `_` wildcards.
fn like(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('%', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some(('_', rest)) => !t.is_empty() && go(rest, &t[1..]),
            Some((c, rest)) => {
                t.first().is_some_and(|x| x.eq_ignore_ascii_case(c)) && go(rest, &t[1..])
            }
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t)
}

/// The sended rows between `start` and `end` (inclusive), optionally of one phone or tag.
fn sended_between(req: &HttpRequest, get: &Form) -> Result<Vec<Sended>, Refused> {
    let start = date(req, get, "start")?;
    let end = date(req, get, "end")?;
    let st = state(req).map_err(boxed)?;
    let mut list = st.gateways.raspisms_sended(now_ms()).map_err(boxed)?;
    list.retain(|s| start.is_none_or(|a| s.at_ms >= a) && end.is_none_or(|e| s.at_ms < e + 1000));
    if let Some(tag) = get.filled("tag") {
        list.retain(|s| s.tag.as_deref().is_some_and(|t| like(tag, t)));
    }
    Ok(list)
}

/// `GET /api/usage/?start=&end=&tag=`: `{"total","phones_volumes":{id_phone: n}}`.
pub async fn usage(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let (get, post) = take!(forms(&req, payload).await.map_err(boxed));
    take!(user(&req, &get, &post));
    let list = take!(sended_between(&req, &get));
    let mut volumes: std::collections::BTreeMap<u64, usize> = Default::default();
    for s in &list {
        *volumes.entry(s.id_phone).or_default() += 1;
    }
    let keyed: Vec<(String, String)> = volumes
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let pairs: Vec<(&str, String)> = keyed.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let volumes = if pairs.is_empty() {
        "[]".to_string()
    } else {
        php_object(&pairs)
    };
    let response = php_object(&[
        ("total", list.len().to_string()),
        ("phones_volumes", volumes),
    ]);
    json(200, wire::ok(&response))
}

/// `GET /api/stats/sms-status/?start=&end=&id_phone=`: counts by day, phone and status.
pub async fn sms_status_stats(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let (get, post) = take!(forms(&req, payload).await.map_err(boxed));
    let (c, _) = take!(user(&req, &get, &post));
    let id_phone = take!(phone(&req, &get, &c));
    let mut list = take!(sended_between(&req, &get));
    if let Some(p) = id_phone {
        list.retain(|s| s.id_phone == p);
    }
    let now = now_ms();
    let mut groups: std::collections::BTreeMap<(String, u64, String), usize> = Default::default();
    for s in &list {
        let day = php_datetime(s.at_ms / 1000)[..10].to_string();
        *groups
            .entry((day, s.id_phone, s.status(now).to_string()))
            .or_default() += 1;
    }
    let rows: Vec<String> = groups
        .iter()
        .map(|((day, phone, status), nb)| {
            php_object(&[
                ("at_ymd", php_json_encode(day)),
                ("id_phone", phone.to_string()),
                ("nb", nb.to_string()),
                ("status", php_json_encode(status)),
            ])
        })
        .collect();
    json(200, wire::ok(&format!("[{}]", rows.join(","))))
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_is_sqls() {
        assert!(like("promo%", "Promo-May"));
        assert!(like("%may", "promo-may"));
        assert!(like("a_c", "abc"));
        assert!(!like("a_c", "abbc"));
        assert!(like("%", ""));
    }
}
