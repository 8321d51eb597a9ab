//! Certificates: a generated development CA and server certificate, and the rustls server config.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("could not generate a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("rustls: {0}")]
    Rustls(#[from] rustls::Error),
}

/// A CA and one leaf certificate issued by it, all as PEM.
pub struct DevPki {
    pub ca_pem: String,
    pub ca_key_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

impl DevPki {
    /// A fresh CA named `ca_name` and a server certificate for `names` (DNS names or IPs).
    pub fn generate(ca_name: &str, names: &[String]) -> Result<DevPki, TlsError> {
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params
            .distinguished_name
            .push(DnType::CommonName, ca_name);
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = KeyPair::generate()?;
        let ca = ca_params.self_signed(&ca_key)?;
        let (cert_pem, key_pem) = issue(&ca, &ca_key, names)?;
        Ok(DevPki {
            ca_pem: ca.pem(),
            ca_key_pem: ca_key.serialize_pem(),
            cert_pem,
            key_pem,
        })
    }
}

fn issue(
    ca: &rcgen::Certificate,
    ca_key: &KeyPair,
    names: &[String],
) -> Result<(String, String), TlsError> {
    let mut params = CertificateParams::new(names.to_vec())?;
    params.distinguished_name.push(
        DnType::CommonName,
        names.first().map(String::as_str).unwrap_or("localhost"),
    );
    params.is_ca = IsCa::NoCa;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, ca, ca_key)?;
    Ok((format!("{}{}", cert.pem(), ca.pem()), key.serialize_pem()))
}

/// The listener's certificate: files given by the user, or the dev PKI under `DATA_DIR/certs`,
/// generated on first start. Returns (chain PEM, key PEM, CA PEM to offer for download).
pub fn server_identity(cfg: &crate::config::Config) -> Result<(String, String, String), TlsError> {
    if let (Some(cert), Some(key)) = (&cfg.tls_cert, &cfg.tls_key) {
        let chain = read(cert)?;
        let key = read(key)?;
        let ca = last_pem_certificate(&chain).unwrap_or_else(|| chain.clone());
        return Ok((chain, key, ca));
    }
    let dir = cfg.data_dir.join("certs");
    let (ca_path, chain_path, key_path) = (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server-key.pem"),
    );
    if !chain_path.exists() || !key_path.exists() || !ca_path.exists() {
        let pki = DevPki::generate("wa-onprem-emulator development CA", &cfg.tls_hostnames)?;
        std::fs::create_dir_all(&dir).map_err(|source| TlsError::Io {
            path: dir.clone(),
            source,
        })?;
        write(&ca_path, &pki.ca_pem)?;
        write(&dir.join("ca-key.pem"), &pki.ca_key_pem)?;
        write(&chain_path, &pki.cert_pem)?;
        write(&key_path, &pki.key_pem)?;
        tracing::info!(ca = %ca_path.display(), "generated a development certificate");
    }
    Ok((read(&chain_path)?, read(&key_path)?, read(&ca_path)?))
}

pub fn rustls_server_config(
    chain_pem: &str,
    key_pem: &str,
) -> Result<rustls::ServerConfig, TlsError> {
    let certs = rustls_pemfile::certs(&mut BufReader::new(chain_pem.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Invalid(format!("certificate chain: {e}")))?;
    let key = rustls_pemfile::private_key(&mut BufReader::new(key_pem.as_bytes()))
        .map_err(|e| TlsError::Invalid(format!("private key: {e}")))?
        .ok_or_else(|| TlsError::Invalid("no private key in the key file".into()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?)
}

/// How many PEM certificates a text holds; an error if a block is malformed.
pub fn count_pem_certificates(text: &str) -> Result<usize, String> {
    rustls_pemfile::certs(&mut BufReader::new(text.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map(|v| v.len())
        .map_err(|e| format!("malformed PEM: {e}"))
}

fn last_pem_certificate(chain: &str) -> Option<String> {
    let start = chain.rfind("-----BEGIN CERTIFICATE-----")?;
    Some(chain[start..].to_string())
}

fn read(path: &Path) -> Result<String, TlsError> {
    std::fs::read_to_string(path).map_err(|source| TlsError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn write(path: &Path, text: &str) -> Result<(), TlsError> {
    std::fs::write(path, text).map_err(|source| TlsError::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_pki_loads_into_rustls() {
        let pki = DevPki::generate("test CA", &["localhost".into(), "127.0.0.1".into()]).unwrap();
        assert_eq!(count_pem_certificates(&pki.cert_pem).unwrap(), 2);
        assert!(rustls_server_config(&pki.cert_pem, &pki.key_pem).is_ok());
    }
}
