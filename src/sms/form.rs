//! What PHP hands a gateway's script: `$_GET` from the query string, `$_POST` from an
//! `application/x-www-form-urlencoded` or `multipart/form-data` body (any other body, JSON
//! included, leaves `$_POST` empty), `$_FILES` from the multipart file parts, with PHP's bracket
//! names (`numbers[]=a`, `numbers[0][number]=a`) read into nested arrays. Pure.

use crate::graph::multipart;

/// One value of a PHP array: a string, or an array (ordered, keyed).
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Text(String),
    Array(Vec<(String, Field)>),
}

impl Field {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Field::Text(t) => Some(t),
            Field::Array(_) => None,
        }
    }

    /// PHP's truthiness of a request value: "" and "0" are false, an empty array is false.
    pub fn truthy(&self) -> bool {
        match self {
            Field::Text(t) => !(t.is_empty() || t == "0"),
            Field::Array(a) => !a.is_empty(),
        }
    }

    /// The values of an array in order; a string is a one-element list (`is_array($x) ? $x : [$x]`).
    pub fn items(&self) -> Vec<&Field> {
        match self {
            Field::Text(_) => vec![self],
            Field::Array(a) => a.iter().map(|(_, v)| v).collect(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Field> {
        match self {
            Field::Array(a) => a.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            Field::Text(_) => None,
        }
    }
}

/// A PHP request array (`$_GET`, `$_POST`): keys in order of first appearance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Form {
    pub fields: Vec<(String, Field)>,
    /// Multipart parts with a file name (`$_FILES`): name, file name, bytes.
    pub files: Vec<(String, String, Vec<u8>)>,
}

/// PHP's bracket path of a name: `a[b][]` -> ("a", ["b", ""]). A name without a closed `[`
/// is taken whole, as PHP does.
fn split_name(name: &str) -> (String, Vec<String>) {
    let Some(open) = name.find('[') else {
        return (name.to_string(), vec![]);
    };
    let (base, mut rest) = name.split_at(open);
    let mut path = Vec::new();
    while let Some(inner) = rest.strip_prefix('[') {
        let Some(close) = inner.find(']') else { break };
        path.push(inner[..close].to_string());
        rest = &inner[close + 1..];
    }
    if path.is_empty() || base.is_empty() {
        return (name.to_string(), vec![]);
    }
    (base.to_string(), path)
}

fn insert(into: &mut Vec<(String, Field)>, key: String, path: &[String], value: String) {
    let key = if key.is_empty() {
        // `[]`: the next integer key, as PHP appends.
        let next = into
            .iter()
            .filter_map(|(k, _)| k.parse::<i64>().ok())
            .max()
            .map_or(0, |n| n + 1);
        next.to_string()
    } else {
        key
    };
    let Some((first, rest)) = path.split_first() else {
        match into.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = Field::Text(value),
            None => into.push((key, Field::Text(value))),
        }
        return;
    };
    let at = match into.iter().position(|(k, _)| *k == key) {
        Some(i) => i,
        None => {
            into.push((key, Field::Array(vec![])));
            into.len() - 1
        }
    };
    if !matches!(into[at].1, Field::Array(_)) {
        into[at].1 = Field::Array(vec![]);
    }
    if let Field::Array(inner) = &mut into[at].1 {
        insert(inner, first.clone(), rest, value);
    }
}

impl Form {
    /// Adds one `name=value` pair with PHP's bracket rules.
    pub fn add(&mut self, name: &str, value: String) {
        let (base, path) = split_name(name);
        insert(&mut self.fields, base, &path, value);
    }

