//! Graph API versions as they appear in the path: `v19.0`, `v24.0`.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u16,
    pub minor: u16,
}

impl Version {
    /// `vNN.N`; None for anything else (`v1`, `19.0`, `v19`, `vx.y`).
    pub fn parse(s: &str) -> Option<Version> {
        let (major, minor) = s.strip_prefix('v')?.split_once('.')?;
        let digits =
            |t: &str| !t.is_empty() && t.len() <= 3 && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(major) || !digits(minor) {
            return None;
        }
        Some(Version {
            major: major.parse().ok()?,
            minor: minor.parse().ok()?,
        })
    }

    /// From v24.0 status webhooks leave out `conversation` (outside free entry-point windows).
    pub fn has_conversation(self) -> bool {
        self.major < 24
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_graph_versions_only() {
        assert_eq!(
            Version::parse("v19.0"),
            Some(Version {
                major: 19,
                minor: 0
            })
        );
        assert_eq!(
            Version::parse("v24.0").map(|v| v.to_string()).as_deref(),
            Some("v24.0")
        );
        for bad in [
            "v1", "19.0", "v19", "vx.0", "v19.", "v.0", "v1234.0", "v19.0.1",
        ] {
            assert_eq!(Version::parse(bad), None, "{bad}");
        }
        assert!(Version::parse("v23.0").unwrap().has_conversation());
        assert!(!Version::parse("v24.0").unwrap().has_conversation());
    }
}
