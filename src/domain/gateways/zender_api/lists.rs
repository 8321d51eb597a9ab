//! `/get/*` (lists newest first, `limit` 10 and `page` 1 by default, with the product's offset
//! quirk) and `/delete/*`, plus `/get/otp`.

use super::records::{self, Otp, ReceivedChat, ReceivedSms, SentChat, SentSms};
use super::send::live_otp;
use super::{failed, Call};
use crate::domain::gateways::config::ZenderConfig;
use crate::domain::gateways::Gateways;
use crate::sms::zender_api::*;
use crate::store::{encode_u64, Batch, Record};
use serde::Serialize;
use std::sync::Arc;

type Result<T> = std::result::Result<T, Answer>;

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

fn sent_item(r: &SentSms) -> SentItem {
    SentItem {
        id: r.id,
        mode: r.mode.name().into(),
        sender: r.sender.clone(),
        sender_type: r.sender_type.clone(),
        sim: r.sim,
        priority: r.priority == 2,
        api: r.api,
        status: sms_status_word(r.status).into(),
        status_code: r.status_code.clone().map_or(Code::False(false), Code::Text),
        recipient: r.recipient.clone(),
        message: r.message.clone(),
        created: r.created,
    }
}

fn pending_item(r: &SentSms) -> PendingItem {
    PendingItem {
        id: r.id,
        mode: r.mode.name().into(),
        sender: r.sender.clone(),
        sender_type: r.sender_type.clone(),
        sim: r.sim,
        priority: r.priority == 2,
        api: r.api,
        recipient: r.recipient.clone(),
        message: r.message.clone(),
        created: r.created,
    }
}

fn received_item(r: &ReceivedSms) -> ReceivedItem {
    ReceivedItem {
        id: r.id,
        device: r.device.clone(),
        sender: r.sender.clone(),
        message: r.message.clone(),
        created: r.created,
    }
}

fn chat_item(r: &SentChat) -> ChatItem {
    ChatItem {
        id: r.id,
        account: r.account.clone(),
        status: chat_status_word(r.status).into(),
        api: r.api,
        recipient: r.recipient.clone(),
        message: r.message.clone(),
        attachment: r.attachment.clone().into(),
        created: r.created,
    }
}

fn chat_received_item(r: &ReceivedChat) -> ChatReceivedItem {
    ChatReceivedItem {
        id: r.id,
        account: r.account.clone(),
        recipient: r.recipient.clone(),
        message: r.message.clone(),
        attachment: r.attachment.clone().into(),
        created: r.created,
    }
}

/// One page of a list: `limit` and `page` as integers (integral floats too), the offset quirk.
fn page<T, I: Serialize>(p: &Params, rows: Vec<T>, item: impl Fn(&T) -> I) -> Result<Vec<I>> {
    let limit = p.int("limit").map_err(|_| bad())?.unwrap_or(10).max(0);
    let page = p.int("page").map_err(|_| bad())?.unwrap_or(1);
    Ok(rows
        .iter()
        .skip(offset(page, limit))
        .take(usize::try_from(limit).unwrap_or(0))
        .map(item)
        .collect())
}

