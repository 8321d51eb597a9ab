//! SMSGateway24's own API under `/smsgateway24/getdata/{method}`: GET or POST, parameters from the
//! query string, an urlencoded or a multipart body (`$_REQUEST`), the `token` of the configured
//! account, answers `{"error":0|1,...}` (HTTP 200 both ways: UNCONFIRMED, the SDKs only read
//! `error`).

use super::auth::state;
use super::body::read_body;
use crate::domain::gateways::config::Smsgateway24Config;
use crate::domain::gateways::smsgateway24_api::{NewSms, PaketRef, Sms};
use crate::sms::form::{integer, Form};
use crate::sms::smsgateway24_api as wire;
use crate::wa::time::now_ms;
use crate::wa::ApiError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpRequest, HttpResponse};

/// An answer: a refusal is `{"error":1,"message":...}`.
type Answer = Result<String, String>;

fn respond(status: u16, body: String) -> HttpResponse {
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status)
            .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR),
    )
    .content_type("application/json")
    .body(body)
}

/// An emulator failure (store, body limits) in the gateway's envelope, with its HTTP status.
fn failed(e: ApiError) -> HttpResponse {
    respond(
        e.status,
        wire::error(e.details.as_deref().unwrap_or(e.title)),
    )
}

/// `$_REQUEST`: the query string, then the body's fields.
async fn params(req: &HttpRequest, payload: web::Payload) -> Result<Form, ApiError> {
    let limit = state(req)?.config.max_media_bytes;
    let bytes = read_body(req, payload, limit).await?;
    let ct = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let post = Form::from_body(ct, &bytes)
        .map_err(|e| ApiError::new(1025, format!("The multipart body does not parse: {e}")))?;
    Ok(Form::from_query(req.query_string()).merged(post))
}

/// The configured account whose token the call carries.
fn account(
    req: &HttpRequest,
    token: Option<&str>,
) -> Result<Result<Smsgateway24Config, String>, ApiError> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Ok(Err(wire::missing("token")));
    };
    Ok(match state(req)?.gateways.smsgateway24()? {
        Some(c) if c.token.as_deref() == Some(token) => Ok(c),
        _ => Err(wire::error(wire::TOKEN_INCORRECT)),
    })
}

macro_rules! method {
    ($(#[$doc:meta])* $name:ident, $body:expr) => {
        $(#[$doc])*
        pub async fn $name(req: HttpRequest, payload: web::Payload) -> HttpResponse {
            let f = match params(&req, payload).await {
                Ok(f) => f,
                Err(e) => return failed(e),
            };
            let run: Result<Answer, ApiError> = $body(&req, f).await;
            match run {
                Ok(Ok(body)) | Ok(Err(body)) => respond(200, body),
                Err(e) => failed(e),
            }
        }
    };
}

/// An optional integer parameter: absent or empty is None, anything but an integer refused.
fn int(f: &Form, name: &str) -> Result<Option<i64>, String> {
    match f.filled(name) {
        None => Ok(None),
        Some(t) => integer(t).map(Some).ok_or_else(|| wire::invalid(name)),
    }
}

/// A required integer parameter.
fn required_int(f: &Form, name: &str) -> Result<i64, String> {
    int(f, name)?.ok_or_else(|| wire::missing(name))
}

/// A text field that must be there and not empty, or the product's "missing" refusal.
fn required_text<'f>(f: &'f Form, name: &str) -> Result<&'f str, String> {
    f.filled(name).ok_or_else(|| wire::missing(name))
}

/// The device a call names: only the configured phone exists.
fn device(f: &Form, c: &Smsgateway24Config, required: bool) -> Result<Option<u64>, String> {
    let id = if required {
        Some(required_int(f, "device_id")?)
    } else {
        int(f, "device_id")?
    };
    match id {
        None => Ok(None),
        Some(id) if u64::try_from(id).ok() == c.device_id => Ok(c.device_id),
        Some(_) => Err(wire::error(wire::DEVICE_NOT_FOUND)),
    }
}