    /// `$_GET`: the query string (without `?`).
    pub fn from_query(query: &str) -> Form {
        let mut f = Form::default();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            f.add(&k, v.into_owned());
        }
        f
    }

    /// `$_POST` and `$_FILES` of a body with its Content-Type. Bodies PHP does not parse (JSON,
    /// text, none) give an empty form; a multipart body that does not parse is refused.
    pub fn from_body(content_type: Option<&str>, body: &[u8]) -> Result<Form, String> {
        let mut f = Form::default();
        let Some(ct) = content_type else {
            return Ok(f);
        };
        let essence = ct.split(';').next().unwrap_or("").trim();
        if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            for (k, v) in url::form_urlencoded::parse(body) {
                f.add(&k, v.into_owned());
            }
        } else if let Some(boundary) = multipart::boundary(ct) {
            for part in multipart::parse(body, &boundary)? {
                match part.filename {
                    Some(file) => f.files.push((part.name, file, part.data)),
                    None => f.add(&part.name, String::from_utf8_lossy(&part.data).into_owned()),
                }
            }
        }
        Ok(f)
    }

    /// `array_merge($_GET, $_POST)` as `$_REQUEST` is built: POST wins.
    pub fn merged(mut self, post: Form) -> Form {
        for (k, v) in post.fields {
            match self.fields.iter_mut().find(|(key, _)| *key == k) {
                Some(slot) => slot.1 = v,
                None => self.fields.push((k, v)),
            }
        }
        self.files.extend(post.files);
        self
    }

    pub fn get(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// A string value (None when absent or an array).
    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Field::as_text)
    }

    /// A string value that is not empty after trimming.
    pub fn filled(&self, key: &str) -> Option<&str> {
        self.text(key).filter(|t| !t.trim().is_empty())
    }
}

/// An integer as a client sends it in a form: `260`, `-3`, or an integral float (`260.0`),
/// read as the JSON API's integers are (see `wa::integer`); None for anything else.
pub fn integer(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty()
        || !t
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(t.strip_prefix('+').unwrap_or(t)).ok()?;
    crate::wa::integer::as_i64(&value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_nest_as_php_reads_them() {
        let f = Form::from_query(
            "text=Hi+there&numbers[]=%2B33612345678&numbers[]=%2B33687654321&n[0][number]=1&n[0][data]=x&a",
        );
        assert_eq!(f.text("text"), Some("Hi there"));
        let numbers = f.get("numbers").unwrap().items();
        assert_eq!(numbers.len(), 2);
        assert_eq!(numbers[1].as_text(), Some("+33687654321"));
        let first = f.get("n").unwrap().items()[0];
        assert_eq!(first.get("data").and_then(Field::as_text), Some("x"));
        assert_eq!(f.text("a"), Some(""));
        assert_eq!(
            Form::from_query("x[=1").text("x["),
            Some("1"),
            "an unclosed bracket is part of the name"
        );
    }

    #[test]
    fn bodies_php_does_not_parse_are_empty_and_post_wins() {
        let json = Form::from_body(Some("application/json"), br#"{"text":"x"}"#).unwrap();
        assert!(json.fields.is_empty());
        let post = Form::from_body(
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            b"token=b&x=1",
        )
        .unwrap();
        let all = Form::from_query("token=a&y=2").merged(post);
        assert_eq!(all.text("token"), Some("b"));
        assert_eq!(all.text("y"), Some("2"));
        let mp = b"--B\r\nContent-Disposition: form-data; name=\"sim\"\r\n\r\n1\r\n--B\r\nContent-Disposition: form-data; name=\"medias[]\"; filename=\"a.jpg\"\r\n\r\nJPG\r\n--B--\r\n";
        let f = Form::from_body(Some("multipart/form-data; boundary=B"), mp).unwrap();
        assert_eq!(f.text("sim"), Some("1"));
        assert_eq!(f.files[0].1, "a.jpg");
        assert!(Form::from_body(Some("multipart/form-data; boundary=B"), b"junk").is_err());
    }

    #[test]
    fn integers_take_integral_floats() {
        assert_eq!(integer("260"), Some(260));
        assert_eq!(integer("260.0"), Some(260));
        assert_eq!(integer(" 7 "), Some(7));
        assert_eq!(integer("-3"), Some(-3));
        for bad in ["260.5", "abc", "", "1e400", "0x10", "[1]"] {
            assert_eq!(integer(bad), None, "{bad}");
        }
    }
}
