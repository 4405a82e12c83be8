//! HTTPS: a certificate made for the test, a real TLS client, HSTS and the Secure cookie, and
//! a renewed certificate served without a restart.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{PASSWORD, TestApp};

pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
    pub der: CertificateDer<'static>,
}

/// A self-signed server certificate for `localhost`.
pub fn issue() -> Issued {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    Issued { cert_pem: cert.pem(), key_pem: key.serialize_pem(), der: cert.der().clone() }
}

/// Sends one HTTP/1.1 request over TLS, trusting only `trusted`; returns the raw answer.
async fn https(
    addr: std::net::SocketAddr,
    trusted: &CertificateDer<'static>,
    request: &str,
) -> Result<String, std::io::Error> {
    https_as(addr, trusted, None, request).await
}

/// Like [`https`], presenting `client` (its chain and key, PEM) when given.
async fn https_as(
    addr: std::net::SocketAddr,
    trusted: &CertificateDer<'static>,
    client: Option<(&CertificateDer<'static>, &str)>,
    request: &str,
) -> Result<String, std::io::Error> {
    use rustls::pki_types::PrivateKeyDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(trusted.clone()).unwrap();
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match client {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => builder
            .with_client_auth_cert(
                vec![cert.clone()],
                PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
            )
            .unwrap(),
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let mut tls = connector.connect(ServerName::try_from("localhost").unwrap(), tcp).await?;
    tls.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer).await?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn the_server_speaks_https_with_hsts_a_secure_cookie_and_a_renewed_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let first = issue();
    std::fs::write(&cert_path, &first.cert_pem).unwrap();
    std::fs::write(&key_path, &first.key_pem).unwrap();
    let (cert, key) = (cert_path.clone(), key_path.clone());
    let app = TestApp::spawn_with(move |s| {
        let mut tls = server::tls::TlsSettings::new(cert.clone(), key.clone());
        tls.reload_check = Duration::from_millis(50);
        s.tls = Some(tls);
    })
    .await;

    let health = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let answer = https(app.addr, &first.der, health).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("strict-transport-security: max-age=31536000"));

    let body = format!(r#"{{"username":"calltaker","password":"{PASSWORD}"}}"#);
    let login = format!(
        "POST /api/v1/sessions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer = https(app.addr, &first.der, &login).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let cookie = answer
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap_or_default();
    assert!(cookie.contains("; Secure"), "{cookie}");

    // Plain HTTP to the TLS port gets no answer a browser would use.
    let plain = reqwest::get(format!("http://{}/healthz", app.addr)).await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());

    // A renewed certificate is served without a restart.
    let second = issue();
    std::fs::write(&cert_path, &second.cert_pem).unwrap();
    std::fs::write(&key_path, &second.key_pem).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while https(app.addr, &second.der, health).await.is_err() {
        assert!(Instant::now() < deadline, "the renewed certificate was never served");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(https(app.addr, &first.der, health).await.is_err(), "the old one is gone");

    // A broken renewal is refused (and counted) and the running certificate stays.
    std::fs::write(&key_path, "not a key").unwrap();
    let metrics = "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let deadline = Instant::now() + Duration::from_secs(10);
    while !https(app.addr, &second.der, metrics)
        .await
        .unwrap()
        .contains("crisisbridge_tls_reload_failures_total")
    {
        assert!(Instant::now() < deadline, "the broken renewal was never looked at");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(https(app.addr, &second.der, health).await.unwrap().starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn unusable_certificate_files_stop_the_start_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let issued = issue();
    std::fs::write(&cert, &issued.cert_pem).unwrap();
    std::fs::write(&key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").unwrap();
    let settings = server::tls::TlsSettings::new(cert.clone(), key.clone());
    let err = server::tls::server_config(&settings).unwrap_err().to_string();
    assert!(err.contains("key.pem"), "{err}");
    std::fs::write(&key, issue().key_pem).unwrap();
    let err = server::tls::server_config(&settings).unwrap_err().to_string();
    assert!(err.contains("do not make a usable pair"), "{err}");
    let missing = server::tls::TlsSettings::new(dir.path().join("none.pem"), key);
    let err = server::tls::server_config(&missing).unwrap_err().to_string();
    assert!(err.contains("none.pem"), "{err}");
}

pub struct PeerAuthority {
    pub ca_pem: String,
    pub client_der: CertificateDer<'static>,
    pub client_pem: String,
    pub client_key_pem: String,
}

/// A certificate authority for machine peers, and a client certificate it issued.
pub fn peer_authority(name: &str) -> PeerAuthority {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, format!("{name} peer CA"));
    ca_params.key_usages =
        vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::DigitalSignature];
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let client_key = rcgen::KeyPair::generate().unwrap();
    let mut client_params =
        rcgen::CertificateParams::new(vec!["cad.vendor.example".to_owned()]).unwrap();
    client_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let client = client_params.signed_by(&client_key, &issuer).unwrap();
    PeerAuthority {
        ca_pem: ca.pem(),
        client_der: client.der().clone(),
        client_pem: client.pem(),
        client_key_pem: client_key.serialize_pem(),
    }
}

#[tokio::test]
async fn machine_peers_present_a_client_certificate_where_the_deployment_asks_for_one() {
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path, ca_path) =
        (dir.path().join("cert.pem"), dir.path().join("key.pem"), dir.path().join("peers.pem"));
    let server_cert = issue();
    let ours = peer_authority("county");
    let theirs = peer_authority("elsewhere");
    std::fs::write(&cert_path, &server_cert.cert_pem).unwrap();
    std::fs::write(&key_path, &server_cert.key_pem).unwrap();
    std::fs::write(&ca_path, &ours.ca_pem).unwrap();
    let app = TestApp::spawn_with(move |s| {
        let mut tls = server::tls::TlsSettings::new(cert_path.clone(), key_path.clone());
        tls.client_ca = Some(ca_path.clone());
        tls.client_cert_required_for = vec![server::tls::PeerRoute::Lost];
        s.tls = Some(tls);
    })
    .await;
    let body = "<findService/>";
    let lost = format!(
        "POST /lost HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/lost+xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    // Without a certificate: refused before the LoST parser sees it, at every spelling of the
    // path the server answers LoST at.
    let answer = https_as(app.addr, &server_cert.der, None, &lost).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("client certificate"), "{answer}");
    let upper = lost.replacen("POST /lost", "POST /LoST", 1);
    let answer = https_as(app.addr, &server_cert.der, None, &upper).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    // With ours: LoST answers (here, that the request is not one).
    let certified = Some((&ours.client_der, ours.client_key_pem.as_str()));
    let answer = https_as(app.addr, &server_cert.der, certified, &lost).await.unwrap();
    assert!(!answer.starts_with("HTTP/1.1 401"), "{answer}");
    // Another authority's certificate ends the handshake.
    let other = Some((&theirs.client_der, theirs.client_key_pem.as_str()));
    assert!(https_as(app.addr, &server_cert.der, other, &lost).await.is_err());
    // Browsers present nothing and are not asked to.
    let health = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let answer = https_as(app.addr, &server_cert.der, None, health).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
