//! `/send/{sms,sms.bulk,whatsapp,ussd,otp}`: the product's checks in the product's order, then
//! the rows and their status plans in one commit. Nothing is stored on a refused call.

use super::records::{ChatKind, Mode, Otp, SentChat, SentSms, Upload, UssdRequest};
use super::{failed, Call};
use crate::domain::gateways::config::{Gateway, ZenderConfig};
use crate::domain::gateways::events::EventRequest;
use crate::domain::gateways::Gateways;
use crate::simulator::rules::{find, Action, Rule};
use crate::sms::zender_api::*;
use crate::store::{Batch, Store};
use crate::wa::time::now_ms;
use rand::Rng;
use std::sync::Arc;

type Result<T> = std::result::Result<T, Answer>;

/// The one gateway of the emulated site's credits mode.
const GATEWAY_ID: i64 = 1;
const GATEWAY_NAME: &str = "Emulator Gateway";

fn bad() -> Answer {
    Answer::new(400, INVALID_PARAMETERS)
}

fn permit(c: &ZenderConfig, permission: &str) -> Result<()> {
    if c.api.allows(permission) {
        Ok(())
    } else {
        Err(Answer::new(403, NO_PERMISSION))
    }
}

fn pick(n: usize) -> usize {
    rand::thread_rng().gen_range(0..n.max(1))
}

/// The answer of a send: `data.messageId`, or `false` in the older builds' variant.
fn sent_answer(c: &ZenderConfig, message: &str, id: u64) -> Answer {
    if c.api.send_returns_id {
        Answer::with(200, message, &MessageId { message_id: id })
    } else {
        Answer::new(200, message)
    }
}

/// Who sends an SMS: the linked device (devices mode) or the gateway (credits mode).
struct Sender {
    mode: Mode,
    sender: String,
    sender_type: &'static str,
    sim: u8,
    priority: u8,
}

/// The mode/device/sim/priority/gateway/shortener checks of send/sms and send/sms.bulk.
fn sender(c: &ZenderConfig, p: &Params) -> Result<Sender> {
    let s = match p.get("mode") {
        Some("devices") => {
            let device = p.get("device").ok_or_else(bad)?;
            let sim = p
                .int("sim")
                .map_err(|_| Answer::new(400, SIM_NOT_INT))?
                .unwrap_or(1);
            let priority = p
                .int("priority")
                .map_err(|_| Answer::new(400, PRIORITY_NOT_INT))?
                .unwrap_or(0);
            if c.device.as_deref() != Some(device) {
                return Err(Answer::new(404, NO_DEVICE));
            }
            Sender {
                mode: Mode::Devices,
                sender: device.into(),
                sender_type: "device",
                sim: if sim < 2 { 1 } else { 2 },
                priority: if priority < 2 { 1 } else { 2 },
            }
        }
        Some("credits") => {
            let gateway = p.get("gateway").ok_or_else(bad)?;
            match parse_int(gateway) {
                Ok(GATEWAY_ID) => {}
                Ok(_) => return Err(Answer::new(404, NO_GATEWAY)),
                Err(_) => return Err(Answer::new(404, NO_DEVICE)), // no partner devices
            }
            Sender {
                mode: Mode::Credits,
                sender: GATEWAY_NAME.into(),
                sender_type: "gateway",
                sim: 0,
                priority: 0,
            }
        }
        _ => return Err(bad()),
    };
    if let Some(shortener) = p.int("shortener").map_err(|_| bad())? {
        if shortener > 0 {
            return Err(Answer::new(404, "Specified shortener doesn't exist!"));
        }
    }
    if s.mode == Mode::Credits && c.api.credits.parse::<f64>().unwrap_or(0.0) <= 0.0 {
        return Err(Answer::new(403, "Not enough credits to send this message!"));
    }
    Ok(s)
}

fn message_of(p: &Params) -> Result<&str> {
    p.get("message").ok_or_else(bad)
}

