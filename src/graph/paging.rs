//! Graph cursor paging over a key-ordered list: `limit`, `after`, `before`, and the answer's
//! `paging: {cursors: {before, after}, next?, previous?}` (`next` only when more items follow
//! that way). Cursors are opaque to clients: URL-safe base64 of the item's key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

/// Graph's usual page size (Meta does not publish it per edge: UNCONFIRMED).
pub const DEFAULT_LIMIT: usize = 25;
pub const MAX_LIMIT: usize = 100;

/// The cursor of an item key.
pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key.as_bytes())
}

/// The item key of a cursor this edge gave out; None for anything else.
pub fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.trim().trim_end_matches('='))
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// The paging parameters of a list call: `after`/`before` hold the decoded cursor keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: usize,
    pub after: Option<String>,
    pub before: Option<String>,
}

impl PageRequest {
    /// One page of `items` (in key order, `key` giving each item's cursor key): the items and
    /// the Graph `paging` object (`cursors`, plus `next`/`previous` only when there is more that
    /// way), None for an empty page. `link` builds the absolute URL of another page from its
    /// (`after` | `before`, cursor) pair.
    pub fn cut<T>(
        &self,
        items: Vec<T>,
        key: impl Fn(&T) -> String,
        link: impl Fn(&str, &str) -> String,
    ) -> (Vec<T>, Option<Value>) {
        let total = items.len();
        let (start, end) = match (&self.after, &self.before) {
            (Some(a), _) => {
                let start = items.iter().position(|i| key(i) > *a).unwrap_or(total);
                (start, (start + self.limit).min(total))
            }
            (None, Some(b)) => {
                let end = items.iter().position(|i| key(i) >= *b).unwrap_or(total);
                (end.saturating_sub(self.limit), end)
            }
            (None, None) => (0, self.limit.min(total)),
        };
        let page: Vec<T> = items.into_iter().skip(start).take(end - start).collect();
        let (Some(first), Some(last)) = (page.first(), page.last()) else {
            return (page, None);
        };
        let (before, after) = (encode_cursor(&key(first)), encode_cursor(&key(last)));
        let mut paging = json!({ "cursors": { "before": before, "after": after } });
        if end < total {
            paging["next"] = json!(link("after", &after));
        }
        if start > 0 {
            paging["previous"] = json!(link("before", &before));
        }
        (page, Some(paging))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_forward_and_back() {
        let keys: Vec<String> = (0..5).map(|i| format!("k{i}")).collect();
        let link = |dir: &str, c: &str| format!("u?{dir}={c}");
        let req = PageRequest {
            limit: 2,
            after: None,
            before: None,
        };
        let cut = |r: &PageRequest| r.cut(keys.clone(), String::clone, link);
        let (p1, paging) = cut(&req);
        assert_eq!(p1, ["k0", "k1"]);
        let paging = paging.unwrap();
        assert_eq!(paging["next"], format!("u?after={}", encode_cursor("k1")));
        assert!(paging.get("previous").is_none());
        let after = PageRequest {
            after: Some("k1".into()),
            ..req.clone()
        };
        assert_eq!(cut(&after).0, ["k2", "k3"]);
        let before = PageRequest {
            before: Some("k4".into()),
            ..req.clone()
        };
        assert_eq!(cut(&before).0, ["k2", "k3"]);
        let last = PageRequest {
            after: Some("k3".into()),
            ..req
        };
        let (p, paging) = cut(&last);
        assert_eq!(p, ["k4"]);
        assert!(paging.unwrap().get("next").is_none());
        assert_eq!(decode_cursor(&encode_cursor("k3")).as_deref(), Some("k3"));
        assert_eq!(decode_cursor("%%%"), None);
    }
}
