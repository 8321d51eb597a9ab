//! Groups of the On-Prem API (deprecated by Meta, still in its collection): group ids, invite
//! links, the subject and icon rules, and the `system` notifications a group event sends. Pure.
//!
//! Sources: Meta's Postman collection as mirrored by unblu/WhatsApp-Business-API-OpenAPI
//! (`Group-Info`, `Groups-Response`, `Group-Invite-Response`, `Webhook-System` with its
//! `group_*` types and the example `{"body":"+1 (650) 387-5246 added +1 (650) 644-8470",
//! "group_id":"16315558032-1530825318","operator":"16503875246","type":"group_user_joined",
//! "users":["16506448470"]}`); developers.facebook.com/docs/whatsapp/api/groups.

use super::ApiError;
use rand::Rng;
use serde_json::{json, Value};

/// The longest subject, in characters (UNCONFIRMED for On-Prem: WhatsApp's client limit of the
/// time; the Cloud API's Groups allow 128).
pub const SUBJECT_MAX_CHARS: usize = 25;

/// The most participants a group holds, the business included (UNCONFIRMED: WhatsApp's group
/// size of the On-Prem era).
pub const MAX_PARTICIPANTS: usize = 256;

/// The largest icon accepted, in bytes (the image limit of `/v1/media`).
pub const ICON_MAX_BYTES: usize = 5 * 1024 * 1024;

/// A group id as the real API shows them: the creator's wa_id, a dash, the creation time in
/// seconds (`16315558032-1530825318`).
pub fn group_id(creator: &str, seconds: u64) -> String {
    format!("{creator}-{seconds}")
}

/// Whether `id` has the shape of a group id (so error details may quote it).
pub fn looks_like_group_id(id: &str) -> bool {
    match id.split_once('-') {
        Some((a, b)) => {
            (1..=20).contains(&a.len())
                && (1..=20).contains(&b.len())
                && a.chars().chain(b.chars()).all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

/// A fresh invite code: 22 letters and digits, as in `https://chat.whatsapp.com/<code>`.
pub fn invite_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..22)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

pub const INVITE_PREFIX: &str = "https://chat.whatsapp.com/";

pub fn invite_link(code: &str) -> String {
    format!("{INVITE_PREFIX}{code}")
}

/// The code of an invite link (or a bare code).
pub fn invite_code_of(link: &str) -> &str {
    link.trim().trim_start_matches(INVITE_PREFIX)
}

/// A subject as stored: at most 25 characters as sent, not blank, trimmed.
pub fn subject(raw: &str) -> Result<String, ApiError> {
    let n = raw.chars().count();
    if n > SUBJECT_MAX_CHARS {
        return Err(ApiError::invalid(
            "subject",
            format!("is {n} characters, the limit is {SUBJECT_MAX_CHARS}"),
        ));
    }
    let s = raw.trim();
    if s.is_empty() {
        return Err(ApiError::invalid("subject", "must not be blank"));
    }
    Ok(s.to_string())
}

/// A wa_id as the Contacts API gives them: 8 to 15 digits.
pub fn wa_id(raw: &str) -> Option<&str> {
    ((8..=15).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit())).then_some(raw)
}

/// The content type of an icon: JPEG or PNG, the declared type matching the bytes.
pub fn icon_mime(content_type: Option<&str>, bytes: &[u8]) -> Result<&'static str, ApiError> {
    let declared = content_type
        .map(super::mime_essence)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ApiError::missing("Content-Type header (image/jpeg or image/png)"))?;
    let mime = match declared.as_str() {
        "image/jpeg" => "image/jpeg",
        "image/png" => "image/png",
        other => {
            return Err(ApiError::invalid(
                "Content-Type",
                format!("'{other}' is not an icon type: send image/jpeg or image/png"),
            ))
        }
    };
    if bytes.is_empty() {
        return Err(ApiError::missing("body (the icon image)"));
    }
    if bytes.len() > ICON_MAX_BYTES {
        return Err(ApiError::invalid(
            "body",
            format!(
                "{} bytes; an icon may have at most {ICON_MAX_BYTES}",
                bytes.len()
            ),
        ));
    }
    let fits = match mime {
        "image/jpeg" => bytes.starts_with(&[0xff, 0xd8, 0xff]),
        _ => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
    };
    if !fits {
        return Err(ApiError::invalid(
            "body",
            format!("the bytes are not a {mime} image"),
        ));
    }
    Ok(mime)
}

/// What happened in a group: the `system.type` of its notification.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupEvent {
    Created {
        subject: String,
    },
    /// `users` joined using the invite link.
    Joined,
    /// `users` left (operator = user) or were removed (operator = an admin).
    Left,
    Promoted,
    Demoted,
    SubjectChanged {
        subject: String,
    },
    IconChanged,
    IconDeleted,
    InviteLinkRevoked,
}

