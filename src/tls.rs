//! Certificates: a generated development CA and server certificate, and the rustls server config.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

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
        let ca_key = KeyPair::generate()?;
        let ca = ca_params(ca_name)?.self_signed(&ca_key)?;
        let (cert_pem, key_pem) = issue(&ca, &ca_key, names)?;
        Ok(DevPki {
            ca_pem: ca.pem(),
            ca_key_pem: ca_key.serialize_pem(),
            cert_pem,
            key_pem,
        })
    }
}

/// The parameters of a development CA named `name`. Re-signing them with the same key yields a CA
/// certificate with the same subject and key, so leaves it signs verify against the original.
fn ca_params(name: &str) -> Result<CertificateParams, TlsError> {
    let mut p = CertificateParams::new(Vec::<String>::new())?;
    p.distinguished_name.push(DnType::CommonName, name);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok(p)
}

pub const DEV_CA_NAME: &str = "wa-onprem-emulator development CA";

/// Issues a server certificate (chain PEM, key PEM) from a CA key made by `DevPki::generate(ca_name, ..)`.
pub fn issue_from_ca_key(
    ca_name: &str,
    ca_key_pem: &str,
    names: &[String],
) -> Result<(String, String), TlsError> {
    let ca_key = KeyPair::from_pem(ca_key_pem)?;
    let ca = ca_params(ca_name)?.self_signed(&ca_key)?;
    issue(&ca, &ca_key, names)
}

/// `wa-onprem-emulator certs`: a CA in `dir` (kept if present) and server certificates for the
/// emulator and a webhook receiver (kept if present). Returns the files written.
pub fn write_dev_certs(
    dir: &Path,
    emulator: &[String],
    receiver: &[String],
) -> Result<Vec<PathBuf>, TlsError> {
    std::fs::create_dir_all(dir).map_err(|source| TlsError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let (ca_path, ca_key_path) = (dir.join("ca.pem"), dir.join("ca-key.pem"));
    let mut written = Vec::new();
    let ca_key = if ca_path.exists() && ca_key_path.exists() {
        read(&ca_key_path)?
    } else {
        let pki = DevPki::generate(DEV_CA_NAME, emulator)?;
        write(&ca_path, &pki.ca_pem)?;
        write(&ca_key_path, &pki.ca_key_pem)?;
        written.extend([ca_path, ca_key_path]);
        pki.ca_key_pem
    };
    for (name, hosts) in [("emulator", emulator), ("receiver", receiver)] {
        let (cert, key) = (
            dir.join(format!("{name}.pem")),
            dir.join(format!("{name}-key.pem")),
        );
        if cert.exists() && key.exists() {
            continue;
        }
        let (chain, key_pem) = issue_from_ca_key(DEV_CA_NAME, &ca_key, hosts)?;
        write(&cert, &chain)?;
        write(&key, &key_pem)?;
        written.extend([cert, key]);
    }
    Ok(written)
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
    // Strict verifiers (Python 3.13's ssl, OpenSSL's X509_STRICT) refuse a leaf without it.
    params.use_authority_key_identifier_extension = true;
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
        let pki = DevPki::generate(DEV_CA_NAME, &cfg.tls_hostnames)?;
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
    let live = Arc::new(LiveCert::new(certified_key(chain_pem, key_pem)?, None));
    live_server_config(live)
}

/// A server config whose certificate is asked of `live` at every handshake, so a swap applies to
/// every new connection without a restart.
pub fn live_server_config(live: Arc<LiveCert>) -> Result<rustls::ServerConfig, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(live))
}

/// A certificate chain (leaf first) and its private key, checked: every CERTIFICATE block is a
/// well-formed X.509 certificate, there is exactly one private key, and it matches the leaf.
pub fn certified_key(chain_pem: &str, key_pem: &str) -> Result<CertifiedKey, TlsError> {
    count_pem_certificates(chain_pem)
        .map_err(|e| TlsError::Invalid(format!("certificate chain: {e}")))?;
    let certs = rustls_pemfile::certs(&mut BufReader::new(chain_pem.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Invalid(format!("certificate chain: {e}")))?;
    if certs.is_empty() {
        return Err(TlsError::Invalid("no PEM CERTIFICATE block found".into()));
    }
    let mut keys = Vec::new();
    for item in rustls_pemfile::read_all(&mut BufReader::new(key_pem.as_bytes())) {
        let item = item.map_err(|e| TlsError::Invalid(format!("private key: {e}")))?;
        match item {
            rustls_pemfile::Item::Pkcs1Key(k) => keys.push(k.into()),
            rustls_pemfile::Item::Pkcs8Key(k) => keys.push(k.into()),
            rustls_pemfile::Item::Sec1Key(k) => keys.push(k.into()),
            _ => {}
        }
    }
    let key = match keys.len() {
        1 => keys.remove(0),
        0 => return Err(TlsError::Invalid("no PEM PRIVATE KEY block found".into())),
        n => {
            return Err(TlsError::Invalid(format!(
                "{n} private keys found; give one"
            )))
        }
    };
    let provider = rustls::crypto::ring::default_provider();
    let certified = CertifiedKey::from_der(certs, key, &provider).map_err(|e| match e {
        rustls::Error::InconsistentKeys(_) => {
            TlsError::Invalid("the private key does not match the first (leaf) certificate".into())
        }
        other => TlsError::Invalid(format!("private key: {other}")),
    })?;
    Ok(certified)
}

/// The HTTPS listener's certificate and the CA offered at `/v1/certificates/external/ca`,
/// swappable while serving (`POST /v1/certificates/external`).
#[derive(Debug)]
pub struct LiveCert {
    current: RwLock<(Arc<CertifiedKey>, Option<String>)>,
}

impl LiveCert {
    pub fn new(key: CertifiedKey, ca_pem: Option<String>) -> LiveCert {
        LiveCert {
            current: RwLock::new((Arc::new(key), ca_pem)),
        }
    }

    /// Serves `key` to every new handshake from now on.
    pub fn swap(&self, key: CertifiedKey, ca_pem: Option<String>) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = (Arc::new(key), ca_pem);
    }

    pub fn ca_pem(&self) -> Option<String> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .clone()
    }
}

