//! `POST /lost`: LoST (RFC 5222) over HTTP against the test areas — every answer validated
//! against the RFC's RELAX NG grammar.

use interop::grammar::{assert_valid_lost, read_spec};

use crate::helpers::TestApp;

const NS: &str = r#"xmlns="urn:ietf:params:xml:ns:lost1" xmlns:gml="http://www.opengis.net/gml" xmlns:gs="http://www.opengis.net/pidflo/1.0""#;

/// Posts a LoST request; the answer, checked to be `200 OK` LoST valid per RFC 5222's grammar.
pub async fn post(app: &TestApp, body: &str) -> String {
    let response = app
        .client
        .post(app.url("/lost"))
        .header("content-type", "application/lost+xml")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "LoST answers, errors too, are 200");
    assert_eq!(response.headers()["content-type"], "application/lost+xml");
    let text = response.text().await.unwrap();
    assert_valid_lost(&text);
    text
}

fn find_point(service: &str, lat: f64, lon: f64, extra: &str) -> String {
    format!(
        r#"<findService {NS} {extra}><location id="loc1" profile="geodetic-2d"><gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>{lat} {lon}</gml:pos></gml:Point></location><service>{service}</service></findService>"#
    )
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[tokio::test]
async fn find_service_gives_the_serving_agency_with_its_boundary() {
    let app = TestApp::spawn_with_areas().await;
    let by_reference = post(&app, &find_point("urn:service:sos", 38.5, -95.5, "")).await;
    assert!(by_reference.starts_with("<?xml"), "{by_reference}");
    assert!(by_reference.contains("<findServiceResponse"), "{by_reference}");
    assert_eq!(count(&by_reference, "<mapping "), 1, "{by_reference}");
    assert!(
        by_reference.contains(r#"<displayName xml:lang="en">psap-20045 agency</displayName>"#),
        "{by_reference}"
    );
    assert!(by_reference.contains("<serviceNumber>911</serviceNumber>"), "{by_reference}");
    assert!(
        by_reference.contains(r#"<serviceBoundaryReference source="lost.crisisbridge.local" key="urn:service:sos|psap-20045"/>"#),
        "{by_reference}"
    );
    assert!(by_reference.contains(r#"<locationUsed id="loc1"/>"#), "{by_reference}");
    assert!(by_reference.contains(r#"<via source="lost.crisisbridge.local"/>"#), "{by_reference}");

    // By value: West County's square, written "lat lon" as EPSG::4326 orders it.
    let by_value =
        post(&app, &find_point("urn:service:sos", 38.5, -95.5, r#"serviceBoundary="value""#)).await;
    assert_eq!(count(&by_value, "<gml:Polygon"), 1, "{by_value}");
    assert!(by_value.contains("38 -96 38 -95 39 -95 39 -96 38 -96"), "{by_value}");

    // The reference fetched with getServiceBoundary gives the same polygon.
    let boundary =
        post(&app, &format!(r#"<getServiceBoundary {NS} key="urn:service:sos|psap-20045"/>"#))
            .await;
    assert!(boundary.contains("<getServiceBoundaryResponse"), "{boundary}");
    assert!(boundary.contains("38 -96 38 -95 39 -95 39 -96 38 -96"), "{boundary}");
    let unknown =
        post(&app, &format!(r#"<getServiceBoundary {NS} key="urn:service:sos|nobody"/>"#)).await;
    assert!(unknown.contains("<notFound"), "{unknown}");
}

#[tokio::test]
async fn a_circle_across_a_boundary_gets_every_candidate_with_its_share() {
    let app = TestApp::spawn_with_areas().await;
    let circle = format!(
        r#"<findService {NS}><location id="c" profile="geodetic-2d"><gs:Circle srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>38.5 -95.0115</gml:pos><gs:radius uom="urn:ogc:def:uom:EPSG::9001">5000</gs:radius></gs:Circle></location><service>urn:service:sos</service></findService>"#
    );
    let answer = post(&app, &circle).await;
    assert_eq!(count(&answer, "<mapping "), 2, "{answer}");
    let first = answer.find("psap-20045 agency").unwrap();
    let second = answer.find("psap-20091 agency").unwrap();
    assert!(first < second, "the larger share first: {answer}");
    assert_eq!(count(&answer, "% of the location lies in this agency"), 2, "{answer}");
}

#[tokio::test]
async fn defaults_substitutions_and_gaps_are_said_not_hidden() {
    let app = TestApp::spawn_with_areas().await;
    // Outside every area: 988 has a default, 911 has none.
    let default = post(&app, &find_point("urn:service:counseling.suicide", 45.0, -100.0, "")).await;
    assert!(default.contains("<defaultMappingReturned"), "{default}");
    assert!(default.contains(r#"expires="NO-CACHE""#), "{default}");
    assert!(
        default.contains("988-backup agency")
            && default.contains("<serviceNumber>988</serviceNumber>"),
        "{default}"
    );
    assert!(!default.contains("serviceBoundary"), "a default has no boundary: {default}");
    let gap = post(&app, &find_point("urn:service:sos", 45.0, -100.0, "")).await;
    assert!(
        gap.starts_with("<?xml") && gap.contains("<errors") && gap.contains("<notFound"),
        "{gap}"
    );
    assert!(gap.contains("no default is configured"), "{gap}");

    // A more specific 911 service than we offer: answered for urn:service:sos, and said so.
    let police = post(&app, &find_point("urn:service:sos.police", 38.5, -95.5, "")).await;
    assert!(police.contains("<serviceSubstitution"), "{police}");
    assert!(police.contains("<service>urn:service:sos</service>"), "{police}");
    // A service nobody offers, and no service at all (which means urn:service:sos).
    let children =
        post(&app, &find_point("urn:service:counseling.children", 38.5, -95.5, "")).await;
    assert!(children.contains("<serviceNotImplemented"), "{children}");
    let no_service = find_point("urn:service:sos", 38.5, -95.5, "")
        .replace("<service>urn:service:sos</service>", "");
    assert!(post(&app, &no_service).await.contains("<serviceNumber>911</serviceNumber>"));
}

#[tokio::test]
async fn lists_of_services_everywhere_and_at_a_location() {
    let app = TestApp::spawn_with_areas().await;
    let all = post(&app, &format!("<listServices {NS}/>")).await;
    assert!(
        all.contains("<serviceList>urn:service:counseling.suicide urn:service:sos</serviceList>"),
        "{all}"
    );
    let under_sos = post(
        &app,
        &format!("<listServices {NS}><service>urn:service:sos</service></listServices>"),
    )
    .await;
    assert!(under_sos.contains("<serviceList>urn:service:sos</serviceList>"), "{under_sos}");
    let at = |lat: f64, lon: f64| {
        format!(
            r#"<listServicesByLocation {NS}><location id="p" profile="geodetic-2d"><gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>{lat} {lon}</gml:pos></gml:Point></location></listServicesByLocation>"#
        )
    };
    let inside = post(&app, &at(38.5, -95.5)).await;
    assert!(
        inside
            .contains("<serviceList>urn:service:counseling.suicide urn:service:sos</serviceList>"),
        "{inside}"
    );
    // Outside every area only 988 is offered (by its default).
    let outside = post(&app, &at(45.0, -100.0)).await;
    assert!(
        outside.contains("<serviceList>urn:service:counseling.suicide</serviceList>"),
        "{outside}"
    );
}

#[tokio::test]
async fn bad_requests_loops_and_unusable_locations_get_lost_errors() {
    let app = TestApp::spawn_with_areas().await;
    let not_xml = post(&app, "{\"findService\": true}").await;
    assert!(not_xml.contains("<badRequest"), "{not_xml}");
    let looped = find_point("urn:service:sos", 38.5, -95.5, "")
        .replace("</findService>", r#"<path><via source="ecrf.example.org"/><via source="lost.crisisbridge.local"/></path></findService>"#);
    assert!(post(&app, &looped).await.contains("<loop"));
    let swapped = post(&app, &find_point("urn:service:sos", -95.5, 38.5, "")).await;
    assert!(swapped.contains("<locationInvalid"), "{swapped}");
    let civic_without_county = format!(
        r#"<findService {NS}><location id="a" profile="civic"><civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"><country>US</country><A1>KS</A1></civicAddress></location><service>urn:service:sos</service></findService>"#
    );
    let answer = post(&app, &civic_without_county).await;
    assert!(answer.contains("<locationInvalid") && answer.contains("A2"), "{answer}");

    // The published RFC 5222 example: a police query in San Francisco, which no area here
    // serves (and 911 has no default).
    if let Some(vector) = read_spec("lost/vectors/rfc5222-s8.2.1-findService-geodetic-point.xml") {
        let answer = post(&app, std::str::from_utf8(&vector).unwrap()).await;
        assert!(answer.contains("<notFound"), "{answer}");
    }

    let response = app
        .client
        .post(app.url("/lost"))
        .header("content-type", "application/json")
        .body(find_point("urn:service:sos", 38.5, -95.5, ""))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    let text = response.text().await.unwrap();
    assert!(text.contains("send LoST requests as application/lost+xml"), "{text}");
    assert_valid_lost(&text);
}

/// Peers are configured with `/LoST` or `/LOST` as often as `/lost`: every spelling answers
/// the same; other paths stay unknown, and a GET is told to POST.
#[tokio::test]
async fn lost_answers_at_the_path_in_any_case() {
    let app = TestApp::spawn_with_areas().await;
    let request = find_point("urn:service:sos", 38.5, -95.5, "");
    let at = |path: &'static str| {
        app.client
            .post(app.url(path))
            .header("content-type", "application/lost+xml")
            .body(request.clone())
            .send()
    };
    let lower = at("/lost").await.unwrap().text().await.unwrap();
    assert!(lower.contains("<findServiceResponse"), "{lower}");
    for path in ["/LoST", "/LOST", "/Lost"] {
        let response = at(path).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], "application/lost+xml");
        let text = response.text().await.unwrap();
        assert_valid_lost(&text);
        assert_eq!(text, lower, "{path} answers as /lost");
    }
    let other = at("/lostx").await.unwrap();
    assert_eq!(other.status(), 404);
    let get = app.client.get(app.url("/LOST")).send().await.unwrap();
    assert_eq!(get.status(), 405);
    assert_eq!(get.headers()["allow"], "POST");
}

/// At another spelling of the path the body limit holds as at `/lost`.
#[tokio::test]
async fn a_body_over_the_limit_is_refused_at_any_spelling() {
    let app = TestApp::spawn_with_areas().await;
    for path in ["/lost", "/LOST"] {
        let response = app
            .client
            .post(app.url(path))
            .header("content-type", "application/lost+xml")
            .body("x".repeat(server::MAX_BODY_BYTES + 1))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 413, "{path}");
    }
}
