//! Interactive payloads: reply buttons, list, single product and multi-product messages.
//!
//! Limits are WhatsApp's own; Meta's On-Prem pages are gone, so they are cross-checked against
//! copies and SDKs that quote them:
//! - body 1024, footer 60, header text 60 characters; header only for `button` (text, image,
//!   video or document), `list` and `product_list` (text only), required for `product_list`,
//!   refused for `product` (whatsapp.github.io/WhatsApp-Nodejs-SDK/api-reference/types/InteractiveObject,
//!   Meta's HeaderObject: "text: used for List Messages, Reply Buttons, and Multi-Product
//!   Messages; video, image, document: used for Reply Buttons").
//! - list: button text 20, 1 to 10 sections, a section title (24) required when there are
//!   several, at most 10 rows in all, row id 200 and unique, row title 24, description 72
//!   (docs.gupshup.io/docs/list-node "Row title 24, Row Description 72, Button Title 20,
//!   Footer 60, Message 1024"; whatsappapijs.web.app ListSection "Title of the section, only
//!   required if there are more than one section ... over 24 characters"; Zernio's OpenAPI
//!   "1-10 sections. Total rows across all sections cannot exceed 10"; hex.pm wax Row
//!   "@max_id_length 200").
//! - reply buttons: 1 to 3, id 256 and unique, title 20.
//! - product_list: 1 to 10 sections, a section title (24) required when there are several,
//!   at most 30 products in all (docs.360dialog.com single-and-multi-product-messages "up to
//!   30 items").

use super::fields::*;
use super::media::header_media;
use super::MediaLookup;
use crate::wa::ApiError;
use std::collections::HashSet;

const P: &str = "interactive";
const A: &str = "interactive.action";
const BODY_MAX: usize = 1024;
const FOOTER_MAX: usize = 60;
const HEADER_TEXT_MAX: usize = 60;
const LIST_BUTTON_MAX: usize = 20;
const SECTIONS_MAX: usize = 10;
const SECTION_TITLE_MAX: usize = 24;
const LIST_ROWS_MAX: usize = 10;
const ROW_ID_MAX: usize = 200;
const ROW_TITLE_MAX: usize = 24;
const ROW_DESCRIPTION_MAX: usize = 72;
const BUTTONS_MAX: usize = 3;
const BUTTON_ID_MAX: usize = 256;
const BUTTON_TITLE_MAX: usize = 20;
const PRODUCTS_MAX: usize = 30;

pub(super) fn interactive(i: &Obj, media: MediaLookup) -> Result<(), ApiError> {
    only(i, P, &["type", "header", "body", "footer", "action"])?;
    let kind = string(i, P, "type")?;
    if !["button", "list", "product", "product_list"].contains(&kind) {
        return Err(ApiError::invalid(
            "interactive.type",
            format!("'{kind}' is not button, list, product or product_list"),
        ));
    }
    if kind != "product" || i.contains_key("body") {
        text_object(i, "body", BODY_MAX)?;
    }
    if i.contains_key("footer") {
        text_object(i, "footer", FOOTER_MAX)?;
    }
    header(i, kind, media)?;
    let a = obj(field(i, P, "action")?, A)?;
    match kind {
        "button" => buttons(a),
        "list" => list(a),
        "product" => {
            only(a, A, &["catalog_id", "product_retailer_id"])?;
            string(a, A, "catalog_id")?;
            string(a, A, "product_retailer_id").map(|_| ())
        }
        _ => product_list(a),
    }
}

/// `body` / `footer`: `{"text": "..."}` of at most `max` characters.
fn text_object(i: &Obj, name: &str, max: usize) -> Result<(), ApiError> {
    let path = join(P, name);
    let t = obj(field(i, P, name)?, &path)?;
    only(t, &path, &["text"])?;
    max_chars(string(t, &path, "text")?, &join(&path, "text"), max)
}

fn header(i: &Obj, kind: &str, media: MediaLookup) -> Result<(), ApiError> {
    const H: &str = "interactive.header";
    let Some(h) = i.get("header") else {
        return match kind {
            "product_list" => Err(ApiError::missing(H)),
            _ => Ok(()),
        };
    };
    if kind == "product" {
        return Err(ApiError::not_allowed(H, "not for a product message"));
    }
    let h = obj(h, H)?;
    let ht = string(h, H, "type")?;
    match (ht, kind) {
        ("text", _) => {
            only(h, H, &["type", "text"])?;
            max_chars(
                string(h, H, "text")?,
                "interactive.header.text",
                HEADER_TEXT_MAX,
            )
        }
        ("image" | "video" | "document", "button") => {
            only(h, H, &["type", ht])?;
            let path = join(H, ht);
            header_media(obj(field(h, H, ht)?, &path)?, &path, ht, media).map(|_| ())
        }
        ("image" | "video" | "document", _) => Err(ApiError::invalid(
            "interactive.header.type",
            format!("a {kind} message takes only a text header, not {ht}"),
        )),
        _ => Err(ApiError::invalid(
            "interactive.header.type",
            "must be text, image, video or document",
        )),
    }
}