/// `addsms` parameters (also one `smsdata` item of `addalotofsms`, read from a form).
fn new_sms(f: &Form, c: &Smsgateway24Config) -> Result<NewSms, String> {
    let sendto = wire::normalise_sendto(f.text("sendto").unwrap_or(""));
    if sendto.is_empty() {
        return Err(wire::missing("sendto"));
    }
    let body = required_text(f, "body")?;
    device(f, c, true)?;
    let sim = match int(f, "sim")? {
        None => 0,
        Some(s @ 0..=1) => s as u8,
        Some(_) => return Err(wire::invalid("sim")),
    };
    let timetosend_ms = match f.filled("timetosend") {
        None => None,
        Some(t) => Some(
            crate::sms::parse_php_datetime(t)
                .ok_or_else(|| wire::invalid("timetosend"))?
                .saturating_mul(1000),
        ),
    };
    // The PHP SDK sends `customerId`: both spellings are read (case sensitivity UNCONFIRMED).
    let customer = if f.filled("customerid").is_some() {
        int(f, "customerid")?
    } else {
        int(f, "customerId").map_err(|_| wire::invalid("customerid"))?
    };
    let customerid = match customer {
        None => None,
        Some(n) => Some(u64::try_from(n).map_err(|_| wire::invalid("customerid"))?),
    };
    let urgent = match int(f, "urgent")? {
        None | Some(0) => false,
        Some(1) => true,
        Some(_) => return Err(wire::invalid("urgent")),
    };
    Ok(NewSms {
        sendto,
        body: body.to_string(),
        sim,
        timetosend_ms,
        customerid,
        urgent,
    })
}

/// The row as `getallsms` lists it.
fn item(s: &Sms, now: u64) -> wire::SmsItem {
    let status = s.status(now);
    wire::SmsItem {
        id: s.id,
        sendto: s.sendto.clone(),
        body: s.body.clone(),
        customerid: s.customerid,
        status,
        statustitle: wire::status_title(status),
        deviceid: s.device_id,
        urgent: s.urgent.then_some(true),
        created: wire::PhpDate::from_ms(s.created_ms),
        senttime: s.sent_ms(now).map(wire::PhpDate::from_ms),
        timetosend: wire::PhpDate::from_ms(s.timetosend_ms),
        sim: s.sim,
        paketid: s.paket.as_ref().map(|p| p.id),
        pakettitle: s.paket.as_ref().map(|p| p.title.clone()),
        paketbody: s.paket.as_ref().map(|p| p.body.clone()),
    }
}

/// Unwraps a parameter check inside a method body.
macro_rules! check {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(refusal) => return Ok(Err(refusal)),
        }
    };
}

method!(
    /// `gettoken(email, pass)`: the account's token.
    gettoken,
    |req: &HttpRequest, f: Form| {
        let st = state(req).cloned();
        async move {
            let st = st?;
            let email = check!(required_text(&f, "email"));
            let pass = check!(required_text(&f, "pass"));
            Ok(match st.gateways.smsgateway24()? {
                Some(c) if c.email.as_deref() == Some(email) && c.pass.as_deref() == Some(pass) => {
                    Ok(wire::token(c.token.as_deref().unwrap_or_default()))
                }
                _ => Err(wire::error(wire::LOGIN_INCORRECT)),
            })
        }
    }
);

method!(
    /// `addsms`: one SMS (a comma-separated `sendto` makes one per number; the answer names the
    /// first: UNCONFIRMED).
    addsms,
    |req: &HttpRequest, f: Form| {
        let st = state(req).cloned();
        let c = account(req, f.text("token"));
        async move {
            let st = st?;
            let c = check!(c?);
            let sms = check!(new_sms(&f, &c));
            let list: Vec<NewSms> = sms
                .sendto
                .split(',')
                .filter(|n| !n.is_empty())
                .map(|n| NewSms { sendto: n.to_string(), ..sms.clone() })
                .collect();
            if list.is_empty() {
                return Ok(Err(wire::missing("sendto")));
            }
            let ids = st.gateways.smsgateway24_send(list, None, &st.messaging.rules()).await?;
            Ok(Ok(wire::sms_saved(ids.first().copied().unwrap_or_default())))
        }
    }
);

