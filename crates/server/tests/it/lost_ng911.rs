//! LoST as NG911 peers speak it: NENA's service URNs mapped in the services file and answered
//! like any other, and shapes in the forms peers send — every answer validated against the
//! RFC 5222 grammar.

use domain::AgencyKind;
use serde_json::json;
use store::Directory;

use crate::helpers::{TestApp, agency};
use crate::lost::post;

const NS: &str = r#"xmlns="urn:ietf:params:xml:ns:lost1" xmlns:gml="http://www.opengis.net/gml" xmlns:gs="http://www.opengis.net/pidflo/1.0""#;
const PSAP: &str = "urn:emergency:service:sos.psap";
const POLICE: &str = "urn:emergency:service:responder.police";

fn find(service: &str, location: &str) -> String {
    format!(
        r#"<findService {NS}><location id="L1" profile="geodetic-2d">{location}</location><service>{service}</service></findService>"#
    )
}

fn point(lat: f64, lon: f64) -> String {
    format!(
        r#"<gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>{lat} {lon}</gml:pos></gml:Point>"#
    )
}

/// The test areas with NENA's names added as a services file would: `sos.psap` served by each
/// county's PSAP beside `urn:service:sos`, and `responder.police` by a sheriff in West County.
async fn with_ng911_names() -> TestApp {
    let app = TestApp::spawn_with_areas().await;
    let sheriff = agency("sheriff-west", AgencyKind::LawEnforcement);
    app.store.put_agency(&sheriff).await.unwrap();
    let mut served = app.store.service_areas().await.unwrap();
    let sos: Vec<_> = served.iter().filter(|s| s.service == "urn:service:sos").cloned().collect();
    for mut row in sos {
        row.service = PSAP.into();
        served.push(row);
    }
    served.push(store::ServiceArea {
        service: POLICE.into(),
        area: "west".into(),
        tier: 0,
        agency: sheriff.id,
        answer_within_s: 60,
    });
    app.store.set_service_areas(&served).await.unwrap();
    picked_up(&app, &format!("<listServices {NS}/>"), PSAP).await;
    app
}

