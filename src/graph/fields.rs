//! The Graph `fields` parameter: a comma list whose items may carry nested fields
//! (`throughput{level}`, `whatsapp_business_profile{about,vertical}`) and modifiers
//! (`qr_image_url.format(SVG)`, `limited.limit(5)`), and the projection of an object onto it.

use super::GraphError;
use serde_json::{Map, Value};

/// One `fields` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    /// `.name(arg)` modifiers, e.g. `("format", "SVG")`.
    pub modifiers: Vec<(String, String)>,
    /// Nested selection; empty = the whole value.
    pub nested: Fields,
}

impl Field {
    /// A plain field: no modifiers, no nested selection.
    pub fn named(name: &str) -> Field {
        Field {
            name: name.to_string(),
            modifiers: vec![],
            nested: Fields::default(),
        }
    }
}

/// A parsed `fields` list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fields(pub Vec<Field>);

impl Fields {
    /// Parses `fields`; an empty list when the text is blank. A syntax error is Meta's
    /// `(#100) Syntax error in fields: "..."`.
    pub fn parse(text: &str) -> Result<Fields, GraphError> {
        let chars: Vec<char> = text.chars().collect();
        let mut pos = 0;
        let fields = list(&chars, &mut pos, 0)?;
        if pos != chars.len() {
            return Err(syntax(&chars));
        }
        Ok(fields)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Field> {
        self.0.iter()
    }

    pub fn get(&self, name: &str) -> Option<&Field> {
        self.0.iter().find(|f| f.name == name)
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The names asked for, each one of `known` (the fields of `node_type`), else Meta's
    /// nonexisting-field error.
    pub fn names_within(&self, known: &[&str], node_type: &str) -> Result<Vec<String>, GraphError> {
        self.iter()
            .map(|f| match known.contains(&f.name.as_str()) {
                true => Ok(f.name.clone()),
                false => Err(GraphError::nonexisting_field(&f.name, node_type)),
            })
            .collect()
    }

    /// `object` cut down to these fields (and `id`, which Graph always answers); a nested
    /// selection cuts the nested object (or each object of a nested list) the same way.
    pub fn project(&self, object: &Value) -> Value {
        let Value::Object(o) = object else {
            return object.clone();
        };
        let mut out = Map::new();
        for f in &self.0 {
            if let Some(v) = o.get(&f.name) {
                out.insert(f.name.clone(), f.nested.select(v));
            }
        }
        if let Some(id) = o.get("id") {
            out.insert("id".into(), id.clone());
        }
        Value::Object(out)
    }

    /// A nested value cut to this selection (the whole value when it is empty): an object keeps
    /// the named keys only (`id` too only when named), a list has each item cut.
    pub fn select(&self, value: &Value) -> Value {
        if self.is_empty() {
            return value.clone();
        }
        match value {
            Value::Array(items) => Value::Array(items.iter().map(|i| self.select(i)).collect()),
            Value::Object(_) => match self.project(value) {
                Value::Object(mut m) if !self.has("id") => {
                    m.remove("id");
                    Value::Object(m)
                }
                v => v,
            },
            other => other.clone(),
        }
    }
}

impl<'a> IntoIterator for &'a Fields {
    type Item = &'a Field;
    type IntoIter = std::slice::Iter<'a, Field>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for Fields {
    type Item = Field;
    type IntoIter = std::vec::IntoIter<Field>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

fn syntax(c: &[char]) -> GraphError {
    GraphError::graph_param(format!(
        "Syntax error in fields: {:?}",
        c.iter().take(200).collect::<String>()
    ))
}

fn list(c: &[char], pos: &mut usize, depth: usize) -> Result<Fields, GraphError> {
    if depth > 8 {
        return Err(syntax(c));
    }
    let mut out = vec![];
    loop {
        skip_space(c, pos);
        if *pos >= c.len() || c[*pos] == '}' {
            return Ok(Fields(out));
        }
        if c[*pos] == ',' {
            *pos += 1;
            continue;
        }
        out.push(field(c, pos, depth)?);
    }
}

fn skip_space(c: &[char], pos: &mut usize) {
    while *pos < c.len() && c[*pos].is_whitespace() {
        *pos += 1;
    }
}

fn name(c: &[char], pos: &mut usize) -> Result<String, GraphError> {
    let start = *pos;
    while *pos < c.len() && (c[*pos].is_ascii_alphanumeric() || c[*pos] == '_') {
        *pos += 1;
    }
    if start == *pos {
        return Err(syntax(c));
    }
    Ok(c[start..*pos].iter().collect())
}

fn field(c: &[char], pos: &mut usize, depth: usize) -> Result<Field, GraphError> {
    let mut f = Field::named(&name(c, pos)?);
    while *pos < c.len() && c[*pos] == '.' {
        *pos += 1;
        let m = name(c, pos)?;
        if c.get(*pos) != Some(&'(') {
            return Err(syntax(c));
        }
        let close = c[*pos..]
            .iter()
            .position(|&x| x == ')')
            .ok_or_else(|| syntax(c))?;
        let arg: String = c[*pos + 1..*pos + close].iter().collect();
        *pos += close + 1;
        f.modifiers.push((m, arg));
    }
    skip_space(c, pos);
    if c.get(*pos) == Some(&'{') {
        *pos += 1;
        f.nested = list(c, pos, depth + 1)?;
        if c.get(*pos) != Some(&'}') {
            return Err(syntax(c));
        }
        *pos += 1;
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_fields_and_modifiers() {
        let f = Fields::parse("id, throughput{level},qr_image_url.format(SVG)").unwrap();
        assert_eq!(f.0.len(), 3);
        assert_eq!(f.0[1].name, "throughput");
        assert_eq!(f.0[1].nested.0[0].name, "level");
        assert_eq!(f.0[2].modifiers, vec![("format".into(), "SVG".into())]);
        assert!(Fields::parse("").unwrap().is_empty());
        for bad in ["a{b", "a.b", "a.b(c", "a}", "-"] {
            assert!(Fields::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fields_nest() {
        let f =
            Fields::parse("name,throughput{level},profile{about,x{y}},limited.limit(5)").unwrap();
        assert_eq!(f.0.len(), 4);
        assert_eq!(f.get("throughput").unwrap().nested.0[0].name, "level");
        assert!(f.get("profile").unwrap().nested.has("x"));
        assert!(f.has("limited"));
        assert!(Fields::parse("a{b").is_err());
        assert!(Fields::parse("a}").is_err());
        let v = json!({"id": "1", "name": "n", "status": "S", "throughput": {"level": "H", "other": 1}});
        assert_eq!(
            Fields::parse("status,throughput{level}")
                .unwrap()
                .project(&v),
            json!({"id": "1", "status": "S", "throughput": {"level": "H"}})
        );
    }
}
