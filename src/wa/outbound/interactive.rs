//! Interactive payloads: reply buttons, list, single product and multi-product messages.

use super::fields::*;
use super::media::media_ref;
use super::MediaLookup;
use crate::wa::ApiError;

pub(super) fn interactive(i: &Obj, media: MediaLookup) -> Result<(), ApiError> {
    const P: &str = "interactive";
    only(i, P, &["type", "header", "body", "footer", "action"])?;
    let kind = string(i, P, "type")?;
    if !["button", "list", "product", "product_list"].contains(&kind) {
        return Err(ApiError::invalid(
            "interactive.type",
            format!("'{kind}' is not button, list, product or product_list"),
        ));
    }
    if kind != "product" || i.contains_key("body") {
        let b = obj(field(i, P, "body")?, "interactive.body")?;
        max_chars(
            string(b, "interactive.body", "text")?,
            "interactive.body.text",
            1024,
        )?;
    }
    if let Some(f) = i.get("footer") {
        max_chars(
            string(obj(f, "interactive.footer")?, "interactive.footer", "text")?,
            "interactive.footer.text",
            60,
        )?;
    }
    if let Some(h) = i.get("header") {
        let h = obj(h, "interactive.header")?;
        let ht = string(h, "interactive.header", "type")?;
        match ht {
            "text" => max_chars(
                string(h, "interactive.header", "text")?,
                "interactive.header.text",
                60,
            )?,
            "image" | "video" | "document" => {
                let path = format!("interactive.header.{ht}");
                media_ref(
                    obj(field(h, "interactive.header", ht)?, &path)?,
                    &path,
                    ht,
                    media,
                )?
            }
            _ => {
                return Err(ApiError::invalid(
                    "interactive.header.type",
                    "must be text, image, video or document",
                ))
            }
        }
    } else if kind == "product_list" {
        return Err(ApiError::missing("interactive.header"));
    }
    let a = obj(field(i, P, "action")?, "interactive.action")?;
    const A: &str = "interactive.action";
    match kind {
        "button" => {
            let buttons = array(a, A, "buttons", 1, 3)?;
            let mut ids = std::collections::HashSet::new();
            for (n, b) in buttons.iter().enumerate() {
                let path = format!("{A}.buttons[{n}]");
                let b = obj(b, &path)?;
                if string(b, &path, "type")? != "reply" {
                    return Err(ApiError::invalid(&join(&path, "type"), "must be reply"));
                }
                let rp = join(&path, "reply");
                let r = obj(field(b, &path, "reply")?, &rp)?;
                let id = string(r, &rp, "id")?;
                max_chars(id, &join(&rp, "id"), 256)?;
                max_chars(string(r, &rp, "title")?, &join(&rp, "title"), 20)?;
                if !ids.insert(id) {
                    return Err(ApiError::invalid(
                        &join(&rp, "id"),
                        "button ids must be unique",
                    ));
                }
            }
        }
        "list" => {
            max_chars(string(a, A, "button")?, "interactive.action.button", 20)?;
            let sections = array(a, A, "sections", 1, 10)?;
            let mut rows_total = 0;
            for (n, s) in sections.iter().enumerate() {
                let path = format!("{A}.sections[{n}]");
                let s = obj(s, &path)?;
                if sections.len() > 1 {
                    max_chars(string(s, &path, "title")?, &join(&path, "title"), 24)?;
                }
                let rows = array(s, &path, "rows", 1, 10)?;
                rows_total += rows.len();
                for (m, r) in rows.iter().enumerate() {
                    let rp = format!("{path}.rows[{m}]");
                    let r = obj(r, &rp)?;
                    max_chars(string(r, &rp, "id")?, &join(&rp, "id"), 200)?;
                    max_chars(string(r, &rp, "title")?, &join(&rp, "title"), 24)?;
                    if let Some(d) = opt_string(r, &rp, "description")? {
                        max_chars(d, &join(&rp, "description"), 72)?;
                    }
                }
            }
            if rows_total > 10 {
                return Err(ApiError::invalid(
                    "interactive.action.sections",
                    format!("{rows_total} rows in all, the limit is 10"),
                ));
            }
        }
        "product" => {
            string(a, A, "catalog_id")?;
            string(a, A, "product_retailer_id")?;
        }
        _ => {
            string(a, A, "catalog_id")?;
            for (n, s) in array(a, A, "sections", 1, 10)?.iter().enumerate() {
                let path = format!("{A}.sections[{n}]");
                let s = obj(s, &path)?;
                for (m, item) in array(s, &path, "product_items", 1, 30)?.iter().enumerate() {
                    let ip = format!("{path}.product_items[{m}]");
                    string(obj(item, &ip)?, &ip, "product_retailer_id")?;
                }
            }
        }
    }
    Ok(())
}
