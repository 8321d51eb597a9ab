//! Graph cursor paging over a key-ordered list: `limit`, `after`, `before`, and the answer's
//! `paging: {cursors: {before, after}, next?, previous?}` (`next` only when more items follow).
//! Cursors are opaque to clients: URL-safe base64 of the item's key.

use super::GraphError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

/// Graph's usual page size (Meta does not publish it per edge: UNCONFIRMED).
pub const DEFAULT_LIMIT: usize = 25;
pub const MAX_LIMIT: usize = 100;

pub fn cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

fn decode(what: &str, c: &str) -> Result<String, GraphError> {
    URL_SAFE_NO_PAD
        .decode(c.trim_end_matches('='))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| GraphError::invalid(format!("{what}: not a cursor this edge returned")))
}

/// What the client asked for.
#[derive(Debug, Default, Clone)]
pub struct PageRequest {
    pub limit: Option<String>,
    pub after: Option<String>,
    pub before: Option<String>,
}

/// The items of one page (a range of `keys`) and the `paging` object (None when empty).
#[derive(Debug)]
pub struct Page {
    pub range: std::ops::Range<usize>,
    pub paging: Option<Value>,
}

/// `keys` must be sorted. `link` builds the absolute URL of a page from its
/// (`after` | `before`, cursor) pair.
pub fn page(
    keys: &[String],
    req: &PageRequest,
    link: impl Fn(&str, &str) -> String,
) -> Result<Page, GraphError> {
    let limit = match &req.limit {
        None => DEFAULT_LIMIT,
        Some(l) => match l.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                return Err(GraphError::invalid(format!(
                    "limit: must be an integer from 1 to {MAX_LIMIT}"
                )))
            }
        },
    };
    let range = if let Some(a) = &req.after {
        let a = decode("after", a)?;
        let start = keys.partition_point(|k| k.as_str() <= a.as_str());
        start..(start + limit).min(keys.len())
    } else if let Some(b) = &req.before {
        let b = decode("before", b)?;
        let end = keys.partition_point(|k| k.as_str() < b.as_str());
        end.saturating_sub(limit)..end
    } else {
        0..limit.min(keys.len())
    };
    if range.is_empty() {
        return Ok(Page {
            range,
            paging: None,
        });
    }
    let (first, last) = (cursor(&keys[range.start]), cursor(&keys[range.end - 1]));
    let mut paging = json!({ "cursors": { "before": first, "after": last } });
    if range.end < keys.len() {
        paging["next"] = json!(link("after", &last));
    }
    if range.start > 0 {
        paging["previous"] = json!(link("before", &first));
    }
    Ok(Page {
        range,
        paging: Some(paging),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_forward_and_back() {
        let keys: Vec<String> = (0..5).map(|i| format!("k{i}")).collect();
        let link = |dir: &str, c: &str| format!("u?{dir}={c}");
        let req = PageRequest {
            limit: Some("2".into()),
            ..Default::default()
        };
        let p1 = page(&keys, &req, link).unwrap();
        assert_eq!(p1.range, 0..2);
        let paging = p1.paging.unwrap();
        assert_eq!(paging["next"], format!("u?after={}", cursor("k1")));
        assert!(paging.get("previous").is_none());
        let after = PageRequest {
            after: Some(cursor("k1")),
            ..req.clone()
        };
        assert_eq!(page(&keys, &after, link).unwrap().range, 2..4);
        let before = PageRequest {
            before: Some(cursor("k4")),
            ..req.clone()
        };
        assert_eq!(page(&keys, &before, link).unwrap().range, 2..4);
        let last = PageRequest {
            after: Some(cursor("k3")),
            ..req
        };
        let p = page(&keys, &last, link).unwrap();
        assert_eq!(p.range, 4..5);
        assert!(p.paging.unwrap().get("next").is_none());
        for bad in ["0", "101", "x"] {
            let r = PageRequest {
                limit: Some(bad.into()),
                ..Default::default()
            };
            assert!(page(&keys, &r, link).is_err());
        }
    }
}
