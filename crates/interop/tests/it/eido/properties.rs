//! Property tests: no input makes `import` panic, and any incident exports to a valid EIDO
//! that reads back with the same location, callback number and incident type.

use domain::{
    CallbackNumber, Channel, Disposition, EventKind, GeoPoint, Location, Polygon, TriageOutcome,
};
use interop::eido::{self, import, registry};
use interop::grammar::validate_eido;
use proptest::prelude::*;
use serde_json::Value;

use super::incidents::{County, Story, county, text};

/// Any JSON value, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
        Just(Value::from("2025-11-24T10:05:00Z")),
        Just(Value::from("tel:+17855550100")),
        Just(Value::from("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"/>")),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(".{0,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every place `import` reads from.
const READ: &[&str] = &[
    "",
    "/$id",
    "/eidoVersion",
    "/lastUpdateTimeStamp",
    "/updatedByAgencyReference",
    "/issuingElementIdentification",
    "/incidentComponent",
    "/callComponent",
    "/callbackComponent",
    "/locationComponent",
    "/notesComponent",
];

fn exported(c: &County) -> Value {
    let incident = super::incidents::nine11_with_team(c);
    serde_json::to_value(eido::export(&incident, &c.context())).unwrap()
}

fn location() -> impl Strategy<Value = Location> {
    let center = (-80.0f64..80.0, -170.0f64..170.0);
    prop_oneof![
        Just(Location::Unknown),
        (center.clone(), prop_oneof![Just(0.0), 0.0f64..100_000.0]).prop_map(|((lat, lon), r)| {
            Location::circle(GeoPoint::parse(lat, lon).unwrap(), r).unwrap()
        }),
        // A regular polygon, counter-clockwise as RFC 5491 writes them.
        (center, 0.001f64..0.5, 3usize..12).prop_map(|((lat, lon), r, n)| {
            let vertices = (0..n)
                .map(|k| {
                    let angle = std::f64::consts::TAU * k as f64 / n as f64;
                    GeoPoint::parse(lat + r * angle.sin(), lon + r * angle.cos()).unwrap()
                })
                .collect();
            Location::Polygon(Polygon::parse(vertices).unwrap())
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = import(&bytes);
    }

    #[test]
    fn a_spliced_eido_never_panics(at in 0usize..4000, cut in 0usize..40, junk in prop::collection::vec(any::<u8>(), 0..40)) {
        let mut bytes = serde_json::to_vec(&exported(&county())).unwrap();
        let at = at.min(bytes.len());
        let end = (at + cut).min(bytes.len());
        bytes.splice(at..end, junk);
        let _ = import(&bytes);
    }

    #[test]
    fn any_value_where_a_field_is_read_never_panics(field in 0..READ.len(), value in json_value()) {
        let mut eido = exported(&county());
        *eido.pointer_mut(READ[field]).unwrap() = value;
        let _ = import(eido.to_string().as_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_incident_exports_valid_and_reads_back(
        channel in prop_oneof![Just(Channel::Nine11), Just(Channel::Nine88), Just(Channel::Other)],
        location in location(),
        callback in prop::option::of("[2-9][0-9]{9}"),
        summary in "(\\PC|\n){0,80}",
        note in "(\\PC|\n){1,80}",
        outcome in prop::option::of(prop::sample::select(TriageOutcome::ALL.to_vec())),
        disposition in prop::option::of(prop::sample::select(Disposition::ALL.to_vec())),
    ) {
        let c = county();
        let mut story = Story::open("019ab6f0-2222-7000-8000-000000000001", &c.psap, channel, location, &summary);
        story.incident.callback = callback.as_deref().and_then(|n| CallbackNumber::parse(n).ok());
        if let Some(outcome) = outcome {
            story = story.triaged(c.psap.id, outcome, &[]);
        }
        if !note.trim().is_empty() {
            story = story.note(c.psap.id, &note);
        }
        if let Some(disposition) = disposition {
            story = story.then(c.psap.id, EventKind::Closed { disposition, remark: text(&note) });
        }
        let incident = story.incident;
        let eido = serde_json::to_value(eido::export(&incident, &c.context())).unwrap();
        if let Some(Err(errors)) = validate_eido(&eido) {
            prop_assert!(false, "{errors:?}\n{eido:#}");
        }
        let imported = import(eido.to_string().as_bytes()).unwrap();
        prop_assert_eq!(&imported.location, &incident.location);
        prop_assert_eq!(&imported.callback, &incident.callback);
        prop_assert_eq!(imported.incident_type.as_deref(), Some(registry::incident_type(&incident)));
    }
}