fn buttons(a: &Obj) -> Result<(), ApiError> {
    only(a, A, &["buttons"])?;
    let mut ids = HashSet::new();
    for (n, b) in array(a, A, "buttons", 1, BUTTONS_MAX)?.iter().enumerate() {
        let path = format!("{A}.buttons[{n}]");
        let b = obj(b, &path)?;
        only(b, &path, &["type", "reply"])?;
        if string(b, &path, "type")? != "reply" {
            return Err(ApiError::invalid(&join(&path, "type"), "must be reply"));
        }
        let rp = join(&path, "reply");
        let r = obj(field(b, &path, "reply")?, &rp)?;
        only(r, &rp, &["id", "title"])?;
        let id = string(r, &rp, "id")?;
        max_chars(id, &join(&rp, "id"), BUTTON_ID_MAX)?;
        max_chars(
            string(r, &rp, "title")?,
            &join(&rp, "title"),
            BUTTON_TITLE_MAX,
        )?;
        if !ids.insert(id) {
            return Err(ApiError::invalid(
                &join(&rp, "id"),
                format!("'{id}' is used twice; button ids must be unique"),
            ));
        }
    }
    Ok(())
}

/// The sections of a list or product_list: 1 to 10, each titled when there are several.
fn sections(a: &Obj) -> Result<Vec<(String, &Obj)>, ApiError> {
    let list = array(a, A, "sections", 1, SECTIONS_MAX)?;
    let mut out = Vec::with_capacity(list.len());
    for (n, s) in list.iter().enumerate() {
        let path = format!("{A}.sections[{n}]");
        let s = obj(s, &path)?;
        let title = if list.len() > 1 {
            Some(string(s, &path, "title")?)
        } else {
            opt_string(s, &path, "title")?
        };
        if let Some(t) = title {
            max_chars(t, &join(&path, "title"), SECTION_TITLE_MAX)?;
        }
        out.push((path, s));
    }
    Ok(out)
}

fn list(a: &Obj) -> Result<(), ApiError> {
    only(a, A, &["button", "sections"])?;
    max_chars(
        string(a, A, "button")?,
        "interactive.action.button",
        LIST_BUTTON_MAX,
    )?;
    let mut ids = HashSet::new();
    for (path, s) in sections(a)? {
        only(s, &path, &["title", "rows"])?;
        for (m, r) in array(s, &path, "rows", 1, LIST_ROWS_MAX)?
            .iter()
            .enumerate()
        {
            let rp = format!("{path}.rows[{m}]");
            let r = obj(r, &rp)?;
            only(r, &rp, &["id", "title", "description"])?;
            let id = string(r, &rp, "id")?;
            max_chars(id, &join(&rp, "id"), ROW_ID_MAX)?;
            if !ids.insert(id) {
                return Err(ApiError::invalid(
                    &join(&rp, "id"),
                    format!("'{id}' is used twice; row ids must be unique"),
                ));
            }
            max_chars(string(r, &rp, "title")?, &join(&rp, "title"), ROW_TITLE_MAX)?;
            if let Some(d) = opt_string(r, &rp, "description")? {
                max_chars(d, &join(&rp, "description"), ROW_DESCRIPTION_MAX)?;
            }
        }
    }
    if ids.len() > LIST_ROWS_MAX {
        return Err(ApiError::invalid(
            "interactive.action.sections",
            format!(
                "{} rows in all, the limit is {LIST_ROWS_MAX} across all sections",
                ids.len()
            ),
        ));
    }
    Ok(())
}