method!(
    /// `addalotofsms`: the form field `datajson` = `{"token","smsdata":[...]}`; every item is
    /// checked before any is stored; no ids in the answer. (A raw JSON body, seen in one
    /// third-party client, is not read: UNCONFIRMED.)
    addalotofsms,
    |req: &HttpRequest, f: Form| {
        let st = state(req).cloned();
        let req = req.clone();
        async move {
            let st = st?;
            let Some(raw) = f.filled("datajson").map(str::to_string) else {
                return Ok(Err(wire::missing("datajson")));
            };
            let Ok(serde_json::Value::Object(data)) = serde_json::from_str::<serde_json::Value>(&raw) else {
                return Ok(Err(wire::invalid("datajson")));
            };
            let token = data.get("token").and_then(|t| t.as_str());
            let c = check!(account(&req, token)?);
            let Some(items) = data.get("smsdata").and_then(|s| s.as_array()) else {
                return Ok(Err(wire::missing("smsdata")));
            };
            if items.is_empty() {
                return Ok(Err(wire::missing("smsdata")));
            }
            let mut list = Vec::new();
            for it in items {
                let Some(obj) = it.as_object() else {
                    return Ok(Err(wire::invalid("smsdata")));
                };
                let mut form = Form::default();
                for (k, v) in obj {
                    let text = match v {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Number(n) => n.to_string(),
                        serde_json::Value::Bool(b) => u8::from(*b).to_string(),
                        serde_json::Value::Null => String::new(),
                        _ => return Ok(Err(wire::invalid(k))),
                    };
                    form.add(k, text);
                }
                list.push(check!(new_sms(&form, &c)));
            }
            st.gateways.smsgateway24_send(list, None, &st.messaging.rules()).await?;
            Ok(Ok(wire::many_saved()))
        }
    }
);

method!(
    /// `getsmsstatus(sms_id)`.
    getsmsstatus,
    |req: &HttpRequest, f: Form| {
        let st = state(req).cloned();
        let c = account(req, f.text("token"));
        async move {
            let st = st?;
            check!(c?);
            let id = check!(required_int(&f, "sms_id"));
            let Some(s) = u64::try_from(id).ok().map(|id| st.gateways.smsgateway24_sms(id)).transpose()?.flatten() else {
                return Ok(Err(wire::error(wire::SMS_NOT_FOUND)));
            };
            Ok(Ok(wire::sms_status(s.id, s.status(now_ms()))))
        }
    }
);

/// A `YYYY-MM-DD` filter date as unix ms (the start of that day, UTC).
fn day(f: &Form, name: &str) -> Result<Option<u64>, String> {
    match f.filled(name) {
        None => Ok(None),
        Some(t) if t.len() == 10 => crate::sms::parse_php_datetime(t)
            .map(|s| Some(s * 1000))
            .ok_or_else(|| wire::invalid(name)),
        Some(_) => Err(wire::invalid(name)),
    }
}

method!(
    /// `getallsms`: filters `device_id`, `status`, `begindate`/`enddate` (days, inclusive), `sim`,
    /// `customerid`, `phone`, `onlycount`, `orderbydesc`; `smss` keyed by id.
    getallsms,
    |req: &HttpRequest, f: Form| {
        let st = state(req).cloned();
        let c = account(req, f.text("token"));
        async move {
            let st = st?;
            let c = check!(c?);
            let device = check!(device(&f, &c, false));
            let status = check!(int(&f, "status"));
            let sim = check!(int(&f, "sim"));
            let customer = check!(int(&f, "customerid"));
            let begin = check!(day(&f, "begindate"));
            let end = check!(day(&f, "enddate")).map(|d| d + 86_400_000);
            let onlycount = check!(int(&f, "onlycount")).unwrap_or(0) == 1;
            let desc = check!(int(&f, "orderbydesc")).unwrap_or(0) == 1;
            let phone = f.filled("phone").map(wire::normalise_sendto);
            let now = now_ms();
            let mut items: Vec<wire::SmsItem> = st
                .gateways
                .smsgateway24_all()?
                .iter()
                .filter(|s| device.is_none_or(|d| s.device_id == d))
                .filter(|s| begin.is_none_or(|b| s.created_ms >= b))
                .filter(|s| end.is_none_or(|e| s.created_ms < e))
                .filter(|s| phone.as_ref().is_none_or(|p| s.sendto.contains(p.as_str())))
                .map(|s| item(s, now))
                .filter(|i| status.is_none_or(|v| i64::from(i.status) == v))
                .filter(|i| sim.is_none_or(|v| i64::from(i.sim) == v))
                .filter(|i| customer.is_none_or(|v| i.customerid.map(|c| c as i64) == Some(v)))
                .collect();
            if desc {
                items.reverse();
            }
            Ok(Ok(if onlycount { wire::sms_count(items.len()) } else { wire::all_sms(&items) }))
        }
    }
);

fn the_device(c: &Smsgateway24Config) -> wire::Device {
    let now = now_ms();
    wire::Device {
        device_id: c.device_id.unwrap_or_default(),
        title: c.device_name.clone().unwrap_or_default(),
        online: true,
        lastseen_ms: now - now % 1000,
        now_ms: now,
    }
}