impl GroupEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            GroupEvent::Created { .. } => "group_created",
            GroupEvent::Joined => "group_user_joined",
            GroupEvent::Left => "group_user_left",
            GroupEvent::Promoted => "group_user_promoted",
            GroupEvent::Demoted => "group_user_demoted",
            GroupEvent::SubjectChanged { .. } => "group_subject_changed",
            GroupEvent::IconChanged => "group_icon_changed",
            GroupEvent::IconDeleted => "group_icon_deleted",
            GroupEvent::InviteLinkRevoked => "group_invite_link_revoked",
        }
    }

    /// The human-readable `system.body` (wording UNCONFIRMED; numbers as `+<wa_id>`).
    pub fn body(&self, operator: &str, users: &[String]) -> String {
        let op = format!("+{operator}");
        let who = users
            .iter()
            .map(|u| format!("+{u}"))
            .collect::<Vec<_>>()
            .join(", ");
        match self {
            GroupEvent::Created { subject } => format!("{op} created group \"{subject}\""),
            GroupEvent::Joined => format!("{who} joined using this group's invite link"),
            GroupEvent::Left if users.iter().all(|u| u == operator) => format!("{op} left"),
            GroupEvent::Left => format!("{op} removed {who}"),
            GroupEvent::Promoted => format!("{op} made {who} an admin"),
            GroupEvent::Demoted => format!("{op} dismissed {who} as admin"),
            GroupEvent::SubjectChanged { subject } => {
                format!("{op} changed the subject to \"{subject}\"")
            }
            GroupEvent::IconChanged => format!("{op} changed this group's icon"),
            GroupEvent::IconDeleted => format!("{op} deleted this group's icon"),
            GroupEvent::InviteLinkRevoked => format!("{op} reset this group's invite link"),
        }
    }
}

/// The webhook body of a group event: one `system` message from the operator, in the group.
pub fn system_notification(
    id: &str,
    group_id: &str,
    operator: &str,
    users: &[String],
    event: &GroupEvent,
    timestamp: u64,
) -> Value {
    let mut system = json!({
        "body": event.body(operator, users),
        "group_id": group_id,
        "operator": operator,
        "type": event.kind(),
    });
    if !users.is_empty() {
        system["users"] = json!(users);
    }
    json!({ "messages": [{
        "from": operator,
        "group_id": group_id,
        "id": id,
        "system": system,
        "timestamp": timestamp.to_string(),
        "type": "system",
    }]})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_links() {
        let id = group_id("16315558032", 1530825318);
        assert_eq!(id, "16315558032-1530825318");
        assert!(looks_like_group_id(&id));
        assert!(!looks_like_group_id("abc"));
        assert!(!looks_like_group_id("1-x"));
        let code = invite_code();
        assert_eq!(code.len(), 22);
        assert_ne!(code, invite_code());
        assert_eq!(invite_code_of(&invite_link(&code)), code);
    }

    #[test]
    fn subjects() {
        assert_eq!(subject("  Team  ").unwrap(), "Team");
        assert_eq!(subject("   ").unwrap_err().code, 1009);
        assert!(subject(&"é".repeat(25)).is_ok());
        assert_eq!(subject(&"x".repeat(26)).unwrap_err().code, 1009);
        assert_eq!(subject("\u{2003}\t").unwrap_err().code, 1009);
        assert_eq!(subject("\u{1c}").unwrap(), "\u{1c}");
        assert_eq!(
            subject(&format!("{}a", " ".repeat(25))).unwrap_err().code,
            1009
        );
        assert_eq!(wa_id("16315551234"), Some("16315551234"));
        assert_eq!(wa_id("+16315551234"), None);
        assert_eq!(wa_id("1234567"), None);
    }

    #[test]
    fn icons() {
        let jpeg = [0xff, 0xd8, 0xff, 0xe0, 1];
        assert_eq!(icon_mime(Some("image/jpeg"), &jpeg).unwrap(), "image/jpeg");
        assert_eq!(icon_mime(Some("image/png"), &jpeg).unwrap_err().code, 1009);
        assert_eq!(icon_mime(None, &jpeg).unwrap_err().code, 1008);
        assert_eq!(icon_mime(Some("image/gif"), &jpeg).unwrap_err().code, 1009);
        assert_eq!(icon_mime(Some("image/jpeg"), &[]).unwrap_err().code, 1008);
    }

    #[test]
    fn notification_shape() {
        let n = system_notification(
            "ABGG1",
            "1-2",
            "16503875246",
            &["16506448470".to_string()],
            &GroupEvent::Joined,
            7,
        );
        let m = &n["messages"][0];
        assert_eq!(m["type"], "system");
        assert_eq!(m["group_id"], "1-2");
        assert_eq!(m["timestamp"], "7");
        assert_eq!(m["system"]["type"], "group_user_joined");
        assert_eq!(m["system"]["users"], json!(["16506448470"]));
        assert_eq!(m["system"]["operator"], "16503875246");
        let left = GroupEvent::Left.body("1", &["1".to_string()]);
        assert_eq!(left, "+1 left");
        assert!(GroupEvent::Left
            .body("1", &["2".to_string()])
            .contains("removed +2"));
    }
}