impl Gateways {
    pub(super) async fn zender_send(
        self: &Arc<Self>,
        c: &ZenderConfig,
        call: &Call<'_>,
        rules: &[Rule],
    ) -> Result<Answer> {
        let p = &call.params;
        match call.service {
            "sms" => {
                permit(c, "sms_send")?;
                if !p.has_all(&["mode", "phone", "message"]) {
                    return Err(bad());
                }
                let phone = e164(p.get("phone").unwrap_or_default())
                    .ok_or_else(|| Answer::new(400, INVALID_PHONE))?;
                let message = message_of(p)?;
                check_length(message, TOO_SHORT, TOO_LONG)?;
                let s = sender(c, p)?;
                let id = self.next_id().map_err(failed)?;
                self.store_sms(id, &s, &phone, message, None, rules).await?;
                Ok(sent_answer(c, SMS_QUEUED, id))
            }
            "sms.bulk" => {
                permit(c, "sms_send_bulk")?;
                if !p.has_all(&["mode", "campaign", "message"])
                    || !(p.get("numbers").is_some() || p.get("groups").is_some())
                {
                    return Err(bad());
                }
                let message = message_of(p)?;
                check_length(message, TOO_SHORT, TOO_LONG)?;
                let s = sender(c, p)?;
                // Invalid numbers are dropped; the emulated site has no contact groups.
                let numbers: Vec<String> = p
                    .get("numbers")
                    .unwrap_or_default()
                    .trim()
                    .split(',')
                    .filter_map(e164)
                    .collect();
                if numbers.is_empty() {
                    return Err(bad());
                }
                let campaign = p.get("campaign").map(String::from);
                let mut b = Batch::default();
                let mut plans = Vec::new();
                for n in &numbers {
                    let id = self.next_id().map_err(failed)?;
                    let (row, plan) = self.sms_row(id, &s, n, message, campaign.clone(), rules);
                    b.put_new(&row).map_err(failed)?;
                    plans.push(plan);
                }
                self.zender_commit(b, plans).await?;
                Ok(Answer::new(200, BULK_QUEUED))
            }
            "whatsapp" => {
                permit(c, "wa_send")?;
                self.send_chat(c, call, rules).await
            }
            "ussd" => {
                permit(c, "ussd")?;
                self.send_ussd(c, p).await
            }
            "otp" => {
                permit(c, "otp")?;
                self.send_otp(c, call, rules).await
            }
            _ => Err(Answer::new(500, INVALID_ENDPOINT)),
        }
    }

    fn sms_row(
        &self,
        id: u64,
        s: &Sender,
        phone: &str,
        message: &str,
        campaign: Option<String>,
        rules: &[Rule],
    ) -> (SentSms, crate::domain::gateways::outbound::OutboundMessage) {
        let text = spintax(message, &mut pick);
        let plan = self.zender_plan(id, phone, &text, rules);
        let row = SentSms {
            id,
            mode: s.mode,
            sender: s.sender.clone(),
            sender_type: s.sender_type.into(),
            sim: s.sim,
            priority: s.priority,
            api: true,
            status: 1,
            status_code: None,
            recipient: phone.into(),
            message: text,
            created: now_ms() / 1000,
            campaign,
        };
        (row, plan)
    }

    async fn store_sms(
        self: &Arc<Self>,
        id: u64,
        s: &Sender,
        phone: &str,
        message: &str,
        campaign: Option<String>,
        rules: &[Rule],
    ) -> Result<()> {
        let (row, plan) = self.sms_row(id, s, phone, message, campaign, rules);
        let mut b = Batch::default();
        b.put_new(&row).map_err(failed)?;
        self.zender_commit(b, vec![plan]).await
    }

    /// The checks of a chat (send/whatsapp, send/otp type whatsapp): account, number, priority.
    fn chat_account(c: &ZenderConfig, p: &Params, to: &str) -> Result<(String, String, u8)> {
        let priority = p
            .int("priority")
            .map_err(|_| Answer::new(400, PRIORITY_NOT_INT))?
            .unwrap_or(2);
        let account = p.get("account").unwrap_or_default();
        if c.api.wa_account.as_deref() != Some(account) {
            return Err(Answer::new(404, NO_WA_ACCOUNT));
        }
        if c.api.wa_status != super::config::WaStatus::Connected {
            return Err(Answer::new(500, WA_DISCONNECTED));
        }
        let recipient = if to.contains("@g.us") {
            to.to_string()
        } else {
            e164(to).ok_or_else(|| Answer::new(400, INVALID_PHONE))?
        };
        let wid = c.wid.clone().unwrap_or_default();
        Ok((wid, recipient, if priority < 2 { 1 } else { 2 }))
    }

    async fn send_chat(
        self: &Arc<Self>,
        c: &ZenderConfig,
        call: &Call<'_>,
        rules: &[Rule],
    ) -> Result<Answer> {
        let p = &call.params;
        if !p.has_all(&["account", "recipient", "message"]) {
            return Err(bad());
        }
        let (account, recipient, priority) =
            Self::chat_account(c, p, p.get("recipient").unwrap_or_default())?;
        let message = spintax(message_of(p)?, &mut pick);
        let id = self.next_id().map_err(failed)?;
        let mut b = Batch::default();
        let (kind, attachment) = attachment(p, &call.site, self, &mut b)?;
        if kind == ChatKind::Text && message.trim().is_empty() {
            return Err(Answer::new(400, CHAT_TOO_SHORT));
        }
        self.store_chat(
            c,
            &mut b,
            ChatRow {
                id,
                account,
                kind,
                recipient,
                message,
                attachment,
                priority,
            },
            rules,
        )
        .await
    }

