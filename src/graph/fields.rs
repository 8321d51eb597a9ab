//! The Graph `fields` parameter: a comma list whose items may carry nested fields
//! (`throughput{level}`, `whatsapp_business_profile{about,vertical}`) and modifiers
//! (`qr_image_url.format(SVG)`).

use super::GraphError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    /// `.name(arg)` modifiers, e.g. `("format", "SVG")`.
    pub modifiers: Vec<(String, String)>,
    /// Nested selection; empty = the whole value.
    pub nested: Vec<Field>,
}

/// Parses `fields`; an empty list when the parameter is blank.
pub fn parse(text: &str) -> Result<Vec<Field>, GraphError> {
    let chars: Vec<char> = text.chars().collect();
    let mut pos = 0;
    let fields = list(&chars, &mut pos)?;
    if pos != chars.len() {
        return Err(syntax(text));
    }
    Ok(fields)
}

fn syntax(text: &str) -> GraphError {
    GraphError::graph_param(format!(
        "Syntax error in fields: {:?}",
        text.chars().take(200).collect::<String>()
    ))
}

fn list(c: &[char], pos: &mut usize) -> Result<Vec<Field>, GraphError> {
    let mut out = vec![];
    loop {
        skip_space(c, pos);
        if *pos >= c.len() || c[*pos] == '}' {
            return Ok(out);
        }
        if c[*pos] == ',' {
            *pos += 1;
            continue;
        }
        out.push(field(c, pos)?);
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
        return Err(syntax(&c.iter().collect::<String>()));
    }
    Ok(c[start..*pos].iter().collect())
}

fn field(c: &[char], pos: &mut usize) -> Result<Field, GraphError> {
    let whole = || c.iter().collect::<String>();
    let mut f = Field {
        name: name(c, pos)?,
        modifiers: vec![],
        nested: vec![],
    };
    while *pos < c.len() && c[*pos] == '.' {
        *pos += 1;
        let m = name(c, pos)?;
        if c.get(*pos) != Some(&'(') {
            return Err(syntax(&whole()));
        }
        let close = c[*pos..]
            .iter()
            .position(|&x| x == ')')
            .ok_or_else(|| syntax(&whole()))?;
        let arg: String = c[*pos + 1..*pos + close].iter().collect();
        *pos += close + 1;
        f.modifiers.push((m, arg));
    }
    skip_space(c, pos);
    if c.get(*pos) == Some(&'{') {
        *pos += 1;
        f.nested = list(c, pos)?;
        if c.get(*pos) != Some(&'}') {
            return Err(syntax(&whole()));
        }
        *pos += 1;
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_fields_and_modifiers() {
        let f = parse("id, throughput{level},qr_image_url.format(SVG)").unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!(f[1].name, "throughput");
        assert_eq!(f[1].nested[0].name, "level");
        assert_eq!(f[2].modifiers, vec![("format".into(), "SVG".into())]);
        assert!(parse("").unwrap().is_empty());
        for bad in ["a{b", "a.b", "a.b(c", "a}", "-"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
