//! Validation of `POST /v1/messages` bodies, type by type, as the real API answers:
//! missing field 1008, bad value 1009, field not allowed 1010, too long 1001, bad recipient 1013,
//! bad recipient_type 1002, template parameter problems 2004-2012. Pure: uploaded media are looked
//! up through a `MediaLookup` callback.

mod contacts;
mod fields;
mod interactive;
mod localizable;
mod location;
mod media;
pub use media::misfit;
mod message;
pub use message::*;
mod template;

use super::ApiError;
use fields::*;
use serde_json::Value;

pub const TEXT_MAX_CHARS: usize = 4096;

/// The content type of an uploaded media id (e.g. `image/jpeg`), or None when no media has that id.
pub type MediaLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Normalises a phone number to a wa_id: digits only; without a leading `+`, a number of ten
/// digits or fewer gets `default_cc` in front. None when it cannot be a phone number.
pub fn normalize_number(input: &str, default_cc: &str) -> Option<String> {
    let trimmed = input.trim();
    if trimmed.is_empty()
        || !trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        return None;
    }
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let full = if trimmed.starts_with('+') || digits.len() > 10 {
        digits
    } else {
        format!("{default_cc}{digits}")
    };
    (8..=15).contains(&full.len()).then_some(full)
}

/// Validates a send and answers what it proved; the first problem found is the error.
pub fn validate(
    body: &Value,
    default_cc: &str,
    media_type: MediaLookup,
) -> Result<Outbound, ApiError> {
    let o = obj(body, "body")?;
    let recipient_type = opt_string(o, "", "recipient_type")?.unwrap_or("individual");
    let recipient_type = RecipientType::parse(recipient_type).ok_or_else(|| {
        ApiError::new(
            1002,
            format!("recipient_type must be individual or group, not '{recipient_type}'"),
        )
    })?;
    let to_raw = string(o, "", "to")?;
    let to = match recipient_type {
        RecipientType::Group => to_raw.to_string(),
        RecipientType::Individual => normalize_number(to_raw, default_cc).ok_or_else(|| {
            ApiError::new(
                1013,
                format!("to: '{to_raw}' is not a valid WhatsApp user number"),
            )
        })?,
    };
    let type_raw = opt_string(o, "", "type")?.unwrap_or("text");
    let message_type = MessageType::parse(type_raw).ok_or_else(|| {
        ApiError::invalid(
            "type",
            format!("'{type_raw}' is not a message type you can send"),
        )
    })?;
    let p = message_type.as_str();
    only(
        o,
        "",
        &[
            "to",
            "recipient_type",
            "type",
            "preview_url",
            "ttl",
            "context",
            "messaging_product",
            p,
        ],
    )?;
    if o.contains_key("preview_url") {
        if message_type != MessageType::Text {
            return Err(ApiError::not_allowed(
                "preview_url",
                "only for text messages",
            ));
        }
        field(o, "", "preview_url")?
            .as_bool()
            .ok_or_else(|| ApiError::invalid("preview_url", "must be true or false"))?;
    }
    if let Some(ctx) = o.get("context") {
        let c = obj(ctx, "context")?;
        only(c, "context", &["message_id"])?;
        string(c, "context", "message_id")?;
    }
    let payload = field(o, "", p)?;
    let mut template = None;
    match message_type {
        MessageType::Text => {
            let t = obj(payload, p)?;
            only(t, p, &["body"])?;
            let b = string(t, p, "body")?;
            let n = b.chars().count();
            if n > TEXT_MAX_CHARS {
                return Err(ApiError::new(
                    1001,
                    format!("text.body is {n} characters, the limit is {TEXT_MAX_CHARS}"),
                ));
            }
        }
        MessageType::Image
        | MessageType::Video
        | MessageType::Audio
        | MessageType::Document
        | MessageType::Sticker => media::media(obj(payload, p)?, p, media_type)?,
        MessageType::Location => location::location(obj(payload, p)?)?,
        MessageType::Contacts => contacts::contacts(payload)?,
        MessageType::Interactive => interactive::interactive(obj(payload, p)?, media_type)?,
        MessageType::Template => {
            template = Some(template::template(obj(payload, p)?, media_type)?);
        }
        MessageType::Hsm => template = Some(template::hsm(obj(payload, p)?)?),
        MessageType::Reaction => {
            let r = obj(payload, p)?;
            only(r, p, &["message_id", "emoji"])?;
            string(r, p, "message_id")?;
            opt_string(r, p, "emoji")?;
        }
    }
    Ok(Outbound {
        to,
        recipient_type,
        message_type,
        template,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(super) fn check(v: Value) -> Result<Outbound, ApiError> {
        let mime = |id: &str| match id {
            "known-media" => Some("image/jpeg".to_string()),
            "pdf-media" => Some("application/pdf".to_string()),
            "webp-media" => Some("image/webp".to_string()),
            "ogg-media" => Some("audio/ogg; codecs=opus".to_string()),
            "mp4-media" => Some("video/mp4".to_string()),
            _ => None,
        };
        validate(&v, "1", &mime)
    }

    pub(super) fn code(v: Value) -> (u32, String) {
        let e = check(v).unwrap_err();
        (e.code, e.details.unwrap_or_default())
    }

    #[test]
    fn numbers_are_normalised() {
        assert_eq!(
            normalize_number("+1 631 555 1001", "1").as_deref(),
            Some("16315551001")
        );
        assert_eq!(
            normalize_number("(631) 555-1001", "1").as_deref(),
            Some("16315551001")
        );
        assert_eq!(
            normalize_number("447700900123", "1").as_deref(),
            Some("447700900123")
        );
        assert_eq!(normalize_number("abc", "1"), None);
        assert_eq!(normalize_number("+12", "1"), None);
    }

    #[test]
    fn text_rules() {
        let ok = check(
            json!({"to":"+1 631 555 1001","type":"text","text":{"body":"hi"},"preview_url":true}),
        )
        .unwrap();
        assert_eq!(
            ok,
            Outbound {
                to: "16315551001".into(),
                recipient_type: RecipientType::Individual,
                message_type: MessageType::Text,
                template: None,
            }
        );
        assert_eq!(code(json!({"to":"1","text":{"body":"x"}})).0, 1013);
        assert_eq!(code(json!({"text":{"body":"x"}})).0, 1008);
        assert_eq!(
            code(json!({"to":"16315551001","text":{}})),
            (1008, "Missing required parameter: text.body".into())
        );
        assert_eq!(
            code(json!({"to":"16315551001","text":{"body":"x".repeat(4097)}})).0,
            1001
        );
        assert_eq!(
            code(json!({"to":"16315551001","recipient_type":"broadcast","text":{"body":"x"}})).0,
            1002
        );
        assert_eq!(
            code(
                json!({"to":"16315551001","type":"image","image":{"id":"known-media"},"preview_url":true})
            ),
            (1010, "preview_url: only for text messages".into())
        );
        assert_eq!(
            code(json!({"to":"16315551001","type":"text","text":{"body":"x"},"image":{}})),
            (1010, "image: unknown field".into())
        );
        assert_eq!(
            code(json!({"to":"16315551001","text":{"body":"x","bar":1}})),
            (1010, "text.bar: unknown field".into())
        );
        assert_eq!(
            code(json!({"to":"16315551001","type":"fax","fax":{}})).0,
            1009
        );
    }

    #[test]
    fn the_typed_send_names_recipient_and_type() {
        let g = check(
            json!({"to":"group-1","recipient_type":"group","type":"reaction",
            "reaction":{"message_id":"gBEGx","emoji":"👍"}}),
        )
        .unwrap();
        assert_eq!(
            (g.to.as_str(), g.recipient_type, g.message_type, g.template),
            ("group-1", RecipientType::Group, MessageType::Reaction, None)
        );
        let t = check(
            json!({"to":"6315551001","type":"template","template":{"namespace":"ns",
            "name":"n","language":{"code":"en"}}}),
        )
        .unwrap();
        assert_eq!(
            (t.to.as_str(), t.message_type),
            ("16315551001", MessageType::Template)
        );
        let sent = t.template.unwrap();
        assert_eq!(
            (sent.form, sent.name.as_str()),
            (TemplateForm::Template, "n")
        );
        assert!(sent.components.is_empty());
        assert_eq!(
            code(json!({"to":"16315551001","type":"button","button":{}})),
            (
                1009,
                "type: 'button' is not a message type you can send".into()
            )
        );
    }

    #[test]
    fn media_rules() {
        assert!(check(
            json!({"to":"16315551001","type":"image","image":{"id":"known-media","caption":"c"}})
        )
        .is_ok());
        assert!(check(json!({"to":"16315551001","type":"document","document":{"link":"https://x.test/a.pdf","filename":"a.pdf"}})).is_ok());
        assert_eq!(
            code(json!({"to":"16315551001","type":"image","image":{"id":"nope"}})).0,
            1006
        );
        assert_eq!(code(json!({"to":"16315551001","type":"audio","audio":{"id":"known-media","caption":"c"}})).0, 1010);
        assert_eq!(
            code(json!({"to":"16315551001","type":"video","video":{}})).0,
            1008
        );
        assert_eq!(
            code(json!({"to":"16315551001","type":"video","video":{"link":"ftp://x"}})).0,
            1009
        );
    }

    #[test]
    fn location_and_contacts() {
        assert!(check(json!({"to":"16315551001","type":"location","location":{"latitude":1.5,"longitude":"-3","name":"HQ"}})).is_ok());
        assert_eq!(code(json!({"to":"16315551001","type":"location","location":{"latitude":91,"longitude":0}})).0, 1009);
        assert!(check(json!({"to":"16315551001","type":"contacts","contacts":[{"name":{"formatted_name":"Ann"},"phones":[{"phone":"+1"}]}]})).is_ok());
        assert_eq!(
            code(json!({"to":"16315551001","type":"contacts","contacts":[{"name":{}}]})).0,
            1008
        );
    }
}
