//! What a valid `POST /v1/messages` body proved, as types: the recipient, the message type and,
//! for `template` and `hsm`, the template it names with its parameters per component. Later
//! steps (the template registry check, the stored message, the recipient rules) read these
//! instead of walking the JSON again.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A valid send.
#[derive(Debug, Clone, PartialEq)]
pub struct Outbound {
    /// The wa_id of an individual (normalised digits) or the group id as sent.
    pub to: String,
    pub recipient_type: RecipientType,
    pub message_type: MessageType,
    /// Some for `template` and `hsm` sends, None for every other type.
    pub template: Option<TemplateSend>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecipientType {
    Individual,
    Group,
}

impl RecipientType {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "individual" => Some(Self::Individual),
            "group" => Some(Self::Group),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Individual => "individual",
            Self::Group => "group",
        }
    }
}

/// The message types an app can send (an inbound-only `button` is not one of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageType {
    Text,
    Image,
    Video,
    Audio,
    Document,
    Sticker,
    Location,
    Contacts,
    Interactive,
    Template,
    Hsm,
    Reaction,
}

impl MessageType {
    pub const ALL: [MessageType; 12] = [
        Self::Text,
        Self::Image,
        Self::Video,
        Self::Audio,
        Self::Document,
        Self::Sticker,
        Self::Location,
        Self::Contacts,
        Self::Interactive,
        Self::Template,
        Self::Hsm,
        Self::Reaction,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The name on the wire: the `type` value and the key of the payload.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Image => "image",
            Self::Video => "video",
            Self::Audio => "audio",
            Self::Document => "document",
            Self::Sticker => "sticker",
            Self::Location => "location",
            Self::Contacts => "contacts",
            Self::Interactive => "interactive",
            Self::Template => "template",
            Self::Hsm => "hsm",
            Self::Reaction => "reaction",
        }
    }

    /// Template messages open a business-initiated conversation.
    pub fn business_initiated(self) -> bool {
        matches!(self, Self::Template | Self::Hsm)
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which of the two template payloads carried the send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateForm {
    /// `template`: parameters per component.
    Template,
    /// The legacy `hsm`: `localizable_params`, all of them for the body.
    Hsm,
}

/// The template a send names, and the parameters it fills in.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateSend {
    pub form: TemplateForm,
    pub namespace: String,
    /// `template.name`, or `hsm.element_name`.
    pub name: String,
    pub language: Language,
    /// As sent, in order; an `hsm` send has one body component holding its localizable params.
    pub components: Vec<ComponentParams>,
}

impl TemplateSend {
    /// The number of parameters sent for components of `kind` (for buttons: the one at `index`).
    pub fn count(&self, kind: ComponentKind, index: Option<u8>) -> usize {
        self.components
            .iter()
            .filter(|c| c.kind == kind && (index.is_none() || c.button.map(|b| b.index) == index))
            .map(|c| c.parameters.len())
            .sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Language {
    pub code: String,
    pub policy: Option<LanguagePolicy>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LanguagePolicy {
    Deterministic,
    Fallback,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentKind {
    Header,
    Body,
    Footer,
    Button,
}

impl ComponentKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "header" => Some(Self::Header),
            "body" => Some(Self::Body),
            "footer" => Some(Self::Footer),
            "button" => Some(Self::Button),
            _ => None,
        }
    }
}

/// One sent component: its kind, for a button its sub_type and index, and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentParams {
    pub kind: ComponentKind,
    pub button: Option<ButtonRef>,
    pub parameters: Vec<Param>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ButtonRef {
    pub sub_type: ButtonSubType,
    /// 0-9.
    pub index: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonSubType {
    QuickReply,
    Url,
}

/// A template parameter (an `hsm` localizable param maps to Text, Currency or DateTime, its
/// `default` being the fallback value).
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Text(String),
    Currency {
        fallback_value: String,
        code: String,
        amount_1000: i64,
    },
    DateTime {
        fallback_value: String,
    },
    Media {
        kind: HeaderMedia,
        source: MediaSource,
    },
    Payload(String),
}

/// The media a template header can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderMedia {
    Image,
    Document,
    Video,
}

impl HeaderMedia {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "image" => Some(Self::Image),
            "document" => Some(Self::Document),
            "video" => Some(Self::Video),
            _ => None,
        }
    }
}

/// Where a media object's file is: an uploaded media id (known to exist and fit) or a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaSource {
    Id(String),
    Link(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_types_round_trip_as_on_the_wire() {
        for t in MessageType::ALL {
            assert_eq!(MessageType::parse(t.as_str()), Some(t));
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        assert_eq!(MessageType::parse("button"), None);
        assert!(MessageType::Hsm.business_initiated());
        assert!(!MessageType::Text.business_initiated());
        assert_eq!(serde_json::to_value(RecipientType::Group).unwrap(), "group");
        assert_eq!(
            RecipientType::parse("individual"),
            Some(RecipientType::Individual)
        );
    }

    #[test]
    fn parameters_are_counted_per_component_and_button() {
        let button = |index, n| ComponentParams {
            kind: ComponentKind::Button,
            button: Some(ButtonRef {
                sub_type: ButtonSubType::Url,
                index,
            }),
            parameters: vec![Param::Text("x".into()); n],
        };
        let t = TemplateSend {
            form: TemplateForm::Template,
            namespace: "ns".into(),
            name: "n".into(),
            language: Language {
                code: "en".into(),
                policy: None,
            },
            components: vec![button(0, 1), button(1, 2), button(1, 1)],
        };
        assert_eq!(t.count(ComponentKind::Button, Some(1)), 3);
        assert_eq!(t.count(ComponentKind::Button, Some(0)), 1);
        assert_eq!(t.count(ComponentKind::Button, None), 4);
        assert_eq!(t.count(ComponentKind::Body, None), 0);
    }
}