impl ResolvesServerCert for LiveCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .0
                .clone(),
        )
    }
}

/// The issuer to offer for a chain (leaf first): its last certificate, when there are several.
pub fn chain_ca(chain_pem: &str) -> Option<String> {
    (chain_pem.matches("-----BEGIN CERTIFICATE-----").count() > 1)
        .then(|| last_pem_certificate(chain_pem))
        .flatten()
}

/// How many PEM certificates a text holds. Each CERTIFICATE block must be a well-formed X.509
/// certificate that rustls accepts as a trust anchor (the webhook client's test); the error names
/// the first block that is not.
pub fn count_pem_certificates(text: &str) -> Result<usize, String> {
    let certs = rustls_pemfile::certs(&mut BufReader::new(text.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("malformed PEM: {e}"))?;
    let count = certs.len();
    let mut roots = rustls::RootCertStore::empty();
    for (i, der) in certs.into_iter().enumerate() {
        roots.add(der).map_err(|e| {
            let why = match e {
                rustls::Error::InvalidCertificate(c) => format!("{c:?}"),
                other => other.to_string(),
            };
            format!(
                "CERTIFICATE block {} of {count} is not a well-formed X.509 certificate ({why})",
                i + 1
            )
        })?;
    }
    Ok(count)
}

/// The last CERTIFICATE block of a PEM text, and nothing after it (an uploaded text also holds
/// the private key, which must never be offered).
fn last_pem_certificate(chain: &str) -> Option<String> {
    const END: &str = "-----END CERTIFICATE-----";
    let start = chain.rfind("-----BEGIN CERTIFICATE-----")?;
    let end = start + chain[start..].find(END)? + END.len();
    Some(format!("{}\n", &chain[start..end]))
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

    #[test]
    fn only_well_formed_certificates_count() {
        use base64::Engine;
        let pki = DevPki::generate("test CA", &["localhost".into()]).unwrap();
        let not_der = base64::engine::general_purpose::STANDARD.encode(b"not DER at all");
        for bad in ["garbage", not_der.as_str()] {
            let block = format!("-----BEGIN CERTIFICATE-----\n{bad}\n-----END CERTIFICATE-----\n");
            let e = count_pem_certificates(&block).unwrap_err();
            assert!(e.starts_with("CERTIFICATE block 1 of 1 is not"), "{e}");
            let e = count_pem_certificates(&format!("{}{block}", pki.ca_pem)).unwrap_err();
            assert!(e.starts_with("CERTIFICATE block 2 of 2 is not"), "{e}");
        }
        assert_eq!(count_pem_certificates("no pem here").unwrap(), 0);
    }

    #[test]
    fn uploaded_chains_are_checked_and_the_key_never_offered() {
        let a = DevPki::generate("a", &["localhost".into()]).unwrap();
        let b = DevPki::generate("b", &["localhost".into()]).unwrap();
        let text = format!("{}{}", a.cert_pem, a.key_pem);
        assert!(certified_key(&text, &text).is_ok());
        let ca = chain_ca(&text).unwrap();
        assert!(!ca.contains("PRIVATE KEY"));
        assert_eq!(ca.trim(), a.ca_pem.trim());
        let mismatch = format!("{}{}", a.cert_pem, b.key_pem);
        let e = certified_key(&mismatch, &mismatch).unwrap_err().to_string();
        assert!(e.contains("does not match"), "{e}");
        assert!(certified_key(&a.cert_pem, &a.cert_pem).is_err());
        assert!(certified_key(&a.key_pem, &a.key_pem).is_err());
    }

    #[test]
    fn certs_command_reuses_the_ca() {
        let dir = tempfile::tempdir().unwrap();
        let hosts = vec!["localhost".to_string()];
        let first = write_dev_certs(dir.path(), &hosts, &hosts).unwrap();
        assert_eq!(first.len(), 6);
        let ca = std::fs::read_to_string(dir.path().join("ca.pem")).unwrap();
        std::fs::remove_file(dir.path().join("receiver.pem")).unwrap();
        let second = write_dev_certs(dir.path(), &hosts, &hosts).unwrap();
        assert_eq!(second.len(), 2, "only the missing leaf is issued again");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("ca.pem")).unwrap(),
            ca
        );
        let chain = std::fs::read_to_string(dir.path().join("receiver.pem")).unwrap();
        let key = std::fs::read_to_string(dir.path().join("receiver-key.pem")).unwrap();
        assert!(rustls_server_config(&chain, &key).is_ok());
    }
}
