//! The business's public profile: the About text (`/v1/settings/profile/about`), the photo
//! (`/v1/settings/profile/photo`) and the business profile (`/v1/settings/business/profile`).
//! Each is one record in the `profile` tree; reads go to the store.

use crate::store::{Batch, Store};
use crate::wa::ApiError;
use serde::{Deserialize, Serialize};

/// Most characters of the About text (Meta: 139).
pub const ABOUT_MAX_CHARS: usize = 139;
/// Largest profile photo (Meta: "max size of 5MB").
pub const PHOTO_MAX_BYTES: usize = 5 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct About {
    pub text: String,
}

crate::json_singleton!(About, "profile", "about");

/// The photo as uploaded, with its content type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Photo {
    pub mime_type: String,
    /// Base64 (standard) of the image bytes.
    pub data: String,
}

crate::json_singleton!(Photo, "profile", "photo");

/// `settings.business.profile`, with Meta's limits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessProfile {
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub vertical: String,
    #[serde(default)]
    pub websites: Vec<String>,
}

crate::json_singleton!(BusinessProfile, "profile", "business");

/// `POST /v1/settings/business/profile`: every field optional; absent fields keep their value.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessProfileUpdate {
    pub address: Option<String>,
    pub description: Option<String>,
    pub email: Option<String>,
    pub vertical: Option<String>,
    pub websites: Option<Vec<String>>,
}

const ADDRESS_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 256;
const EMAIL_MAX: usize = 128;
const VERTICAL_MAX: usize = 128;
const WEBSITES_MAX: usize = 2;
const WEBSITE_MAX: usize = 256;

fn max_chars(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    let n = value.chars().count();
    if n > max {
        return Err(ApiError::invalid(
            field,
            format!("is {n} characters long; the limit is {max}"),
        ));
    }
    Ok(())
}

impl About {
    pub fn parse(text: String) -> Result<About, ApiError> {
        if text.is_empty() {
            return Err(ApiError::invalid("text", "must not be empty"));
        }
        max_chars("text", &text, ABOUT_MAX_CHARS)?;
        Ok(About { text })
    }
}

impl BusinessProfile {
    /// This profile with `update` applied, every field checked.
    pub fn updated(&self, update: BusinessProfileUpdate) -> Result<BusinessProfile, ApiError> {
        let mut next = self.clone();
        if let Some(v) = update.address {
            max_chars("address", &v, ADDRESS_MAX)?;
            next.address = v;
        }
        if let Some(v) = update.description {
            max_chars("description", &v, DESCRIPTION_MAX)?;
            next.description = v;
        }
        if let Some(v) = update.email {
            max_chars("email", &v, EMAIL_MAX)?;
            if !v.is_empty() && !looks_like_email(&v) {
                return Err(ApiError::invalid("email", "must be an email address"));
            }
            next.email = v;
        }
        if let Some(v) = update.vertical {
            max_chars("vertical", &v, VERTICAL_MAX)?;
            next.vertical = v;
        }
        if let Some(sites) = update.websites {
            if sites.len() > WEBSITES_MAX {
                return Err(ApiError::invalid(
                    "websites",
                    format!("holds {} URLs; the limit is {WEBSITES_MAX}", sites.len()),
                ));
            }
            for (i, site) in sites.iter().enumerate() {
                let field = format!("websites[{i}]");
                max_chars(&field, site, WEBSITE_MAX)?;
                let ok = (site.starts_with("http://") || site.starts_with("https://"))
                    && url::Url::parse(site).is_ok_and(|u| u.host().is_some());
                if !ok {
                    return Err(ApiError::invalid(&field, "must be an http(s) URL"));
                }
            }
            next.websites = sites;
        }
        Ok(next)
    }

    /// Checks a whole profile (a restored backup) as an update from empty.
    pub fn checked(self) -> Result<BusinessProfile, ApiError> {
        BusinessProfile::default().updated(BusinessProfileUpdate {
            address: Some(self.address),
            description: Some(self.description),
            email: Some(self.email),
            vertical: Some(self.vertical),
            websites: Some(self.websites),
        })
    }
}

/// `local@domain`: printable ASCII without spaces, one `@`, a `.` inside the domain (the spec's
/// pattern says the same).
fn looks_like_email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    let printable = |s: &str| s.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'@');
    let inner_dot = domain
        .char_indices()
        .any(|(i, c)| c == '.' && i > 0 && i + 1 < domain.len());
    !local.is_empty() && printable(local) && printable(domain) && inner_dot
}

/// The image types accepted as a profile photo, by their first bytes.
pub fn photo_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

