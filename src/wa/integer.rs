//! Integers in JSON bodies. JSON has one number type, and JSON Schema calls `222.0` an integer:
//! many clients (Python's `json.dumps` of a float, JavaScript, most JSON libraries) write an
//! integral value that way. Every integer the API takes goes through here, so `222.0` is read as
//! `222` everywhere and `222.5`, `1e400` or a value out of range is refused as before. Pure.
//!
//! Typed fields: `#[serde(deserialize_with = "crate::wa::integer::integral")]` (or `opt_integral`
//! with `#[serde(default)]` for an `Option`); JSON values: [`as_u64`] and [`as_i64`].

use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde_json::Value;
use std::fmt;
use std::marker::PhantomData;

/// The largest magnitude below which every integer is exact in an f64 (2^53): an integral float
/// past it may already be a rounded neighbour of what the client meant, so it is refused.
const EXACT_F64: f64 = 9_007_199_254_740_992.0;

/// An f64 that is a whole number and exact, as an i128 (wide enough for u64 and i64).
fn whole(f: f64) -> Option<i128> {
    (f.is_finite() && f.fract() == 0.0 && f.abs() <= EXACT_F64).then_some(f as i128)
}

/// A JSON number that holds an integer (`7`, `-3`, `7.0`), as an i128.
fn integral_value(v: &Value) -> Option<i128> {
    let Value::Number(n) = v else { return None };
    n.as_u64()
        .map(i128::from)
        .or_else(|| n.as_i64().map(i128::from))
        .or_else(|| n.as_f64().and_then(whole))
}

/// A JSON number holding a non-negative integer that fits a u64 (`222` or `222.0`).
pub fn as_u64(v: &Value) -> Option<u64> {
    integral_value(v).and_then(|n| u64::try_from(n).ok())
}

/// A JSON number holding an integer that fits an i64 (`-3` or `-3.0`).
pub fn as_i64(v: &Value) -> Option<i64> {
    integral_value(v).and_then(|n| i64::try_from(n).ok())
}

struct Integral<T>(PhantomData<T>);

impl<T: TryFrom<i128>> Integral<T> {
    fn fit<E: de::Error>(&self, n: i128, unexp: Unexpected<'_>) -> Result<T, E> {
        T::try_from(n).map_err(|_| E::invalid_value(unexp, self))
    }
}

impl<T: TryFrom<i128>> Visitor<'_> for Integral<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "an integer from {} to {}",
            lowest::<T>().map_or("?".into(), |n| n.to_string()),
            highest::<T>().map_or("?".into(), |n| n.to_string())
        )
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        self.fit(i128::from(v), Unexpected::Unsigned(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        self.fit(i128::from(v), Unexpected::Signed(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        match whole(v) {
            Some(n) => self.fit(n, Unexpected::Float(v)),
            None => Err(E::invalid_type(Unexpected::Float(v), &self)),
        }
    }
}

/// The smallest value of T, found by probing (T is one of the std integer types).
fn lowest<T: TryFrom<i128>>() -> Option<i128> {
    [i64::MIN as i128, i32::MIN as i128, 0]
        .into_iter()
        .find(|&n| T::try_from(n).is_ok())
}

/// The largest value of T, found by probing.
fn highest<T: TryFrom<i128>>() -> Option<i128> {
    [
        u64::MAX as i128,
        i64::MAX as i128,
        u32::MAX as i128,
        i32::MAX as i128,
        u16::MAX as i128,
        u8::MAX as i128,
    ]
    .into_iter()
    .find(|&n| T::try_from(n).is_ok())
}

/// `deserialize_with` for an integer field: takes `222` and `222.0`, refuses `222.5`.
pub fn integral<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i128>,
{
    d.deserialize_any(Integral(PhantomData))
}

/// `deserialize_with` for an optional integer field (pair it with `#[serde(default)]`).
pub fn opt_integral<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i128>,
{
    struct Opt<T>(PhantomData<T>);
    impl<'de, T: TryFrom<i128>> Visitor<'de> for Opt<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an integer or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
            integral(d).map(Some)
        }
    }
    d.deserialize_option(Opt(PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Body {
        #[serde(deserialize_with = "integral")]
        code: u32,
        #[serde(default, deserialize_with = "opt_integral")]
        delay_ms: Option<u64>,
    }

    fn parse(s: &str) -> Result<Body, String> {
        serde_json::from_str(s).map_err(|e| e.to_string())
    }

    #[test]
    fn integral_floats_are_integers() {
        let b = parse(r#"{"code":222.0,"delay_ms":1000.0}"#).unwrap();
        assert_eq!((b.code, b.delay_ms), (222, Some(1000)));
        let b = parse(r#"{"code":222,"delay_ms":null}"#).unwrap();
        assert_eq!((b.code, b.delay_ms), (222, None));
        assert_eq!(parse(r#"{"code":2.22e2}"#).unwrap().code, 222);
        assert_eq!(parse(r#"{"code":-0.0}"#).unwrap().code, 0);
    }

    #[test]
    fn fractions_strings_and_out_of_range_are_refused() {
        for bad in [
            r#"{"code":222.5}"#,
            r#"{"code":"222"}"#,
            r#"{"code":-1}"#,
            r#"{"code":-1.0}"#,
            r#"{"code":4294967296}"#,
            r#"{"code":1e300}"#,
            r#"{"code":true}"#,
            r#"{"code":1,"delay_ms":0.5}"#,
            r#"{"code":1,"delay_ms":1e19}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad} accepted");
        }
        let e = parse(r#"{"code":222.5}"#).unwrap_err();
        assert!(e.contains("an integer from 0 to 4294967295"), "{e}");
    }

    #[test]
    fn values() {
        assert_eq!(as_u64(&json!(7.0)), Some(7));
        assert_eq!(as_u64(&json!(7)), Some(7));
        assert_eq!(as_u64(&json!(-7.0)), None);
        assert_eq!(as_u64(&json!(7.5)), None);
        assert_eq!(as_u64(&json!("7")), None);
        assert_eq!(as_i64(&json!(-7.0)), Some(-7));
        assert_eq!(as_i64(&json!(u64::MAX)), None);
        assert_eq!(as_u64(&json!(u64::MAX)), Some(u64::MAX));
        assert_eq!(as_u64(&json!(1e300)), None);
    }
}
