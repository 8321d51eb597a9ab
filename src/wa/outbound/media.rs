//! Media payloads (image, video, audio, document, sticker) and media references in templates
//! and interactive headers.

use super::fields::*;
use crate::wa::ApiError;

const CAPTION_MAX_CHARS: usize = 1024;

pub(super) fn media(m: &Obj, p: &str, media_exists: &dyn Fn(&str) -> bool) -> Result<(), ApiError> {
    let allowed: &[&str] = match p {
        "image" | "video" => &["id", "link", "caption", "provider"],
        "document" => &["id", "link", "caption", "filename", "provider"],
        _ => &["id", "link", "provider"],
    };
    only(m, p, allowed)?;
    media_ref(m, p, media_exists)?;
    if let Some(c) = opt_string(m, p, "caption")? {
        max_chars(c, &join(p, "caption"), CAPTION_MAX_CHARS)?;
    }
    opt_string(m, p, "filename")?;
    if let Some(provider) = m.get("provider") {
        string(
            obj(provider, &join(p, "provider"))?,
            &join(p, "provider"),
            "name",
        )?;
    }
    Ok(())
}

/// Exactly one of `id` (an uploaded media id) and `link` (an http(s) URL).
pub(super) fn media_ref(
    m: &Obj,
    p: &str,
    media_exists: &dyn Fn(&str) -> bool,
) -> Result<(), ApiError> {
    match (opt_string(m, p, "id")?, opt_string(m, p, "link")?) {
        (Some(_), Some(_)) => Err(ApiError::invalid(p, "give either id or link, not both")),
        (None, None) => Err(ApiError::missing(&format!("{p}.id or {p}.link"))),
        (Some(id), None) if !media_exists(id) => Err(ApiError::not_found(format!(
            "{p}.id: media {id} does not exist; upload it with POST /v1/media"
        ))),
        (None, Some(link)) => match reqwest::Url::parse(link) {
            Ok(u) if u.scheme() == "https" || u.scheme() == "http" => Ok(()),
            _ => Err(ApiError::invalid(
                &join(p, "link"),
                format!("'{link}' is not an http(s) URL"),
            )),
        },
        _ => Ok(()),
    }
}
