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
    /// Certificate authorities whose client certificates machine peers (LoST clients, CADs)
    /// may present (PEM). Browsers present none and are not asked to.
    pub client_ca: Option<PathBuf>,
    /// Routes that accept only a peer with a client certificate of `client_ca`:
    /// [`PeerRoute`]s.
    pub client_cert_required_for: Vec<PeerRoute>,
}

impl TlsSettings {
    pub fn new(cert: PathBuf, key: PathBuf) -> Self {
        Self {
            cert,
            key,
            reload_check: Duration::from_secs(10),
            client_ca: None,
            client_cert_required_for: Vec::new(),
        }
    }
}

/// What machine peers reach, and can be asked for a client certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerRoute {
    /// `POST /lost`.
    Lost,
    /// `POST /api/v1/eido` and the `/api/v1/eido/conveyance` WebSocket.
    Eido,
}

impl PeerRoute {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "lost" => Some(Self::Lost),
            "eido" => Some(Self::Eido),
            _ => None,
        }
    }

    fn covers(self, path: &str) -> bool {
        match self {
            // Every spelling the server answers LoST at (`/LoST`, `/LOST`…).
            Self::Lost => path.eq_ignore_ascii_case("/lost"),
            Self::Eido => path == "/api/v1/eido" || path == "/api/v1/eido/conveyance",
        }
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
    let (chain, key) = read_identity(settings)?;
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?;
    let builder = match &settings.client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => builder.with_client_cert_verifier(client_verifier(path)?),
    };
    let mut config = builder.with_single_cert(chain, key).map_err(|e| {
        std::io::Error::other(format!(
            "the TLS certificate {} and key {} do not make a usable pair: {e}",
            settings.cert.display(),
            settings.key.display()
        ))
    })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The certificate chain and private key the settings name, with errors that name the file.
type Identity =
    (Vec<rustls::pki_types::CertificateDer<'static>>, rustls::pki_types::PrivateKeyDer<'static>);

fn read_identity(settings: &TlsSettings) -> std::io::Result<Identity> {
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
    Ok((chain, key))
}

/// Accepts client certificates issued by the authorities in `path`, and connections without
/// one (browsers); a certificate that does not verify ends the handshake.
fn client_verifier(
    path: &std::path::Path,
) -> std::io::Result<Arc<dyn rustls::server::danger::ClientCertVerifier>> {
    let roots = read_roots(path, "TLS client CA file")?;
    rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
        .allow_unauthenticated()
        .build()
        .map_err(|e| std::io::Error::other(format!("the TLS client CAs: {e}")))
}

/// The certificate authorities in the PEM file at `path` (`what` names it in errors).
fn read_roots(path: &std::path::Path, what: &str) -> std::io::Result<rustls::RootCertStore> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let pem = std::fs::read(path).map_err(|e| {
        std::io::Error::other(format!("reading the {what} {}: {e}", path.display()))
    })?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| {
            std::io::Error::other(format!(
                "the {what} {} is not PEM certificates: {e}",
                path.display()
            ))
        })?;
        roots.add(cert).map_err(|e| {
            std::io::Error::other(format!("a certificate in {} is not a CA: {e}", path.display()))
        })?;
    }
    if roots.is_empty() {
        return Err(std::io::Error::other(format!(
            "the {what} {} holds no certificate",
            path.display()
        )));
    }
    Ok(roots)
}

/// A client configuration that trusts no authority: every TLS handshake fails to verify.
/// For a client that is only meant to speak plain HTTP (peers on a closed network).
pub fn peer_client_config_trusting_nobody() -> std::io::Result<rustls::ClientConfig> {
    Ok(rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth())
}

/// How this server reaches other servers over TLS (LoST peers): trusting the authorities in
/// `ca`, and presenting this server's own certificate when it has one (for peers that ask
/// for client certificates).
pub fn peer_client_config(
    ca: &std::path::Path,
    identity: Option<&TlsSettings>,
) -> std::io::Result<rustls::ClientConfig> {
    let roots = read_roots(ca, "LoST peer CA file")?;
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .with_root_certificates(roots);
    let mut config = match identity {
        None => builder.with_no_client_auth(),
        Some(settings) => {
            let (chain, key) = read_identity(settings)?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                std::io::Error::other(format!("the TLS certificate as a client certificate: {e}"))
            })?
        }
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// A connection's verified client certificate, if its peer presented one.
#[derive(Debug, Clone, Default)]
pub struct PeerCertificate(pub Option<Arc<[u8]>>);

impl PeerCertificate {
    /// The certificate's SHA-256 fingerprint, hex, for the audit trail.
    pub fn fingerprint(&self) -> Option<String> {
        use sha2::{Digest, Sha256};
        self.0.as_ref().map(|der| Sha256::digest(der).iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// Hands each request the verified client certificate of its connection.
#[derive(Debug, Clone)]
pub struct PeerAcceptor(axum_server::tls_rustls::RustlsAcceptor);

impl PeerAcceptor {
    pub fn new(config: RustlsConfig) -> Self {
        Self(axum_server::tls_rustls::RustlsAcceptor::new(config))
    }
}

impl<I, S> axum_server::accept::Accept<I, S> for PeerAcceptor
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    S: Send + 'static,
{
    type Stream = tokio_rustls::server::TlsStream<I>;
    type Service = axum::middleware::AddExtension<S, PeerCertificate>;
    type Future =
        futures_util::future::BoxFuture<'static, std::io::Result<(Self::Stream, Self::Service)>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        use tower::Layer;
        let inner = self.0.clone();
        Box::pin(async move {
            let (stream, service) = inner.accept(stream, service).await?;
            let presented = stream.get_ref().1.peer_certificates().and_then(|chain| chain.first());
            let peer = PeerCertificate(presented.map(|der| Arc::from(der.as_ref())));
            Ok((stream, axum::Extension(peer).layer(service)))
        })
    }
}

/// Refuses requests to the routes the configuration reserves for certified peers when their
/// connection presented no client certificate.
pub async fn require_peer_certificate(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: Request,
    next: Next,
) -> Response {
    use axum::response::IntoResponse;
    let required = state.settings.tls.as_ref().is_some_and(|tls| {
        tls.client_cert_required_for.iter().any(|r| r.covers(request.uri().path()))
    });
    let presented =
        request.extensions().get::<PeerCertificate>().is_some_and(|peer| peer.0.is_some());
    if required && !presented {
        return crate::error::ApiError::new(
            crate::error::ErrorCode::Unauthenticated,
            "this route is for machine peers with a client certificate from this deployment's peer authority: connect with one (mutual TLS)",
        )
        .into_response();
    }
    next.run(request).await
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