method!(
    /// `getdevicestatus(device_id)`: the emulated phone is online and seen now.
    getdevicestatus,
    |req: &HttpRequest, f: Form| {
        let c = account(req, f.text("token"));
        async move {
            let c = check!(c?);
            check!(device(&f, &c, true));
            Ok(Ok(wire::device_status(&the_device(&c))))
        }
    }
);

method!(
    /// `getalldevices`: the emulated phone (answer shape UNCONFIRMED).
    getalldevices,
    |req: &HttpRequest, f: Form| {
        let c = account(req, f.text("token"));
        async move {
            let c = check!(c?);
            Ok(Ok(wire::all_devices(&[the_device(&c)])))
        }
    }
);

method!(
    /// `savetag(title)`.
    savetag,
    |req: &HttpRequest, f: Form| {
        let st = state(req).cloned();
        let c = account(req, f.text("token"));
        async move {
            let st = st?;
            check!(c?);
            let title = check!(required_text(&f, "title"));
            let id = st.gateways.smsgateway24_save_tag(title.to_string()).await?;
            Ok(Ok(wire::saved_id("tag_id", id)))
        }
    }
);

method!(
    /// `savecontact(phone, tag_id, fullname?)`.
    savecontact,
    |req: &HttpRequest, f: Form| {
        let st = state(req).cloned();
        let c = account(req, f.text("token"));
        async move {
            let st = st?;
            check!(c?);
            let phone = wire::normalise_sendto(check!(required_text(&f, "phone")));
            let tag = check!(required_int(&f, "tag_id"));
            let tag = match u64::try_from(tag).ok().map(|t| st.gateways.smsgateway24_tag(t)).transpose()?.flatten() {
                Some(t) => t.id,
                None => return Ok(Err(wire::invalid("tag_id"))),
            };
            let fullname = f.filled("fullname").map(str::to_string);
            let id = st.gateways.smsgateway24_save_contact(phone, tag, fullname).await?;
            Ok(Ok(wire::saved_id("contact_id", id)))
        }
    }
);

method!(
    /// `savepaket(title, device_id, body, tags, sim)`: a newsletter, sent now to every contact of
    /// the tags (`paket_id`, as the PHP SDK reads it).
    savepaket,
    |req: &HttpRequest, f: Form| {
        let st = state(req).cloned();
        let c = account(req, f.text("token"));
        async move {
            let st = st?;
            let c = check!(c?);
            let title = check!(required_text(&f, "title")).to_string();
            let body = check!(required_text(&f, "body")).to_string();
            check!(device(&f, &c, true));
            let sim = match check!(int(&f, "sim")) {
                None => 0,
                Some(s @ 0..=1) => s as u8,
                Some(_) => return Ok(Err(wire::invalid("sim"))),
            };
            let tags_text = check!(required_text(&f, "tags"));
            let mut tags = Vec::new();
            for t in tags_text.split(',') {
                match integer(t).and_then(|n| u64::try_from(n).ok()) {
                    Some(id) if st.gateways.smsgateway24_tag(id)?.is_some() => tags.push(id),
                    _ => return Ok(Err(wire::invalid("tags"))),
                }
            }
            let list: Vec<NewSms> = st
                .gateways
                .smsgateway24_contacts(&tags)?
                .into_iter()
                .map(|ct| NewSms {
                    sendto: ct.phone,
                    body: body.clone(),
                    sim,
                    timetosend_ms: None,
                    customerid: None,
                    urgent: false,
                })
                .collect();
            let paket = PaketRef { id: st.gateways.smsgateway24_paket_id()?, title, body };
            let id = paket.id;
            st.gateways.smsgateway24_send(list, Some(paket), &st.messaging.rules()).await?;
            Ok(Ok(wire::saved_id("paket_id", id)))
        }
    }
);

/// A method SMSGateway24 does not have (wording and status UNCONFIRMED).
pub async fn unknown(req: HttpRequest) -> HttpResponse {
    let name: String = req
        .path()
        .rsplit('/')
        .next()
        .unwrap_or("")
        .chars()
        .take(40)
        .collect();
    respond(404, wire::error(&format!("Method {name} not found")))
}

/// Another HTTP method on a method's path (405 and wording UNCONFIRMED).
pub async fn wrong_method(_req: HttpRequest) -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header(("Allow", "GET, HEAD, POST"))
        .content_type("application/json")
        .body(wire::error("Method not allowed"))
}