fn product_list(a: &Obj) -> Result<(), ApiError> {
    only(a, A, &["catalog_id", "sections"])?;
    string(a, A, "catalog_id")?;
    let mut total = 0;
    for (path, s) in sections(a)? {
        only(s, &path, &["title", "product_items"])?;
        let items = array(s, &path, "product_items", 1, PRODUCTS_MAX)?;
        for (m, item) in items.iter().enumerate() {
            let ip = format!("{path}.product_items[{m}]");
            let item = obj(item, &ip)?;
            only(item, &ip, &["product_retailer_id"])?;
            string(item, &ip, "product_retailer_id")?;
        }
        total += items.len();
    }
    if total > PRODUCTS_MAX {
        return Err(ApiError::invalid(
            "interactive.action.sections",
            format!("{total} products in all, the limit is {PRODUCTS_MAX} across all sections"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{check, code};
    use serde_json::{json, Value};

    fn send(i: Value) -> Value {
        json!({"to": "16315551001", "type": "interactive", "interactive": i})
    }

    fn rows(prefix: &str, n: usize) -> Vec<Value> {
        (0..n)
            .map(|i| json!({"id": format!("{prefix}{i}"), "title": "Row"}))
            .collect()
    }

    fn list(sections: Value) -> Value {
        send(
            json!({"type": "list", "body": {"text": "Pick"}, "action": {"button": "Open", "sections": sections}}),
        )
    }

    fn product_list(sections: Value) -> Value {
        send(
            json!({"type": "product_list", "header": {"type": "text", "text": "H"}, "body": {"text": "b"},
            "action": {"catalog_id": "c", "sections": sections}}),
        )
    }

    fn items(n: usize) -> Vec<Value> {
        (0..n)
            .map(|i| json!({"product_retailer_id": format!("p{i}")}))
            .collect()
    }

    /// The code and the start of the details.
    fn fails(v: Value, want: u32, field: &str) {
        let (c, details) = code(v);
        assert_eq!(c, want, "{details}");
        assert!(details.contains(field), "{details} (want {field})");
    }

    #[test]
    fn reply_buttons() {
        let b = |buttons: Value| {
            send(
                json!({"type": "button", "body": {"text": "Pick"}, "action": {"buttons": buttons}}),
            )
        };
        let reply =
            |id: &str, title: &str| json!({"type": "reply", "reply": {"id": id, "title": title}});
        assert!(check(b(json!([
            reply("a", "A"),
            reply("b", "B"),
            reply("c", "C")
        ])))
        .is_ok());
        fails(b(json!([1, 2, 3, 4])), 1009, "interactive.action.buttons");
        fails(b(json!([reply("a", &"x".repeat(21))])), 1009, "reply.title");
        fails(
            b(json!([reply("a", "A"), reply("a", "B")])),
            1009,
            "buttons[1].reply.id",
        );
        fails(
            b(json!([{"type": "url", "reply": {"id": "a", "title": "A"}}])),
            1009,
            "buttons[0].type",
        );
        fails(
            b(json!([{"type": "reply", "reply": {"id": "a", "title": "A", "x": 1}}])),
            1010,
            "reply.x",
        );
    }

    #[test]
    fn headers_by_message_type() {
        let buttons = json!({"buttons": [{"type": "reply", "reply": {"id": "a", "title": "A"}}]});
        let with = |kind: &str, header: Value, action: Value| {
            send(json!({"type": kind, "header": header, "body": {"text": "b"}, "action": action}))
        };
        let image = json!({"type": "image", "image": {"id": "known-media"}});
        let document = json!({"type": "document", "document": {"link": "https://x.test/a.pdf"}});
        let text = json!({"type": "text", "text": "Hi"});
        let list_action = json!({"button": "Open", "sections": [{"rows": rows("r", 1)}]});
        let pl_action = json!({"catalog_id": "c", "sections": [{"product_items": items(1)}]});
        assert!(check(with("button", image.clone(), buttons.clone())).is_ok());
        assert!(check(with("button", document.clone(), buttons.clone())).is_ok());
        assert!(check(with("list", text.clone(), list_action.clone())).is_ok());
        assert!(check(with("product_list", text.clone(), pl_action.clone())).is_ok());
        fails(
            with("list", image.clone(), list_action.clone()),
            1009,
            "interactive.header.type",
        );
        fails(
            with("list", document, list_action),
            1009,
            "interactive.header.type",
        );
        fails(
            with("product_list", image.clone(), pl_action.clone()),
            1009,
            "interactive.header.type",
        );
        fails(
            with(
                "product",
                text.clone(),
                json!({"catalog_id": "c", "product_retailer_id": "p"}),
            ),
            1010,
            "interactive.header",
        );
        fails(
            send(json!({"type": "product_list", "body": {"text": "b"}, "action": pl_action})),
            1008,
            "interactive.header",
        );
        fails(
            with(
                "button",
                json!({"type": "text", "text": "x".repeat(61)}),
                buttons.clone(),
            ),
            1009,
            "interactive.header.text",
        );
        fails(
            with(
                "button",
                json!({"type": "text", "text": "H", "image": {}}),
                buttons.clone(),
            ),
            1010,
            "interactive.header.image",
        );
        fails(
            with("button", json!({"type": "gif"}), buttons.clone()),
            1009,
            "interactive.header.type",
        );
        fails(
            with(
                "button",
                json!({"type": "video", "video": {"id": "known-media"}}),
                buttons,
            ),
            1009,
            "interactive.header.video.id",
        );
    }

    #[test]
    fn body_and_footer_lengths() {
        let b = |body: &str, footer: &str| {
            send(
                json!({"type": "list", "body": {"text": body}, "footer": {"text": footer},
                "action": {"button": "Open", "sections": [{"rows": rows("r", 1)}]}}),
            )
        };
        assert!(check(b(&"x".repeat(1024), &"x".repeat(60))).is_ok());
        fails(b(&"x".repeat(1025), "f"), 1009, "interactive.body.text");
        fails(b("b", &"x".repeat(61)), 1009, "interactive.footer.text");
        fails(
            send(
                json!({"type": "list", "action": {"button": "Open", "sections": [{"rows": rows("r", 1)}]}}),
            ),
            1008,
            "interactive.body",
        );
    }

    #[test]
    fn list_limits() {
        assert!(check(list(
            json!([{"title": "S", "rows": [{"id": "r1", "title": "Row", "description": "d"}]}])
        ))
        .is_ok());
        assert!(check(list(json!([{"rows": rows("a", 10)}]))).is_ok());
        assert!(check(list(
            json!([{"title": "A", "rows": rows("a", 5)}, {"title": "B", "rows": rows("b", 5)}])
        ))
        .is_ok());
        fails(
            list(
                json!([{"title": "A", "rows": rows("a", 6)}, {"title": "B", "rows": rows("b", 5)}]),
            ),
            1009,
            "11 rows in all",
        );
        fails(
            list(json!([{"rows": rows("a", 11)}])),
            1009,
            "interactive.action.sections[0].rows",
        );
        let eleven: Vec<Value> = (0..11)
            .map(|i| json!({"title": "S", "rows": rows(&format!("s{i}-"), 1)}))
            .collect();
        fails(list(json!(eleven)), 1009, "interactive.action.sections");
        fails(list(json!([])), 1009, "interactive.action.sections");
        fails(
            list(json!([{"title": "A", "rows": rows("a", 1)}, {"rows": rows("b", 1)}])),
            1008,
            "interactive.action.sections[1].title",
        );
        fails(
            list(json!([{"title": "x".repeat(25), "rows": rows("a", 1)}])),
            1009,
            "sections[0].title",
        );
        fails(
            list(
                json!([{"title": "A", "rows": rows("a", 2)}, {"title": "B", "rows": rows("a", 1)}]),
            ),
            1009,
            "sections[1].rows[0].id",
        );
        fails(
            list(json!([{"rows": [{"id": "x".repeat(201), "title": "t"}]}])),
            1009,
            "rows[0].id",
        );
        fails(
            list(json!([{"rows": [{"id": "a", "title": "x".repeat(25)}]}])),
            1009,
            "rows[0].title",
        );
        fails(
            list(json!([{"rows": [{"id": "a", "title": "t", "description": "x".repeat(73)}]}])),
            1009,
            "rows[0].description",
        );
        fails(
            list(json!([{"rows": [{"id": "a", "title": "t", "image": "x"}]}])),
            1010,
            "rows[0].image",
        );
        fails(list(json!([{"rows": []}])), 1009, "sections[0].rows");
        let button = |b: &str| {
            send(
                json!({"type": "list", "body": {"text": "b"}, "action": {"button": b, "sections": [{"rows": rows("r", 1)}]}}),
            )
        };
        fails(button(&"x".repeat(21)), 1009, "interactive.action.button");
        assert!(check(button(&"x".repeat(20))).is_ok());
    }

    #[test]
    fn product_list_limits() {
        assert!(check(product_list(json!([{"product_items": items(30)}]))).is_ok());
        assert!(check(product_list(json!([{"title": "A", "product_items": items(15)}, {"title": "B", "product_items": items(15)}]))).is_ok());
        fails(
            product_list(
                json!([{"title": "A", "product_items": items(16)}, {"title": "B", "product_items": items(15)}]),
            ),
            1009,
            "31 products in all",
        );
        fails(
            product_list(json!([{"product_items": items(31)}])),
            1009,
            "sections[0].product_items",
        );
        fails(
            product_list(
                json!([{"title": "A", "product_items": items(1)}, {"product_items": items(1)}]),
            ),
            1008,
            "interactive.action.sections[1].title",
        );
        fails(
            product_list(json!([{"title": "x".repeat(25), "product_items": items(1)}])),
            1009,
            "sections[0].title",
        );
        fails(
            product_list(json!([{"product_items": []}])),
            1009,
            "sections[0].product_items",
        );
        fails(
            product_list(json!([{"product_items": [{"sku": "p"}]}])),
            1010,
            "product_items[0].sku",
        );
        let eleven: Vec<Value> = (0..11)
            .map(|_| json!({"title": "S", "product_items": items(1)}))
            .collect();
        fails(
            product_list(json!(eleven)),
            1009,
            "interactive.action.sections",
        );
    }
}