/// Waits until the server's routing table has the store's change (its refresh runs every
/// 50 ms in tests): until the answer to `request` holds `expected`, for at most 10 s.
async fn picked_up(app: &TestApp, request: &str, expected: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !post(app, request).await.contains(expected) {
        assert!(std::time::Instant::now() < deadline, "the routing change was not picked up");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn nena_service_urns_are_listed_answered_and_kept_out_of_incident_routes() {
    let app = with_ng911_names().await;
    let all = post(&app, &format!("<listServices {NS}/>")).await;
    assert!(
        all.contains("<serviceList>urn:emergency:service:responder.police urn:emergency:service:sos.psap urn:service:counseling.suicide urn:service:sos</serviceList>"),
        "{all}"
    );
    let responders = post(
        &app,
        &format!(
            "<listServices {NS}><service>urn:emergency:service:responder</service></listServices>"
        ),
    )
    .await;
    assert!(responders.contains(&format!("<serviceList>{POLICE}</serviceList>")), "{responders}");
    // East County has a PSAP but no sheriff configured: the list there says so.
    let by_location = |lat: f64, lon: f64| {
        format!(
            r#"<listServicesByLocation {NS}><location id="L1" profile="geodetic-2d">{}</location></listServicesByLocation>"#,
            point(lat, lon)
        )
    };
    let west = post(&app, &by_location(38.5, -95.5)).await;
    let suicide_and_sos = "urn:service:counseling.suicide urn:service:sos";
    assert!(
        west.contains(&format!("<serviceList>{POLICE} {PSAP} {suicide_and_sos}</serviceList>")),
        "{west}"
    );
    let east = post(&app, &by_location(38.5, -94.5)).await;
    assert!(
        east.contains(&format!("<serviceList>{PSAP} {suicide_and_sos}</serviceList>")),
        "{east}"
    );

    // findService for sos.psap: the county's PSAP, dialled as 911, no substitution — in any case.
    for asked in [PSAP, "URN:EMERGENCY:SERVICE:SOS.PSAP"] {
        let answer = post(&app, &find(asked, &point(38.5, -95.5))).await;
        assert!(answer.contains("psap-20045 agency"), "{answer}");
        assert!(answer.contains(&format!("<service>{PSAP}</service>")), "{answer}");
        assert!(answer.contains("<serviceNumber>911</serviceNumber>"), "{answer}");
        assert!(!answer.contains("serviceSubstitution"), "{answer}");
        assert!(answer.contains(&format!(r#"key="{PSAP}|psap-20045""#)), "{answer}");
    }
    let boundary =
        post(&app, &format!(r#"<getServiceBoundary {NS} key="{PSAP}|psap-20045"/>"#)).await;
    assert!(boundary.contains("38 -96 38 -95 39 -95 39 -96 38 -96"), "{boundary}");
    // A more specific responder service falls back to the configured one, and says so.
    let sheriff =
        post(&app, &find("urn:emergency:service:responder.police.sheriff", &point(38.5, -95.5)))
            .await;
    assert!(sheriff.contains("sheriff-west agency"), "{sheriff}");
    assert!(sheriff.contains("<serviceSubstitution"), "{sheriff}");
    assert!(!sheriff.contains("<serviceNumber>"), "a responder is not dialled: {sheriff}");
    let fire = post(&app, &find("urn:emergency:service:responder.fire", &point(38.5, -95.5))).await;
    assert!(fire.contains("<serviceNotImplemented"), "{fire}");
    assert!(fire.contains(POLICE) && fire.contains(PSAP), "the refusal names what is: {fire}");

    // Incidents are routed for the services Crisisbridge acts on, not for NG911's names.
    let token = app.login("calltaker").await;
    let body = json!({"channel": "911", "summary": "routing",
                      "location": {"type": "point", "lat": 38.5, "lon": -95.5, "radius_m": 50}});
    let response = app.post_json("/api/v1/incidents", Some(&token), &body).await;
    assert_eq!(response.status(), 201);
    let incident: serde_json::Value = response.json().await.unwrap();
    let services: Vec<&str> = incident["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["service"].as_str().unwrap())
        .collect();
    assert_eq!(services, ["urn:service:counseling.suicide", "urn:service:sos"]);
}

#[tokio::test]
async fn shapes_as_peers_send_them_are_answered_and_what_is_wrong_is_refused() {
    let app = TestApp::spawn_with_areas().await;
    // gml:Circle with its radius in feet (300 ft around a point in West County).
    let circle = r#"<gml:Circle srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>38.5 -95.5</gml:pos><gml:radius uom="urn:ogc:def:uom:EPSG::9002">300</gml:radius></gml:Circle>"#;
    let answer = post(&app, &find("urn:service:sos", circle)).await;
    assert!(answer.contains("psap-20045 agency") && answer.contains("<mapping "), "{answer}");
    // gml:Ellipse and gs:ArcBand with OGC's HTTP URIs for the units.
    let ellipse = r#"<gml:Ellipse srsName="http://www.opengis.net/def/crs/EPSG/0/4326"><gml:pos>38.5 -95.5</gml:pos><gml:semiMajorAxis uom="http://www.opengis.net/def/uom/EPSG/0/9001">800</gml:semiMajorAxis><gml:semiMinorAxis uom="http://www.opengis.net/def/uom/EPSG/0/9001">300</gml:semiMinorAxis><gml:orientation uom="http://www.opengis.net/def/uom/EPSG/0/9102">45</gml:orientation></gml:Ellipse>"#;
    assert!(post(&app, &find("urn:service:sos", ellipse)).await.contains("psap-20045 agency"));
    let band = r#"<gml:ArcBand srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>38.5 -95.5</gml:pos><gml:innerRadius uom="urn:ogc:def:uom:EPSG::9002">1000</gml:innerRadius><gml:outerRadius uom="urn:ogc:def:uom:EPSG::9002">3000</gml:outerRadius><gml:startAngle uom="urn:ogc:def:uom:EPSG::9102">266</gml:startAngle><gml:openingAngle uom="urn:ogc:def:uom:EPSG::9102">120</gml:openingAngle></gml:ArcBand>"#;
    assert!(post(&app, &find("urn:service:sos", band)).await.contains("psap-20045 agency"));

    // An ellipse with its axes the wrong way round, and a bow-tie polygon: locationInvalid.
    let swapped = ellipse.replace(">800<", ">200<");
    let refused = post(&app, &find("urn:service:sos", &swapped)).await;
    assert!(refused.contains("<locationInvalid"), "{refused}");
    assert!(refused.contains("is shorter than"), "{refused}");
    let bow_tie = r#"<gml:Polygon srsName="urn:ogc:def:crs:EPSG::4326"><gml:exterior><gml:LinearRing><gml:posList>38.4 -95.6 38.6 -95.4 38.6 -95.6 38.4 -95.5</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"#;
    let refused = post(&app, &find("urn:service:sos", bow_tie)).await;
    assert!(refused.contains("<locationInvalid"), "{refused}");
    assert!(refused.contains("polygon edges 1 and 3 cross"), "{refused}");
}

fn civic(elements: &str, validate: bool) -> String {
    let validate = if validate { r#" validateLocation="true""# } else { "" };
    format!(
        r#"<findService {NS}{validate}><location id="L1" profile="civic"><civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"><country>US</country>{elements}</civicAddress></location><service>urn:service:sos</service></findService>"#
    )
}

/// A square area with a county FIPS code, as GeoJSON.
fn county(code: &str, name: &str, west: f64, south: f64) -> store::Area {
    let (e, n) = (west + 0.5, south + 0.5);
    store::Area {
        code: code.into(),
        name: name.into(),
        geometry_geojson: format!(
            r#"{{"type":"Polygon","coordinates":[[[{west},{south}],[{e},{south}],[{e},{n}],[{west},{n}],[{west},{south}]]]}}"#
        ),
    }
}

#[tokio::test]
async fn a_civic_address_without_a_county_is_resolved_by_its_city_in_the_place_table() {
    let app = TestApp::spawn_with_areas().await;
    let other_psap = app.store.agency_by_code("psap-20091").await.unwrap().unwrap();
    // Counties by FIPS code: Douglas KS, and two of Kansas City MO's four.
    let areas = [
        county("20045", "Douglas", -95.5, 38.7),
        county("29095", "Jackson", -94.5, 38.8),
        county("29047", "Clay", -94.5, 39.3),
    ];
    app.store.put_areas(&areas).await.unwrap();
    let mut served = app.store.service_areas().await.unwrap();
    for (code, agency) in [("20045", app.psap.id), ("29095", other_psap.id), ("29047", app.psap.id)]
    {
        served.push(store::ServiceArea {
            service: "urn:service:sos".into(),
            area: code.into(),
            tier: 0,
            agency,
            answer_within_s: 45,
        });
    }
    app.store.set_service_areas(&served).await.unwrap();
    let with_county = civic("<A1>KS</A1><A2>Douglas County</A2><A3>Lawrence</A3>", false);
    picked_up(&app, &with_county, "psap-20045 agency").await;

    // Without a place table a city alone cannot be placed, and the refusal says what to send.
    let lawrence = civic(
        "<A1>KS</A1><A3>Lawrence</A3><RD>Massachusetts</RD><STS>St</STS><HNO>1006</HNO>",
        true,
    );
    let refused = post(&app, &lawrence).await;
    assert!(refused.contains("<locationInvalid"), "{refused}");
    assert!(refused.contains("no place table"), "{refused}");

    let place =
        |county: &str, name: &str| store::Place { county: county.into(), name: name.into() };
    app.store
        .put_place_table(&store::PlaceTable {
            kind: store::PlaceKind::Place,
            source: "Census 2020 places by county".into(),
            imported_at: domain::Timestamp::from_millis(1),
            places: vec![
                place("20045", "Lawrence city"),
                place("29095", "Kansas City city"),
                place("29047", "Kansas City city"),
                place("29165", "Kansas City city"),
            ],
        })
        .await
        .unwrap();
    picked_up(&app, &lawrence, "<mapping ").await;

    // Lawrence KS lies in Douglas County: its PSAP, with what was checked said.
    let answer = post(&app, &lawrence).await;
    assert!(answer.contains("psap-20045 agency"), "{answer}");
    assert!(answer.contains("<valid>ca:country ca:A1 ca:A3</valid>"), "{answer}");
    assert!(answer.contains("<unchecked>ca:RD ca:STS ca:HNO</unchecked>"), "{answer}");
    // Kansas City MO lies in three counties, two agencies serving two of them here (the third
    // is no area of ours): both mappings, each saying its share of the three.
    let kansas_city = post(&app, &civic("<A1>MO</A1><A3>Kansas City</A3>", false)).await;
    assert_eq!(kansas_city.matches("<mapping ").count(), 2, "{kansas_city}");
    assert!(
        kansas_city.contains("Kansas City (A3) lies in 3 counties and the address names none (A2); this agency serves 33% of them"),
        "{kansas_city}"
    );
    // An element sent empty is not there: the city is used.
    let empty_county = post(&app, &civic("<A1>KS</A1><A2></A2><A3>Lawrence</A3>", false)).await;
    assert!(empty_county.contains("psap-20045 agency"), "{empty_county}");
    // A city the table does not have in that state: A3 is invalid, and nobody covers it.
    let nowhere = post(&app, &civic("<A1>KS</A1><A3>Springfield</A3>", true)).await;
    assert!(nowhere.contains("<notFound"), "{nowhere}");
    // Neither county nor city: refused, saying what to add.
    let state_only = post(&app, &civic("<A1>KS</A1><RD>Main</RD>", false)).await;
    assert!(state_only.contains("<locationInvalid"), "{state_only}");
    assert!(
        state_only.contains("its county (A2, e.g. Douglas County) or its city (A3"),
        "{state_only}"
    );
}