impl Photo {
    /// An uploaded image: JPEG or PNG (checked by content), at most 5 MB.
    pub fn parse(bytes: &[u8]) -> Result<Photo, ApiError> {
        use base64::Engine;
        if bytes.is_empty() {
            return Err(ApiError::missing("photo (the request body)"));
        }
        if bytes.len() > PHOTO_MAX_BYTES {
            return Err(ApiError::invalid(
                "photo",
                format!("is {} bytes; the limit is 5 MB", bytes.len()),
            ));
        }
        let mime = photo_type(bytes)
            .ok_or_else(|| ApiError::invalid("photo", "must be a JPEG or PNG image"))?;
        Ok(Photo {
            mime_type: mime.to_string(),
            data: base64::engine::general_purpose::STANDARD.encode(bytes),
        })
    }

    pub fn bytes(&self) -> Result<Vec<u8>, ApiError> {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(&self.data)
            .map_err(ApiError::internal)
    }
}

/// Everything a backup carries of the profile.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileSnapshot {
    pub about: Option<About>,
    pub photo: Option<Photo>,
    pub business: Option<BusinessProfile>,
}

pub struct Profile {
    store: Store,
}

impl Profile {
    pub fn new(store: Store) -> Profile {
        Profile { store }
    }

    pub fn about(&self) -> Result<Option<About>, ApiError> {
        Ok(self.store.get::<About>("about")?)
    }

    pub async fn set_about(&self, about: About) -> Result<(), ApiError> {
        let mut batch = Batch::default();
        batch.put(&about)?;
        Ok(self.store.commit(batch).await?)
    }

    pub fn photo(&self) -> Result<Option<Photo>, ApiError> {
        Ok(self.store.get::<Photo>("photo")?)
    }

    pub async fn set_photo(&self, photo: Photo) -> Result<(), ApiError> {
        let mut batch = Batch::default();
        batch.put(&photo)?;
        Ok(self.store.commit(batch).await?)
    }

    pub async fn delete_photo(&self) -> Result<(), ApiError> {
        let mut batch = Batch::default();
        batch.remove::<Photo>("photo");
        Ok(self.store.commit(batch).await?)
    }

    pub fn business(&self) -> Result<BusinessProfile, ApiError> {
        Ok(self
            .store
            .get::<BusinessProfile>("business")?
            .unwrap_or_default())
    }

    pub async fn update_business(
        &self,
        update: BusinessProfileUpdate,
    ) -> Result<BusinessProfile, ApiError> {
        let next = self.business()?.updated(update)?;
        let mut batch = Batch::default();
        batch.put(&next)?;
        self.store.commit(batch).await?;
        Ok(next)
    }

    pub fn snapshot(&self) -> Result<ProfileSnapshot, ApiError> {
        Ok(ProfileSnapshot {
            about: self.about()?,
            photo: self.photo()?,
            business: self.store.get::<BusinessProfile>("business")?,
        })
    }

    /// The writes that make the profile equal `snapshot` (for a restore's single commit).
    pub fn restore_into(
        &self,
        snapshot: &ProfileSnapshot,
        batch: &mut Batch,
    ) -> Result<(), ApiError> {
        batch.clear::<About>();
        if let Some(a) = &snapshot.about {
            batch.put(a)?;
        }
        if let Some(p) = &snapshot.photo {
            batch.put(p)?;
        }
        if let Some(b) = &snapshot.business {
            batch.put(b)?;
        }
        Ok(())
    }

    /// Removes about, photo and business profile.
    pub async fn reset(&self) -> Result<(), ApiError> {
        let mut batch = Batch::default();
        batch.clear::<About>();
        Ok(self.store.commit(batch).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_name_the_field() {
        assert!(About::parse("x".repeat(139)).is_ok());
        let e = About::parse("é".repeat(140)).unwrap_err();
        assert_eq!(e.code, 1009);
        assert!(e.details.unwrap().starts_with("text: is 140"));
        let p = BusinessProfile::default();
        let e = p
            .updated(BusinessProfileUpdate {
                websites: Some(vec!["https://a.test".into(); 3]),
                ..Default::default()
            })
            .unwrap_err();
        assert!(e.details.unwrap().starts_with("websites: holds 3"));
        let e = p
            .updated(BusinessProfileUpdate {
                websites: Some(vec!["ftp://a.test".into()]),
                ..Default::default()
            })
            .unwrap_err();
        assert!(e.details.unwrap().starts_with("websites[0]"));
        let e = p
            .updated(BusinessProfileUpdate {
                email: Some("nope".into()),
                ..Default::default()
            })
            .unwrap_err();
        assert!(e.details.unwrap().starts_with("email"));
    }

    #[test]
    fn updates_are_partial() {
        let p = BusinessProfile::default()
            .updated(BusinessProfileUpdate {
                description: Some("d".into()),
                ..Default::default()
            })
            .unwrap()
            .updated(BusinessProfileUpdate {
                email: Some("a@b.test".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            (p.description.as_str(), p.email.as_str()),
            ("d", "a@b.test")
        );
    }

    #[test]
    fn photos_are_checked_by_content() {
        assert_eq!(photo_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(Photo::parse(b"GIF89a").unwrap_err().code, 1009);
        assert_eq!(Photo::parse(b"").unwrap_err().code, 1008);
    }
}
