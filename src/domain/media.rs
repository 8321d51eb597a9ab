//! `/v1/media`: bytes on disk under DATA_DIR/media, metadata (type, sha256, size) in sled.
//!
//! A write refused with 1023 leaves no trace: the record goes through the store's commit, the file
//! of a failed upload is removed, and the file of a delete is removed only once the delete is
//! durable.

use crate::store::{Batch, Store};
use crate::wa::{ids, time::now_ms, ApiError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MediaMeta {
    pub id: String,
    pub mime_type: String,
    pub sha256: String,
    pub size: usize,
    pub created_ms: u64,
}

crate::json_record!(MediaMeta, "media", |m| m.id);

pub struct Media {
    store: Store,
    dir: PathBuf,
}

/// The size limit for a content type (the real API's per-type limits), or None if unsupported.
pub fn limit_for(mime: &str) -> Option<usize> {
    const MB: usize = 1024 * 1024;
    match crate::wa::mime_essence(mime).as_str() {
        "image/jpeg" | "image/png" => Some(5 * MB),
        "image/webp" => Some(500 * 1024),
        "video/mp4" | "video/3gpp" => Some(16 * MB),
        "audio/aac" | "audio/mp4" | "audio/amr" | "audio/mpeg" | "audio/ogg" | "audio/opus" => {
            Some(16 * MB)
        }
        "application/pdf"
        | "application/msword"
        | "application/vnd.ms-excel"
        | "application/vnd.ms-powerpoint"
        | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        | "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        | "application/octet-stream"
        | "application/zip"
        | "text/plain"
        | "text/csv" => Some(100 * MB),
        _ => None,
    }
}

impl Media {
    pub fn open(store: Store, data_dir: &std::path::Path) -> std::io::Result<Media> {
        let dir = data_dir.join("media");
        std::fs::create_dir_all(&dir)?;
        Ok(Media { store, dir })
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// The content type an id was uploaded with; None when there is no such media (or it cannot
    /// be read).
    pub fn mime_type(&self, id: &str) -> Option<String> {
        self.store
            .get::<MediaMeta>(id)
            .ok()
            .flatten()
            .map(|m| m.mime_type)
    }

    /// Stores uploaded bytes; the content type must be a supported one and within its limit.
    pub async fn upload(
        &self,
        content_type: Option<&str>,
        bytes: &[u8],
    ) -> Result<MediaMeta, ApiError> {
        let mime = content_type.filter(|c| !c.is_empty()).ok_or_else(|| {
            ApiError::missing("Content-Type header (the media type, e.g. image/jpeg)")
        })?;
        let limit = limit_for(mime).ok_or_else(|| {
            ApiError::invalid(
                "Content-Type",
                format!("'{mime}' is not a supported media type"),
            )
        })?;
        if bytes.is_empty() {
            return Err(ApiError::missing("body (the media bytes)"));
        }
        if bytes.len() > limit {
            return Err(ApiError::invalid(
                "body",
                format!(
                    "{} bytes of {mime}; the limit for that type is {limit} bytes",
                    bytes.len()
                ),
            ));
        }
        self.store_bytes(mime, bytes).await
    }

    /// Stores bytes without the upload checks (media carried by injected inbound messages).
    pub async fn store_bytes(&self, mime: &str, bytes: &[u8]) -> Result<MediaMeta, ApiError> {
        let meta = MediaMeta {
            id: ids::media_id(),
            mime_type: mime.to_string(),
            sha256: hex::encode(Sha256::digest(bytes)),
            size: bytes.len(),
            created_ms: now_ms(),
        };
        let path = self.path(&meta.id);
        tokio::fs::write(&path, bytes)
            .await
            .map_err(|e| ApiError::new(1023, format!("could not write the media file: {e}")))?;
        let mut batch = Batch::default();
        let committed = match batch.put_new(&meta) {
            Ok(_) => self.store.commit(batch).await,
            Err(e) => Err(e),
        };
        if let Err(e) = committed {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(e.into());
        }
        Ok(meta)
    }

    pub async fn get(&self, id: &str) -> Result<(MediaMeta, Vec<u8>), ApiError> {
        let meta: MediaMeta = self.store.get(id)?.ok_or_else(|| not_found(id))?;
        let bytes = tokio::fs::read(self.path(id))
            .await
            .map_err(|e| ApiError::new(1023, format!("could not read the media file: {e}")))?;
        Ok((meta, bytes))
    }

    /// Deletes the record, then (once that is durable) the file.
    pub async fn delete(&self, id: &str) -> Result<(), ApiError> {
        if self.store.get::<MediaMeta>(id)?.is_none() {
            return Err(not_found(id));
        }
        let mut batch = Batch::default();
        batch.remove::<MediaMeta>(id);
        self.store.commit(batch).await?;
        let _ = tokio::fs::remove_file(self.path(id)).await;
        Ok(())
    }

    /// Deletes every media file and record (the control API's reset).
    pub async fn reset(&self) -> Result<(), ApiError> {
        let ids: Vec<Vec<u8>> = self.store.keys::<MediaMeta>()?;
        let mut batch = Batch::default();
        batch.clear::<MediaMeta>();
        self.store.commit(batch).await?;
        for k in ids {
            let _ = tokio::fs::remove_file(self.path(&String::from_utf8_lossy(&k))).await;
        }
        Ok(())
    }
}

/// 1006; what cannot be a media id (a UUID) is not echoed back (it may be kilobytes of path).
fn not_found(id: &str) -> ApiError {
    let id_like = id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if id_like {
        ApiError::not_found(format!("Media {id} does not exist"))
    } else {
        ApiError::not_found("No such media: that is not a media id")
    }
}
