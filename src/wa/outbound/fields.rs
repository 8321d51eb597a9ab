//! Typed access to a JSON message body: every failure names the field (1008 missing, 1009 bad
//! value, 1010 unknown field), worded by `wa::invalid`.

pub(super) use crate::wa::invalid::join;
use crate::wa::ApiError;
use serde_json::{Map, Value};

pub(super) type Obj = Map<String, Value>;

pub(super) fn obj<'a>(v: &'a Value, path: &str) -> Result<&'a Obj, ApiError> {
    v.as_object()
        .ok_or_else(|| ApiError::invalid(path, "must be a JSON object"))
}

pub(super) fn field<'a>(o: &'a Obj, path: &str, name: &str) -> Result<&'a Value, ApiError> {
    match o.get(name) {
        Some(Value::Null) | None => Err(ApiError::missing(&join(path, name))),
        Some(v) => Ok(v),
    }
}

pub(super) fn string<'a>(o: &'a Obj, path: &str, name: &str) -> Result<&'a str, ApiError> {
    let v = field(o, path, name)?;
    let s = v
        .as_str()
        .ok_or_else(|| ApiError::invalid(&join(path, name), "must be a string"))?;
    if s.trim().is_empty() {
        return Err(ApiError::invalid(&join(path, name), "must not be empty"));
    }
    Ok(s)
}

pub(super) fn opt_string<'a>(
    o: &'a Obj,
    path: &str,
    name: &str,
) -> Result<Option<&'a str>, ApiError> {
    match o.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid(&join(path, name), "must be a string")),
    }
}

pub(super) fn max_chars(s: &str, path: &str, max: usize) -> Result<(), ApiError> {
    let n = s.chars().count();
    if n > max {
        return Err(ApiError::invalid(
            path,
            format!("is {n} characters, the limit is {max}"),
        ));
    }
    Ok(())
}

pub(super) fn only(o: &Obj, path: &str, allowed: &[&str]) -> Result<(), ApiError> {
    for k in o.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(ApiError::unknown_field(&join(path, k)));
        }
    }
    Ok(())
}

pub(super) fn array<'a>(
    o: &'a Obj,
    path: &str,
    name: &str,
    min: usize,
    max: usize,
) -> Result<&'a Vec<Value>, ApiError> {
    let p = join(path, name);
    let a = field(o, path, name)?
        .as_array()
        .ok_or_else(|| ApiError::invalid(&p, "must be an array"))?;
    if a.len() < min || a.len() > max {
        return Err(ApiError::invalid(
            &p,
            format!("must hold {min} to {max} items, it holds {}", a.len()),
        ));
    }
    Ok(a)
}

pub(super) fn number(o: &Obj, path: &str, name: &str, range: (f64, f64)) -> Result<f64, ApiError> {
    let p = join(path, name);
    let v = field(o, path, name)?;
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .ok_or_else(|| ApiError::invalid(&p, "must be a number"))?;
    // "NaN", "inf" and "-Infinity" parse as f64 but are no coordinates; NaN passes every
    // comparison, so it is refused before the range check.
    if !n.is_finite() {
        return Err(ApiError::invalid(&p, "must be a finite number"));
    }
    if n < range.0 || n > range.1 {
        return Err(ApiError::invalid(
            &p,
            format!("must be between {} and {}", range.0, range.1),
        ));
    }
    Ok(n)
}
