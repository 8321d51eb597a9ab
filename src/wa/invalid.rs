//! The one place that makes the "bad input" errors and words them, for every body, query and
//! setting the emulator reads:
//! - 1008 Required parameter is missing: `Missing required parameter: <path>`
//! - 1009 Parameter value is not valid: `<path>: <why>` (and, over the size limit, HTTP 413
//!   `Request body exceeds the limit of <n> bytes`)
//! - 1010 Parameter is not required: `<path>: unknown field` for a field the shape does not
//!   have, `<path>: <why>` for a field the shape has but not in this case.
//!
//! `<path>` names the field from the top of the body, `.` between object keys and `[n]` for
//! array items (`template.components[0].parameters[1].text`); [`join`] builds it.

use super::ApiError;

impl ApiError {
    /// 1008: a required field is absent (or null).
    pub fn missing(path: &str) -> Self {
        Self::new(1008, format!("Missing required parameter: {path}"))
    }

    /// 1009: a field has a bad value; `why` says what it must be.
    pub fn invalid(path: &str, why: impl std::fmt::Display) -> Self {
        Self::new(1009, format!("{path}: {why}"))
    }

    /// 1009 with HTTP 413: the body is over the configured limit (it is not read, so no field
    /// is named).
    pub fn body_too_large(limit: usize) -> Self {
        Self::new(
            1009,
            format!("Request body exceeds the limit of {limit} bytes"),
        )
        .with_status(413)
    }

    /// 1010: a field that the shape does not have.
    pub fn unknown_field(path: &str) -> Self {
        Self::new(1010, format!("{path}: unknown field"))
    }

    /// 1010: a field the shape has, but not in this case (`preview_url` on an image,
    /// a failure `code` on a delivered status); `why` says when it is allowed.
    pub fn not_allowed(path: &str, why: impl std::fmt::Display) -> Self {
        Self::new(1010, format!("{path}: {why}"))
    }
}

/// The path of field `name` inside the object at `path` (`""` is the top level).
pub fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_wordings() {
        let e = ApiError::missing("text.body");
        assert_eq!(
            (e.code, e.details.as_deref()),
            (1008, Some("Missing required parameter: text.body"))
        );
        let e = ApiError::invalid("location.latitude", "must be a number");
        assert_eq!(
            (e.code, e.details.as_deref()),
            (1009, Some("location.latitude: must be a number"))
        );
        let e = ApiError::unknown_field("text.bar");
        assert_eq!(
            (e.code, e.details.as_deref()),
            (1010, Some("text.bar: unknown field"))
        );
        let e = ApiError::not_allowed("preview_url", "only for text messages");
        assert_eq!(
            (e.code, e.details.as_deref()),
            (1010, Some("preview_url: only for text messages"))
        );
        assert_eq!(e.status, 400);
    }

    #[test]
    fn paths_join_from_the_top() {
        assert_eq!(join("", "to"), "to");
        assert_eq!(
            join("template.components[0]", "type"),
            "template.components[0].type"
        );
    }
}
