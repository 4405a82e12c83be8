//! TLS: rustls (with the `ring` provider) over the certificate chain and private key files the
//! configuration names, read again whenever either file changes, so a renewed certificate is
//! served without a restart. A file that cannot be read or does not match keeps the running
//! certificate, with an error in the log and in `crisisbridge_tls_reload_failures_total`.
//!
//! Under TLS every answer carries `Strict-Transport-Security` ([`hsts`]) and the session
//! cookie is `Secure`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::STRICT_TRANSPORT_SECURITY;
use axum::middleware::Next;
use axum::response::Response;
use axum_server::tls_rustls::RustlsConfig;

/// Where the certificate and key are.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    /// The certificate chain, PEM, leaf first.
    pub cert: PathBuf,
    /// The private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// How often the files are looked at for changes.
    pub reload_check: Duration,
}

impl TlsSettings {
    pub fn new(cert: PathBuf, key: PathBuf) -> Self {
        Self { cert, key, reload_check: Duration::from_secs(10) }
    }
}

/// A year, as browsers expect of a site that always speaks HTTPS.
const HSTS: &str = "max-age=31536000";

/// ring's classical suites (TLS 1.2 and 1.3; X25519, P-256, P-384 key exchange). rustls marks
/// the ring provider deprecated because it lacks post-quantum key exchange; aws-lc-rs, which
/// has it (and a FIPS 140-3 build), needs a C toolchain with CMake that a laptop install
/// should not require.
#[allow(deprecated)]
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads the files into a server configuration, with errors that name the file and the fix.
pub fn server_config(settings: &TlsSettings) -> std::io::Result<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let read = |path: &PathBuf, what: &str| {
        std::fs::read(path).map_err(|e| {
            std::io::Error::other(format!("reading the TLS {what} {}: {e}", path.display()))
        })
    };
    let cert_pem = read(&settings.cert, "certificate")?;
    let key_pem = read(&settings.key, "private key")?;
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&cert_pem).collect::<Result<_, _>>().map_err(|e| {
            std::io::Error::other(format!(
                "the TLS certificate file {} is not PEM certificates: {e}",
                settings.cert.display()
            ))
        })?;
    if chain.is_empty() {
        return Err(std::io::Error::other(format!(
            "the TLS certificate file {} holds no certificate (expected -----BEGIN CERTIFICATE-----)",
            settings.cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        std::io::Error::other(format!(
            "the TLS key file {} holds no private key in PEM (PKCS#8, PKCS#1 or SEC1): {e}",
            settings.key.display()
        ))
    })?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            std::io::Error::other(format!(
                "the TLS certificate {} and key {} do not make a usable pair: {e}",
                settings.cert.display(),
                settings.key.display()
            ))
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Loads the files, and keeps looking at them while the returned guard lives.
pub fn load(settings: &TlsSettings) -> std::io::Result<(RustlsConfig, ReloadGuard)> {
    let config = RustlsConfig::from_config(Arc::new(server_config(settings)?));
    let watched = config.clone();
    let settings = settings.clone();
    let task = tokio::spawn(async move {
        let mut seen = stamps(&settings);
        let mut every = tokio::time::interval(settings.reload_check);
        every.tick().await;
        loop {
            every.tick().await;
            let now = stamps(&settings);
            if now == seen {
                continue;
            }
            seen = now;
            match server_config(&settings) {
                Ok(config) => {
                    watched.reload_from_config(Arc::new(config));
                    tracing::info!(cert = %settings.cert.display(), "TLS certificate reloaded");
                }
                Err(e) => {
                    metrics::counter!("crisisbridge_tls_reload_failures_total").increment(1);
                    tracing::error!(error = %e, "the changed TLS files were not loaded; still serving the previous certificate");
                }
            }
        }
    });
    Ok((config, ReloadGuard(task)))
}

/// The files' modification times and sizes: a change in either means read them again.
fn stamps(settings: &TlsSettings) -> [Option<(SystemTime, u64)>; 2] {
    let stamp = |path: &PathBuf| {
        std::fs::metadata(path).ok().and_then(|m| Some((m.modified().ok()?, m.len())))
    };
    [stamp(&settings.cert), stamp(&settings.key)]
}

/// Stops watching the files when dropped.
#[derive(Debug)]
pub struct ReloadGuard(tokio::task::JoinHandle<()>);

impl Drop for ReloadGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Adds `Strict-Transport-Security` to every answer.
pub async fn hsts(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    response
}
