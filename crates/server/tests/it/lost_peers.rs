//! LoST recursion and redirection between two Crisisbridge nodes acting as each other's peers
//! (RFC 5222 §5.4): a location outside one node's areas is passed to the peer whose region
//! holds it and the answer relayed with both servers in its path, or answered with a
//! `<redirect>`; a loop across the peers is found; a peer that is silent or gone is said to be.
//! Every answer is checked against the RFC's grammar.

use std::sync::Arc;
use std::time::Duration;

use domain::AgencyKind;
use server::lost::peers::{Peer, Peers, Region};
use store::Directory;

use crate::helpers::{TestApp, agency};
use crate::lost::post;

const NS: &str = r#"xmlns="urn:ietf:params:xml:ns:lost1" xmlns:gml="http://www.opengis.net/gml""#;
const A: &str = "lost.crisisbridge.local";
const B: &str = "lost.b-node.test";

fn find_point(lat: f64, lon: f64, recursive: Option<bool>) -> String {
    let recursive = recursive.map(|r| format!(r#" recursive="{r}""#)).unwrap_or_default();
    format!(
        r#"<findService {NS}{recursive}><location id="L1" profile="geodetic-2d"><gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>{lat} {lon}</gml:pos></gml:Point></location><service>urn:service:sos</service></findService>"#
    )
}

fn peers(list: Vec<Peer>, timeout_ms: u64) -> Option<Arc<Peers>> {
    Some(Arc::new(Peers::new(list, Duration::from_millis(timeout_ms), None).unwrap()))
}

fn peer(name: &str, url: String, region: Region) -> Peer {
    Peer { name: name.into(), url, region }
}

/// Node B: Missouri's Clay County (a square north of the test areas), its own PSAP, and node A
/// as its forest guide.
async fn node_b() -> TestApp {
    let b = TestApp::spawn_with_areas_and(|s| {
        s.lost_source = B.into();
        let everywhere = Region { everywhere: true, ..Region::default() };
        // Never reached over the network: a request A passed on has A in its path already.
        s.lost_peers = peers(vec![peer(A, "http://127.0.0.1:9/lost".into(), everywhere)], 1000);
    })
    .await;
    let psap = agency("psap-29047", AgencyKind::Psap);
    b.store.put_agency(&psap).await.unwrap();
    b.store
        .put_areas(&[store::Area {
            code: "29047".into(),
            name: "Clay".into(),
            geometry_geojson: r#"{"type":"Polygon","coordinates":[[[-94.5,39.5],[-94.0,39.5],[-94.0,40.0],[-94.5,40.0],[-94.5,39.5]]]}"#.into(),
        }])
        .await
        .unwrap();
    let mut served = b.store.service_areas().await.unwrap();
    served.push(store::ServiceArea {
        service: "urn:service:sos".into(),
        area: "29047".into(),
        tier: 0,
        agency: psap.id,
        answer_within_s: 45,
    });
    b.store.set_service_areas(&served).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !post(&b, &find_point(39.75, -94.25, None)).await.contains("psap-29047 agency") {
        assert!(std::time::Instant::now() < deadline, "node B did not load its areas");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    b
}

#[tokio::test]
async fn outside_its_areas_a_node_asks_its_peer_or_redirects_to_it() {
    let b = node_b().await;
    let b_url = b.url("/lost");
    let a = TestApp::spawn_with_areas_and(move |s| {
        let missouri = Region {
            states: vec!["29".into()],
            bbox: Some([39.4, -95.0, 40.2, -93.5]),
            everywhere: false,
        };
        s.lost_peers = peers(vec![peer(B, b_url.clone(), missouri)], 3000);
    })
    .await;

    // Recursive: A asks B and relays B's answer, both servers in its path, in order.
    let relayed = post(&a, &find_point(39.75, -94.25, Some(true))).await;
    assert!(relayed.contains("<findServiceResponse"), "{relayed}");
    assert!(relayed.contains("psap-29047 agency"), "{relayed}");
    let (via_a, via_b) = (
        relayed.find(&format!(r#"<via source="{A}"/>"#)).expect("A in the path"),
        relayed.find(&format!(r#"<via source="{B}"/>"#)).expect("B in the path"),
    );
    assert!(via_a < via_b, "{relayed}");
    assert!(relayed.contains(&format!(r#"source="{B}""#)), "the mapping is B's: {relayed}");

    // Iterative (findService's default): a redirect to B.
    let redirect = post(&a, &find_point(39.75, -94.25, None)).await;
    assert!(
        redirect.contains(&format!(
            r#"<redirect xmlns="urn:ietf:params:xml:ns:lost1" target="{B}" source="{A}""#
        )),
        "{redirect}"
    );
    // A location of A's own is answered by A, recursion or not.
    let own = post(&a, &find_point(38.5, -95.5, Some(true))).await;
    assert!(own.contains("psap-20045 agency") && !own.contains(B), "{own}");

    // A civic address in Missouri goes to B by its state; B resolves the county.
    let civic = format!(
        r#"<findService {NS} recursive="true"><location id="C" profile="civic"><civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"><country>US</country><A1>MO</A1><A2>Clay County</A2></civicAddress></location><service>urn:service:sos</service></findService>"#
    );
    let answer = post(&a, &civic).await;
    assert!(answer.contains("psap-29047 agency"), "{answer}");
    // listServicesByLocation recurses by default.
    let list = post(
        &a,
        &format!(
            r#"<listServicesByLocation {NS}><location id="P" profile="geodetic-2d"><gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>39.75 -94.25</gml:pos></gml:Point></location></listServicesByLocation>"#
        ),
    )
    .await;
    assert!(list.contains("<listServicesByLocationResponse") && list.contains(B), "{list}");
}

#[tokio::test]
async fn a_loop_across_peers_is_found_and_said() {
    let b = node_b().await;
    let b_url = b.url("/lost");
    // A's forest guide is B, and B's is A: a location neither serves would go round.
    let a = TestApp::spawn_with_areas_and(move |s| {
        let everywhere = Region { everywhere: true, ..Region::default() };
        s.lost_peers = peers(vec![peer(B, b_url.clone(), everywhere)], 3000);
    })
    .await;
    let answer = post(&a, &find_point(45.0, -100.0, Some(true))).await;
    assert!(answer.contains("<errors") && answer.contains("<loop"), "{answer}");
    assert!(answer.contains(&format!(r#"source="{B}""#)), "B found the loop: {answer}");
    // A request already through B is not sent back to B: with no other peer for it, a loop.
    let through_b = find_point(45.0, -100.0, Some(true))
        .replace("</findService>", &format!(r#"<path><via source="{B}"/></path></findService>"#));
    let answer = post(&a, &through_b).await;
    assert!(answer.contains("<loop") && answer.contains(&format!(r#"source="{A}""#)), "{answer}");
}

#[tokio::test]
async fn a_silent_or_missing_peer_is_a_timeout_or_a_server_error_naming_it() {
    // A peer that takes the connection and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}/lost", silent.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        loop {
            let (socket, _) = silent.accept().await.unwrap();
            open.push(socket);
        }
    });
    // A peer where nothing listens.
    let gone = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let gone_url = format!("http://{}/lost", gone.local_addr().unwrap());
    drop(gone);
    let a = TestApp::spawn_with_areas_and(move |s| {
        let north = Region { bbox: Some([44.0, -101.0, 46.0, -99.0]), ..Region::default() };
        let south = Region { bbox: Some([30.0, -101.0, 32.0, -99.0]), ..Region::default() };
        s.lost_peers = peers(
            vec![
                peer("silent.peer.test", silent_url.clone(), north),
                peer("gone.peer.test", gone_url.clone(), south),
            ],
            300,
        );
    })
    .await;
    let started = std::time::Instant::now();
    let timeout = post(&a, &find_point(45.0, -100.0, Some(true))).await;
    assert!(timeout.contains("<serverTimeout"), "{timeout}");
    assert!(timeout.contains("silent.peer.test did not answer within 300 ms"), "{timeout}");
    assert!(started.elapsed() < Duration::from_secs(5), "the timeout held");
    let gone = post(&a, &find_point(31.0, -100.0, Some(true))).await;
    assert!(
        gone.contains("<serverError") && gone.contains("gone.peer.test could not be asked"),
        "{gone}"
    );
    held.abort();
}

#[tokio::test]
async fn a_peer_asked_over_tls_with_a_client_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    // Node B speaks TLS and answers LoST only to peers whose certificate its authority issued.
    let server = crate::tls::issue();
    let esinet = crate::tls::peer_authority("esinet");
    std::fs::write(path("b-cert.pem"), &server.cert_pem).unwrap();
    std::fs::write(path("b-key.pem"), &server.key_pem).unwrap();
    std::fs::write(path("esinet-ca.pem"), &esinet.ca_pem).unwrap();
    std::fs::write(path("a-cert.pem"), &esinet.client_pem).unwrap();
    std::fs::write(path("a-key.pem"), &esinet.client_key_pem).unwrap();
    let (b_cert, b_key, ca) = (path("b-cert.pem"), path("b-key.pem"), path("esinet-ca.pem"));
    let b = TestApp::spawn_with_areas_and(move |s| {
        s.lost_source = B.into();
        let mut tls = server::tls::TlsSettings::new(b_cert.clone(), b_key.clone());
        tls.client_ca = Some(ca.clone());
        tls.client_cert_required_for = vec![server::tls::PeerRoute::Lost];
        s.tls = Some(tls);
    })
    .await;
    let b_url = format!("https://localhost:{}/lost", b.addr.port());
    // Node A has no areas of its own; B is its forest guide, trusted by B's certificate.
    let everywhere = Region { everywhere: true, ..Region::default() };
    let identity = server::tls::TlsSettings::new(path("a-cert.pem"), path("a-key.pem"));
    let with_certificate =
        server::tls::peer_client_config(&path("b-cert.pem"), Some(&identity)).unwrap();
    let list = vec![peer(B, b_url.clone(), everywhere.clone())];
    let peers_ok =
        Peers::new(list.clone(), Duration::from_secs(3), Some(with_certificate)).unwrap();
    let a = TestApp::spawn_with(move |s| s.lost_peers = Some(Arc::new(peers_ok.clone()))).await;
    let answer = post(&a, &find_point(38.5, -95.5, Some(true))).await;
    assert!(answer.contains("psap-20045 agency") && answer.contains(B), "{answer}");

    // Without a client certificate B refuses the peer, and A says so.
    let anonymous = server::tls::peer_client_config(&path("b-cert.pem"), None).unwrap();
    let peers_anonymous = Peers::new(list, Duration::from_secs(3), Some(anonymous)).unwrap();
    let c =
        TestApp::spawn_with(move |s| s.lost_peers = Some(Arc::new(peers_anonymous.clone()))).await;
    let refused = post(&c, &find_point(38.5, -95.5, Some(true))).await;
    assert!(refused.contains("<serverError") && refused.contains("answered HTTP 401"), "{refused}");
}
