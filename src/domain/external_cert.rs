//! The HTTPS listener's own certificate (`POST /v1/certificates/external`): one PEM text holding
//! the chain (leaf first) and its private key. A good upload is stored and served to every new
//! TLS handshake at once, and again after a restart; a bad one is refused and the old one stays.

use crate::store::{Batch, Store};
use crate::tls::{self, LiveCert};
use crate::wa::ApiError;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The uploaded PEM text (chain and key).
#[derive(Serialize, Deserialize)]
struct UploadedCert {
    pem: String,
}

crate::json_singleton!(UploadedCert, "config", "external_cert");

/// The identity the listener started with (generated or `--tls-cert`), restored by a reset.
struct StartupIdentity {
    chain: String,
    key: String,
    ca: String,
}

pub struct ExternalCert {
    store: Store,
    live: Arc<LiveCert>,
    startup: StartupIdentity,
}

impl ExternalCert {
    /// The live certificate: the stored upload if there is one, else the startup identity.
    pub fn open(
        store: Store,
        chain: String,
        key: String,
        ca: String,
    ) -> Result<ExternalCert, tls::TlsError> {
        let startup = StartupIdentity { chain, key, ca };
        let uploaded = store
            .get::<UploadedCert>("external_cert")
            .ok()
            .flatten()
            .and_then(|u| match tls::certified_key(&u.pem, &u.pem) {
                Ok(k) => Some((k, tls::chain_ca(&u.pem))),
                Err(e) => {
                    tracing::error!(error = %e, "the stored external certificate is unusable; serving the startup one");
                    None
                }
            });
        let live = match uploaded {
            Some((k, ca)) => LiveCert::new(k, ca),
            None => LiveCert::new(
                tls::certified_key(&startup.chain, &startup.key)?,
                Some(startup.ca.clone()),
            ),
        };
        Ok(ExternalCert {
            store,
            live: Arc::new(live),
            startup,
        })
    }

    pub fn live(&self) -> Arc<LiveCert> {
        self.live.clone()
    }

    /// The CA offered at `/v1/certificates/external/ca`.
    pub fn ca_pem(&self) -> Option<String> {
        self.live.ca_pem()
    }

    /// Checks, stores and serves an uploaded chain + key; 1009 saying what is wrong otherwise.
    pub async fn upload(&self, body: &[u8]) -> Result<(), ApiError> {
        let text = std::str::from_utf8(body)
            .map_err(|_| ApiError::invalid("certificate", "must be PEM text (UTF-8)"))?;
        let key =
            tls::certified_key(text, text).map_err(|e| ApiError::invalid("certificate", e))?;
        let mut batch = Batch::default();
        batch.put(&UploadedCert {
            pem: text.to_string(),
        })?;
        self.store.commit(batch).await?;
        self.live.swap(key, tls::chain_ca(text));
        tracing::info!("the HTTPS listener serves the uploaded certificate from now on");
        Ok(())
    }

    /// Forgets the upload and serves the startup identity again.
    pub async fn reset(&self) -> Result<(), ApiError> {
        let key = tls::certified_key(&self.startup.chain, &self.startup.key)
            .map_err(ApiError::internal)?;
        let mut batch = Batch::default();
        batch.remove::<UploadedCert>("external_cert");
        self.store.commit(batch).await?;
        self.live.swap(key, Some(self.startup.ca.clone()));
        Ok(())
    }
}
