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
    Ok(())
}