    /// Stores a chat: queued with its plan, or (priority 1) sent now through the WA server.
    async fn store_chat(
        self: &Arc<Self>,
        c: &ZenderConfig,
        b: &mut Batch,
        r: ChatRow,
        rules: &[Rule],
    ) -> Result<Answer> {
        let mut row = SentChat {
            id: r.id,
            account: r.account,
            kind: r.kind,
            recipient: r.recipient.clone(),
            message: r.message.clone(),
            attachment: r.attachment,
            status: 1,
            priority: r.priority,
            api: true,
            created: now_ms() / 1000,
        };
        let digits = r.recipient.trim_start_matches('+');
        let refused = matches!(
            find(rules, digits),
            Some(Action::Fail { .. } | Action::Invalid)
        );
        let batch = std::mem::take(b);
        if r.priority == 1 {
            row.status = if refused { 4 } else { 3 };
            let mut batch = batch;
            batch.put_new(&row).map_err(failed)?;
            self.zender_commit(batch, vec![]).await?;
            if refused {
                return Err(Answer::new(500, "Failed sending priority WhatsApp chat!"));
            }
            return Ok(sent_answer(c, CHAT_SENT, r.id));
        }
        let plan = self.zender_plan(r.id, &r.recipient, &r.message, rules);
        let mut batch = batch;
        batch.put_new(&row).map_err(failed)?;
        self.zender_commit(batch, vec![plan]).await?;
        Ok(sent_answer(c, CHAT_QUEUED, r.id))
    }

    async fn send_ussd(self: &Arc<Self>, c: &ZenderConfig, p: &Params) -> Result<Answer> {
        if !p.has_all(&["code", "sim", "device"]) {
            return Err(bad());
        }
        let sim = p.int("sim").map_err(|_| bad())?.unwrap_or(1);
        let device = p.get("device").unwrap_or_default();
        if c.device.as_deref() != Some(device) {
            return Err(Answer::new(404, NO_DEVICE));
        }
        let code = p.get("code").unwrap_or_default().trim().to_string();
        if code.is_empty() {
            return Err(bad());
        }
        let row = UssdRequest {
            id: self.next_id().map_err(failed)?,
            code: code.clone(),
            sim: if sim < 2 { 1 } else { 2 },
            device: device.into(),
            created: now_ms() / 1000,
        };
        let mut b = Batch::default();
        b.put_new(&row).map_err(failed)?;
        self.zender_commit(b, vec![]).await?;
        // The device dials the code and reports the network's answer: the `ussd` webhook.
        let me = self.clone();
        let wait = std::time::Duration::from_millis(self.timing.sent_ms);
        let epoch = self.epoch.load(std::sync::atomic::Ordering::SeqCst);
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            if me.epoch.load(std::sync::atomic::Ordering::SeqCst) != epoch {
                return; // reset in between: that device is gone
            }
            let req = EventRequest {
                event: "ussd".into(),
                data: serde_json::json!({
                    "sim": row.sim, "device": row.device, "code": row.code,
                    "response": USSD_RESPONSE,
                })
                .as_object()
                .cloned()
                .unwrap_or_default(),
                fault: None,
            };
            if let Err(e) = me.event(Gateway::Zender, req).await {
                tracing::warn!(error = %e, "zender ussd answer not sent");
            }
        });
        Ok(Answer::new(200, USSD_QUEUED))
    }

    async fn send_otp(
        self: &Arc<Self>,
        c: &ZenderConfig,
        call: &Call<'_>,
        rules: &[Rule],
    ) -> Result<Answer> {
        let p = &call.params;
        let template = message_of(p)?;
        let expire = p.int("expire").map_err(|_| bad())?.unwrap_or(300).max(1);
        let store = self.records.store();
        let otp = loop {
            let otp: u32 = rand::thread_rng().gen_range(100_000..=999_999);
            if live_otp(store, otp).map_err(failed)?.is_none() {
                break otp;
            }
        };
        let message = template.replace("{{otp}}", &otp.to_string());
        let id = self.next_id().map_err(failed)?;
        let mut b = Batch::default();
        b.put(&Otp {
            otp,
            expires: now_ms() / 1000 + u64::try_from(expire).unwrap_or(300),
        })
        .map_err(failed)?;
        let phone = match p.get("type") {
            Some("sms") => {
                if !p.has_all(&["mode", "phone"]) {
                    return Err(bad());
                }
                let phone = e164(p.get("phone").unwrap_or_default())
                    .ok_or_else(|| Answer::new(400, INVALID_PHONE))?;
                check_length(&message, OTP_TOO_SHORT, OTP_TOO_LONG)?;
                let s = sender(c, p)?;
                let (row, plan) = self.sms_row(id, &s, &phone, &message, None, rules);
                b.put_new(&row).map_err(failed)?;
                self.zender_commit(b, vec![plan]).await?;
                phone
            }
            Some("whatsapp") => {
                if !p.has_all(&["phone", "account"]) {
                    return Err(bad());
                }
                let (account, recipient, priority) =
                    Self::chat_account(c, p, p.get("phone").unwrap_or_default())?;
                let r = ChatRow {
                    id,
                    account,
                    kind: ChatKind::Text,
                    recipient: recipient.clone(),
                    message: message.clone(),
                    attachment: None,
                    priority,
                };
                self.store_chat(c, &mut b, r, rules).await?;
                recipient
            }
            _ => return Err(bad()),
        };
        Ok(Answer::with(
            200,
            OTP_SENT,
            &OtpSent {
                phone,
                message,
                message_id: c.api.send_returns_id.then_some(id),
                otp,
            },
        ))
    }
}

