//! Location payloads.

use super::fields::*;
use crate::wa::ApiError;

pub(super) fn location(l: &Obj) -> Result<(), ApiError> {
    only(
        l,
        "location",
        &["latitude", "longitude", "name", "address", "url"],
    )?;
    number(l, "location", "latitude", (-90.0, 90.0))?;
    number(l, "location", "longitude", (-180.0, 180.0))?;
    opt_string(l, "location", "name")?;
    opt_string(l, "location", "address")?;
    opt_string(l, "location", "url")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{check, code};
    use serde_json::{json, Value};

    fn at(lat: Value, lon: Value) -> Value {
        json!({"to": "16315551001", "type": "location", "location": {"latitude": lat, "longitude": lon}})
    }

    #[test]
    fn coordinates_are_finite_and_in_range() {
        assert!(check(at(json!(37.48), json!("-122.15"))).is_ok());
        for (lat, lon, field) in [
            (json!("NaN"), json!(0), "location.latitude"),
            (json!("nan"), json!(0), "location.latitude"),
            (json!(0), json!("NaN"), "location.longitude"),
            (json!("inf"), json!(0), "location.latitude"),
            (json!(0), json!("-Infinity"), "location.longitude"),
            (json!(91), json!(0), "location.latitude"),
            (json!(0), json!(-180.5), "location.longitude"),
            (json!("north"), json!(0), "location.latitude"),
        ] {
            let (c, details) = code(at(lat.clone(), lon.clone()));
            assert_eq!(c, 1009, "{lat} {lon}");
            assert!(details.starts_with(field), "{details}");
        }
        assert!(code(at(json!("NaN"), json!(0))).1.contains("finite"));
    }
}