fn id_of(p: &Params) -> Result<u64> {
    match p.int("id") {
        Ok(Some(id)) => u64::try_from(id).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

impl Gateways {
    pub(super) async fn zender_get(
        self: &Arc<Self>,
        c: &ZenderConfig,
        call: &Call<'_>,
    ) -> Result<Answer> {
        let p = &call.params;
        let store = self.records.store();
        let newest = |r: &SentSms| (r.created, r.id);
        match call.service {
            "sms.sent" => {
                permit(c, "get_sms_sent")?;
                let rows = records::newest_first::<SentSms>(store, newest).map_err(failed)?;
                let rows = rows.into_iter().filter(|r| r.status > 2).collect();
                Ok(Answer::with(
                    200,
                    "Sent SMS Messages",
                    &page(p, rows, sent_item)?,
                ))
            }
            "sms.pending" => {
                permit(c, "get_sms_pending")?;
                let rows = records::newest_first::<SentSms>(store, newest).map_err(failed)?;
                let rows = rows.into_iter().filter(|r| r.status == 1).collect();
                Ok(Answer::with(
                    200,
                    "Pending SMS Messages",
                    &page(p, rows, pending_item)?,
                ))
            }
            "sms.received" => {
                permit(c, "get_sms_received")?;
                let rows = records::newest_first::<ReceivedSms>(store, |r| (r.created, r.id))
                    .map_err(failed)?;
                Ok(Answer::with(
                    200,
                    "Received SMS Messages",
                    &page(p, rows, received_item)?,
                ))
            }
            "sms.message" => {
                let id = id_of(p)?;
                match p.get("type") {
                    Some("sent") => {
                        permit(c, "get_sms_sent")?;
                        let row = store.get::<SentSms>(encode_u64(id)).map_err(failed)?;
                        let row = row.ok_or_else(|| Answer::new(404, NO_MESSAGE))?;
                        Ok(Answer::with(200, MESSAGE_FOUND, &sent_item(&row)))
                    }
                    Some("received") => {
                        permit(c, "get_sms_received")?;
                        let row = store.get::<ReceivedSms>(encode_u64(id)).map_err(failed)?;
                        let row = row.ok_or_else(|| Answer::new(404, NO_MESSAGE))?;
                        Ok(Answer::with(200, MESSAGE_FOUND, &received_item(&row)))
                    }
                    _ => Err(bad()),
                }
            }
            "wa.sent" => {
                permit(c, "get_wa_sent")?;
                let rows = records::newest_first::<SentChat>(store, |r| (r.created, r.id))
                    .map_err(failed)?;
                Ok(Answer::with(
                    200,
                    "Sent WhatsApp Chats",
                    &page(p, rows, chat_item)?,
                ))
            }
            "wa.received" => {
                permit(c, "get_wa_received")?;
                let rows = records::newest_first::<ReceivedChat>(store, |r| (r.created, r.id))
                    .map_err(failed)?;
                let items = page(p, rows, chat_received_item)?;
                Ok(Answer::with(200, "Received WhatsApp Chats", &items))
            }
            "wa.accounts" => {
                permit(c, "get_wa_accounts")?;
                let status = match c.api.wa_status {
                    super::config::WaStatus::Connected => "connected",
                    super::config::WaStatus::Disconnected => "disconnected",
                };
                let rows = vec![AccountItem {
                    id: 1,
                    phone: c.wid.clone().unwrap_or_default(),
                    unique: c.api.wa_account.clone().unwrap_or_default(),
                    status: status.into(),
                    created: c.api.created.unwrap_or_default(),
                }];
                Ok(Answer::with(
                    200,
                    "WhatsApp Accounts",
                    &page(p, rows, Clone::clone)?,
                ))
            }
            "devices" => {
                permit(c, "get_devices")?;
                let rows = vec![DeviceItem {
                    id: 1,
                    unique: c.device.clone().unwrap_or_default(),
                    name: "SmsNotif Device".into(),
                    version: "Android 11".into(),
                    manufacturer: "Google".into(),
                    random_send: false,
                    random_min: 5,
                    random_max: 10,
                    notification_packages: vec![],
                    partner: false,
                    partner_sim: vec![],
                    partner_priority: false,
                    partner_country: String::new(),
                    partner_rate: 0,
                    partner_currency: String::new(),
                    created: c.api.created.unwrap_or_default(),
                }];
                Ok(Answer::with(
                    200,
                    "Android Devices",
                    &page(p, rows, Clone::clone)?,
                ))
            }
            "credits" => {
                permit(c, "get_credits")?;
                let data = Credits {
                    credits: c.api.credits.clone(),
                    currency: c.api.currency.clone(),
                };
                Ok(Answer::with(200, "Remaining Credits", &data))
            }
            "otp" => {
                permit(c, "otp")?;
                let otp = p.int("otp").map_err(|_| bad())?.ok_or_else(bad)?;
                let live = u32::try_from(otp)
                    .ok()
                    .map(|o| live_otp(store, o))
                    .transpose()
                    .map_err(failed)?
                    .flatten();
                let Some(o) = live else {
                    return Err(Answer::new(403, OTP_INVALID));
                };
                let mut b = Batch::default();
                b.remove::<Otp>(o.otp.to_string()); // one use only
                store.commit(b).await.map_err(failed)?;
                Ok(Answer::new(200, OTP_VERIFIED))
            }
            _ => Err(Answer::new(500, INVALID_ENDPOINT)),
        }
    }

    pub(super) async fn zender_delete(
        self: &Arc<Self>,
        c: &ZenderConfig,
        call: &Call<'_>,
    ) -> Result<Answer> {
        let p = &call.params;
        match call.service {
            "sms.sent" => {
                permit(c, "delete_sms_sent")?;
                self.delete_row::<SentSms>(id_of(p)?, "Sent SMS has been deleted!")
                    .await
            }
            "sms.received" => {
                permit(c, "delete_sms_received")?;
                self.delete_row::<ReceivedSms>(id_of(p)?, "Received SMS has been deleted!")
                    .await
            }
            "wa.sent" => {
                permit(c, "delete_wa_sent")?;
                self.delete_row::<SentChat>(id_of(p)?, "Sent WhatsApp chat has been deleted!")
                    .await
            }
            "wa.received" => {
                permit(c, "delete_wa_received")?;
                self.delete_row::<ReceivedChat>(
                    id_of(p)?,
                    "Received WhatsApp chat has been deleted!",
                )
                .await
            }
            _ => Err(Answer::new(400, INVALID_ENDPOINT)),
        }
    }

    /// Deletes one row (a sent row's status plan then finds nothing to update).
    async fn delete_row<R: Record>(&self, id: u64, done: &str) -> Result<Answer> {
        let store = self.records.store();
        if !store.contains::<R>(encode_u64(id)).map_err(failed)? {
            return Err(Answer::new(404, NO_MESSAGE));
        }
        let mut b = Batch::default();
        b.remove::<R>(encode_u64(id));
        store.commit(b).await.map_err(failed)?;
        Ok(Answer::new(200, done))
    }
}