/// What the emulated network answers every USSD code.
pub const USSD_RESPONSE: &str = "Your request has been received.";

/// An OTP that has not expired.
pub(super) fn live_otp(
    store: &Store,
    otp: u32,
) -> std::result::Result<Option<Otp>, crate::store::StoreError> {
    Ok(store
        .get::<Otp>(otp.to_string())?
        .filter(|o| o.expires > now_ms() / 1000))
}

struct ChatRow {
    id: u64,
    account: String,
    kind: ChatKind,
    recipient: String,
    message: String,
    attachment: Option<String>,
    priority: u8,
}

/// A chat's type and attachment: `media_file`/`media_url`+`media_type`,
/// `document_file`/`document_url`+`document_name`+`document_type`, or text (the fallback).
fn attachment(
    p: &Params,
    site: &str,
    g: &Gateways,
    b: &mut Batch,
) -> Result<(ChatKind, Option<String>)> {
    let is_url = |u: &str| {
        (u.starts_with("http://") || u.starts_with("https://"))
            && reqwest::Url::parse(u).is_ok_and(|x| x.host().is_some())
    };
    let mut upload = |f: &Upload_| -> Result<String> {
        use base64::Engine;
        let id = g.next_id().map_err(failed)?;
        let filename: String = f
            .filename
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            .take(100)
            .collect();
        let filename = if filename.is_empty() {
            "file".into()
        } else {
            filename
        };
        b.put_new(&Upload {
            id,
            filename: filename.clone(),
            content_type: f.content_type.clone(),
            data: base64::engine::general_purpose::STANDARD.encode(&f.bytes),
        })
        .map_err(failed)?;
        Ok(format!("{site}/zender/uploads/{id}/{filename}"))
    };
    match p.get("type") {
        Some("media") => {
            if let Some(f) = p.file("media_file") {
                return Ok((ChatKind::Media, Some(upload(&Upload_::of(f))?)));
            }
            let url = p.get("media_url").ok_or_else(bad)?;
            if !matches!(p.get("media_type"), Some("image" | "audio" | "video")) {
                return Err(bad());
            }
            if !is_url(url) {
                return Err(Answer::new(400, BAD_MEDIA_URL));
            }
            Ok((ChatKind::Media, Some(url.into())))
        }
        Some("document") => {
            const TYPES: [&str; 6] = ["pdf", "xml", "xls", "xlsx", "doc", "docx"];
            if let Some(f) = p.file("document_file") {
                let ext = f.filename.as_deref().and_then(|n| n.rsplit_once('.'));
                if !ext.is_some_and(|(_, e)| TYPES.contains(&e.to_ascii_lowercase().as_str())) {
                    return Err(Answer::new(400, BAD_DOCUMENT));
                }
                return Ok((ChatKind::Document, Some(upload(&Upload_::of(f))?)));
            }
            let url = p.get("document_url").ok_or_else(bad)?;
            if p.get("document_name").is_none_or(str::is_empty)
                || !p.get("document_type").is_some_and(|t| TYPES.contains(&t))
                || !is_url(url)
            {
                return Err(Answer::new(400, BAD_DOCUMENT));
            }
            Ok((ChatKind::Document, Some(url.into())))
        }
        _ => Ok((ChatKind::Text, None)),
    }
}

/// An uploaded file's parts as the store keeps them.
struct Upload_ {
    filename: String,
    content_type: String,
    bytes: Vec<u8>,
}

impl Upload_ {
    fn of(f: &crate::sms::zender_api::Upload) -> Upload_ {
        Upload_ {
            filename: f.filename.clone().unwrap_or_default(),
            content_type: f
                .content_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".into()),
            bytes: f.bytes.clone(),
        }
    }
}
