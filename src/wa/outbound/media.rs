//! Media payloads (image, video, audio, document, sticker) and media references in templates
//! and interactive headers. An uploaded id must exist (1006) and its file must fit the kind of
//! media it is sent as (1009): image/*, video/*, audio/*, a sticker image/webp, a document
//! anything.

use super::fields::*;
use super::{MediaLookup, MediaSource};
use crate::wa::ApiError;

const CAPTION_MAX_CHARS: usize = 1024;

pub(super) fn media(m: &Obj, p: &str, lookup: MediaLookup) -> Result<(), ApiError> {
    let allowed: &[&str] = match p {
        "image" | "video" => &["id", "link", "caption", "provider"],
        "document" => &["id", "link", "caption", "filename", "provider"],
        _ => &["id", "link", "provider"],
    };
    only(m, p, allowed)?;
    media_ref(m, p, p, lookup)?;
    if let Some(c) = opt_string(m, p, "caption")? {
        max_chars(c, &join(p, "caption"), CAPTION_MAX_CHARS)?;
    }
    opt_string(m, p, "filename")?;
    provider(m, p)
}

/// A media object in an interactive header or a template header parameter: `id` or `link`, a
/// `provider`, and for documents a `filename`; nothing else.
pub(super) fn header_media(
    m: &Obj,
    p: &str,
    kind: &str,
    lookup: MediaLookup,
) -> Result<MediaSource, ApiError> {
    let allowed: &[&str] = match kind {
        "document" => &["id", "link", "filename", "provider"],
        _ => &["id", "link", "provider"],
    };
    only(m, p, allowed)?;
    let source = media_ref(m, p, kind, lookup)?;
    opt_string(m, p, "filename")?;
    provider(m, p)?;
    Ok(source)
}

fn provider(m: &Obj, p: &str) -> Result<(), ApiError> {
    if let Some(provider) = m.get("provider") {
        let pp = join(p, "provider");
        let provider = obj(provider, &pp)?;
        only(provider, &pp, &["name"])?;
        string(provider, &pp, "name")?;
    }
    Ok(())
}

/// Exactly one of `id` (an uploaded media id whose file fits `kind`) and `link` (an http(s) URL).
/// `p` is the path of the media object, `kind` the media type it is sent as.
pub(super) fn media_ref(
    m: &Obj,
    p: &str,
    kind: &str,
    lookup: MediaLookup,
) -> Result<MediaSource, ApiError> {
    match (opt_string(m, p, "id")?, opt_string(m, p, "link")?) {
        (Some(_), Some(_)) => Err(ApiError::invalid(p, "give either id or link, not both")),
        (None, None) => Err(ApiError::missing(&format!("{p}.id or {p}.link"))),
        (Some(id), None) => {
            let mime = lookup(id).ok_or_else(|| {
                ApiError::not_found(format!(
                    "{p}.id: media {id} does not exist; upload it with POST /v1/media"
                ))
            })?;
            match misfit(kind, &mime) {
                Some(want) => Err(ApiError::invalid(
                    &join(p, "id"),
                    format!("media {id} is {mime}; {kind} media must be {want}"),
                )),
                None => Ok(MediaSource::Id(id.to_string())),
            }
        }
        (None, Some(link)) => match url::Url::parse(link) {
            Ok(u) if u.scheme() == "https" || u.scheme() == "http" => {
                Ok(MediaSource::Link(link.to_string()))
            }
            _ => Err(ApiError::invalid(
                &join(p, "link"),
                format!("'{link}' is not an http(s) URL"),
            )),
        },
    }
}

/// What a file of content type `mime` would have to be to go as `kind` media (image, video,
/// audio or voice, sticker, document); None when it fits.
pub fn misfit(kind: &str, mime: &str) -> Option<&'static str> {
    expected_mime(kind).filter(|_| !fits(kind, mime))
}

/// The content types a kind of media accepts, for messages; None = any (documents).
fn expected_mime(kind: &str) -> Option<&'static str> {
    match kind {
        "image" => Some("image/*"),
        "video" => Some("video/*"),
        "audio" | "voice" => Some("audio/*"),
        "sticker" => Some("image/webp"),
        _ => None,
    }
}

/// Whether an uploaded file of content type `mime` can be sent as `kind`.
fn fits(kind: &str, mime: &str) -> bool {
    let base = crate::wa::mime_essence(mime);
    match expected_mime(kind) {
        None => true,
        Some(want) => match want.strip_suffix('*') {
            Some(prefix) => base.starts_with(prefix),
            None => base == want,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{check, code};
    use super::fits;
    use serde_json::json;

    #[test]
    fn content_types_fit_their_kind() {
        assert!(fits("image", "image/jpeg"));
        assert!(fits("image", "IMAGE/PNG"));
        assert!(fits("audio", "audio/ogg; codecs=opus"));
        assert!(fits("video", "video/mp4"));
        assert!(fits("sticker", "image/webp"));
        assert!(fits("document", "application/pdf"));
        assert!(fits("document", "image/jpeg"));
        assert!(!fits("sticker", "image/png"));
        assert!(!fits("sticker", "application/pdf"));
        assert!(!fits("image", "application/pdf"));
        assert!(!fits("audio", "video/mp4"));
        assert!(!fits("video", "image/jpeg"));
    }

    #[test]
    fn uploaded_ids_must_fit_the_message_type() {
        let send =
            |kind: &str, id: &str| json!({"to": "16315551001", "type": kind, kind: {"id": id}});
        assert!(check(send("sticker", "webp-media")).is_ok());
        assert!(check(send("document", "pdf-media")).is_ok());
        assert!(check(send("image", "known-media")).is_ok());
        assert_eq!(
            code(send("sticker", "pdf-media")),
            (
                1009,
                "sticker.id: media pdf-media is application/pdf; sticker media must be image/webp"
                    .into()
            )
        );
        for (kind, id) in [
            ("sticker", "known-media"),
            ("audio", "known-media"),
            ("image", "pdf-media"),
        ] {
            let (c, details) = code(send(kind, id));
            assert_eq!(c, 1009, "{kind} {id}");
            assert!(details.starts_with(&format!("{kind}.id:")), "{details}");
        }
        assert_eq!(code(send("image", "nope")).0, 1006);
    }
}
