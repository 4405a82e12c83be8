//! The car travel-time model: which OpenStreetMap ways a car may use, in which directions, and
//! at what speed.
//!
//! # Speed
//!
//! The `maxspeed` tag when it can be read, else the speed of the way's `highway` class (table
//! [`CLASS_KMH`]). The table is the one the comparison scripts use (`../shared/bench/
//! bench_routing.py`, `DRIVE_KMH`), so our OSM graphs and theirs are built with the same
//! speeds. `maxspeed` is read as:
//! - a number: km/h (`50`, `50 km/h`, `50 kmh`, `50 kph`); `30 mph` is miles per hour
//!   (× 1.609344); values outside 1..=300 km/h are treated as unreadable;
//! - several values separated by `;`: the first;
//! - a zone code `CC:zone` (`FI:urban`, `DE:rural`, `GB:nsl_single`, …): the country's entry in
//!   [`ZONE_KMH`] if it has one, else the zone's usual limit (`urban` 50, `rural` 90, `trunk`
//!   110, `motorway` 130, `living_street` 20). The table follows the implicit limits that OSRM's
//!   car profile uses (car.lua, `maxspeed_table`) for the countries it lists;
//! - `none`, `signals`, `variable`, `walk`, or anything else: the class speed. Unreadable values
//!   are counted in [`ModelNotes`] so the import report can name them.
//!
//! `maxspeed:forward`/`maxspeed:backward` and conditional limits are not read.
//!
//! # Direction
//!
//! `oneway=yes|1|true` allows travel along the way's node order only, `oneway=-1|reverse`
//! against it only, `oneway=no|false|0` both. Without one of those values, `highway=motorway`
//! and `junction=roundabout|circular` are one-way, everything else two-way.
//! `oneway=reversible|alternating` (direction changes by time of day) excludes the way: a
//! route over it may be impossible when the team drives.
//!
//! # Access
//!
//! The most specific of `motorcar`, `motor_vehicle`, `vehicle`, `access` that the way has
//! decides: `no`, `private`, `agricultural`, `forestry`, `delivery`, `emergency`, `military`,
//! `permit`, `bus`, `psv` exclude it (a crisis team's car is none of those), any other value allows
//! it. `area=yes` excludes a way (a square, not a street), and so does every `highway` value
//! not in the table (`construction`, `proposed`, `track`, `footway`, `pedestrian`, …).
//!
//! Where this differs from the comparison scripts, which read only `access=no|private`: they
//! keep `motor_vehicle=no` streets and reversible ways (as two-way), and force motorways and
//! roundabouts one-way even when tagged `oneway=no`.

/// Speed by `highway` class in km/h when a way has no readable `maxspeed`.
pub const CLASS_KMH: [(&str, f64); 15] = [
    ("motorway", 100.0),
    ("motorway_link", 60.0),
    ("trunk", 80.0),
    ("trunk_link", 50.0),
    ("primary", 60.0),
    ("primary_link", 40.0),
    ("secondary", 50.0),
    ("secondary_link", 40.0),
    ("tertiary", 40.0),
    ("tertiary_link", 30.0),
    ("unclassified", 40.0),
    ("residential", 30.0),
    ("living_street", 10.0),
    ("service", 20.0),
    ("road", 30.0),
];

const MPH: f64 = 1.609_344;

/// Implicit limits of zone codes by country (lower-case `cc:zone`), in km/h.
pub const ZONE_KMH: [(&str, f64); 31] = [
    ("at:rural", 100.0),
    ("at:trunk", 100.0),
    ("be:motorway", 120.0),
    ("by:urban", 60.0),
    ("by:motorway", 110.0),
    ("ch:rural", 80.0),
    ("ch:trunk", 100.0),
    ("ch:motorway", 120.0),
    ("cz:trunk", 0.0),
    ("cz:motorway", 0.0),
    ("de:living_street", 7.0),
    ("de:rural", 100.0),
    ("de:motorway", 0.0),
    ("dk:rural", 80.0),
    ("fi:rural", 80.0),
    ("fi:motorway", 120.0),
    ("fr:rural", 80.0),
    ("gb:nsl_single", 60.0 * MPH),
    ("gb:nsl_dual", 70.0 * MPH),
    ("gb:motorway", 70.0 * MPH),
    ("nl:rural", 80.0),
    ("nl:trunk", 100.0),
    ("no:rural", 80.0),
    ("no:motorway", 110.0),
    ("pl:rural", 100.0),
    ("ro:trunk", 100.0),
    ("ru:living_street", 20.0),
    ("ru:urban", 60.0),
    ("ru:motorway", 110.0),
    ("uk:nsl_single", 60.0 * MPH),
    ("uk:nsl_dual", 70.0 * MPH),
];

/// Limits of zones for countries not in [`ZONE_KMH`]; 0 there means "no limit: use the class
/// speed" (German motorways).
const ZONE_DEFAULT_KMH: [(&str, f64); 5] = [
    ("urban", 50.0),
    ("rural", 90.0),
    ("trunk", 110.0),
    ("motorway", 130.0),
    ("living_street", 20.0),
];

/// How a car may use one way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WayTravel {
    /// Speed in km/h, positive and finite.
    pub kmh: f64,
    /// Travel along the way's node order is allowed.
    pub forward: bool,
    /// Travel against it is allowed.
    pub backward: bool,
}

/// What the model could not read, for the import report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelNotes {
    /// Ways whose `maxspeed` could not be read (the class speed was used), with up to ten of
    /// the distinct values seen.
    pub unreadable_maxspeed: usize,
    pub unreadable_maxspeed_values: Vec<String>,
    /// Ways left out because their direction changes (`oneway=reversible|alternating`).
    pub reversible: usize,
    /// Ways with a drivable `highway` class left out by their access tags.
    pub no_access: usize,
}

/// How a car may use a way with these tags, or `None` when it may not.
pub fn way_travel(tags: &[(&str, &str)], notes: &mut ModelNotes) -> Option<WayTravel> {
    let get = |key: &str| tags.iter().find(|(k, _)| *k == key).map(|(_, v)| v.trim());
    let highway = get("highway")?;
    let class_kmh = CLASS_KMH.iter().find(|(class, _)| *class == highway)?.1;
    if get("area") == Some("yes") {
        return None;
    }
    let access = ["motorcar", "motor_vehicle", "vehicle", "access"].into_iter().find_map(get);
    if access.is_some_and(refuses) {
        notes.no_access += 1;
        return None;
    }
    let implied_oneway =
        highway == "motorway" || matches!(get("junction"), Some("roundabout" | "circular"));
    let (forward, backward) = match get("oneway") {
        Some("yes" | "1" | "true") => (true, false),
        Some("-1" | "reverse") => (false, true),
        Some("no" | "false" | "0") => (true, true),
        Some("reversible" | "alternating") => {
            notes.reversible += 1;
            return None;
        }
        _ => (true, !implied_oneway),
    };
    let kmh = match get("maxspeed").map(parse_maxspeed) {
        None => class_kmh,
        Some(MaxSpeed::Kmh(kmh)) => kmh,
        Some(MaxSpeed::ClassSpeed) => class_kmh,
        Some(MaxSpeed::Unreadable) => {
            notes.unreadable_maxspeed += 1;
            let value = get("maxspeed").unwrap_or_default().to_owned();
            if notes.unreadable_maxspeed_values.len() < 10
                && !notes.unreadable_maxspeed_values.contains(&value)
            {
                notes.unreadable_maxspeed_values.push(value);
            }
            class_kmh
        }
    };
    Some(WayTravel { kmh, forward, backward })
}

fn refuses(value: &str) -> bool {
    matches!(
        value,
        "no" | "private"
            | "agricultural"
            | "forestry"
            | "delivery"
            | "emergency"
            | "military"
            | "permit"
            | "bus"
            | "psv"
    )
}

/// A `maxspeed` value, read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxSpeed {
    Kmh(f64),
    /// A value that means "no fixed number": use the class speed.
    ClassSpeed,
    Unreadable,
}

/// Reads one `maxspeed` value (see the module docs).
pub fn parse_maxspeed(value: &str) -> MaxSpeed {
    let first = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if matches!(first.as_str(), "none" | "signals" | "variable" | "walk") {
        return MaxSpeed::ClassSpeed;
    }
    if let Some((country, zone)) = first.split_once(':') {
        let kmh = ZONE_KMH
            .iter()
            .find(|(code, _)| code.split_once(':') == Some((country, zone)))
            .or_else(|| ZONE_DEFAULT_KMH.iter().find(|(z, _)| *z == zone))
            .map(|(_, kmh)| *kmh);
        return match kmh {
            Some(kmh) if kmh > 0.0 => MaxSpeed::Kmh(kmh),
            Some(_) => MaxSpeed::ClassSpeed,
            None => MaxSpeed::Unreadable,
        };
    }
    let (number, factor) = match first.strip_suffix("mph") {
        Some(n) => (n, MPH),
        None => {
            let n = ["km/h", "kmh", "kph"].iter().find_map(|s| first.strip_suffix(s));
            (n.unwrap_or(&first), 1.0)
        }
    };
    match number.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && (1.0..=300.0).contains(&(n * factor)) => {
            MaxSpeed::Kmh(n * factor)
        }
        _ => MaxSpeed::Unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn travel(tags: &[(&str, &str)]) -> Option<WayTravel> {
        way_travel(tags, &mut ModelNotes::default())
    }

    #[test]
    fn maxspeed_values() {
        let cases = [
            ("50", MaxSpeed::Kmh(50.0)),
            ("50 km/h", MaxSpeed::Kmh(50.0)),
            ("40kph", MaxSpeed::Kmh(40.0)),
            ("30 mph", MaxSpeed::Kmh(30.0 * MPH)),
            ("25mph", MaxSpeed::Kmh(25.0 * MPH)),
            ("60;40", MaxSpeed::Kmh(60.0)),
            ("FI:urban", MaxSpeed::Kmh(50.0)),
            ("FI:rural", MaxSpeed::Kmh(80.0)),
            ("US:urban", MaxSpeed::Kmh(50.0)),
            ("GB:nsl_single", MaxSpeed::Kmh(60.0 * MPH)),
            ("DE:motorway", MaxSpeed::ClassSpeed),
            ("none", MaxSpeed::ClassSpeed),
            ("signals", MaxSpeed::ClassSpeed),
            ("fast", MaxSpeed::Unreadable),
            ("0", MaxSpeed::Unreadable),
            ("5000", MaxSpeed::Unreadable),
            ("XX:moon", MaxSpeed::Unreadable),
        ];
        for (value, want) in cases {
            assert_eq!(parse_maxspeed(value), want, "{value}");
        }
    }

    #[test]
    fn directions() {
        let two_way = travel(&[("highway", "residential")]).unwrap();
        assert!(two_way.forward && two_way.backward);
        assert_eq!(two_way.kmh, 30.0);
        let one = travel(&[("highway", "primary"), ("oneway", "yes")]).unwrap();
        assert!(one.forward && !one.backward);
        let rev = travel(&[("highway", "primary"), ("oneway", "-1")]).unwrap();
        assert!(!rev.forward && rev.backward);
        let motorway = travel(&[("highway", "motorway")]).unwrap();
        assert!(motorway.forward && !motorway.backward);
        let roundabout = travel(&[("highway", "tertiary"), ("junction", "roundabout")]).unwrap();
        assert!(roundabout.forward && !roundabout.backward);
        let explicit = travel(&[("highway", "motorway"), ("oneway", "no")]).unwrap();
        assert!(explicit.forward && explicit.backward);
        assert_eq!(travel(&[("highway", "primary"), ("oneway", "reversible")]), None);
    }

    #[test]
    fn access_and_classes() {
        assert_eq!(travel(&[("highway", "footway")]), None);
        assert_eq!(travel(&[("highway", "construction")]), None);
        assert_eq!(travel(&[("highway", "service"), ("access", "private")]), None);
        assert_eq!(travel(&[("highway", "residential"), ("motor_vehicle", "no")]), None);
        assert_eq!(travel(&[("highway", "pedestrian"), ("motor_vehicle", "yes")]), None);
        assert_eq!(travel(&[("highway", "service"), ("area", "yes")]), None);
        // The most specific tag wins.
        let allowed = travel(&[("highway", "service"), ("access", "no"), ("motorcar", "yes")]);
        assert!(allowed.is_some());
        let speed = travel(&[("highway", "residential"), ("maxspeed", "FI:urban")]).unwrap();
        assert_eq!(speed.kmh, 50.0);
        let mut notes = ModelNotes::default();
        way_travel(&[("highway", "residential"), ("maxspeed", "fast")], &mut notes);
        assert_eq!(notes.unreadable_maxspeed_values, vec!["fast".to_owned()]);
    }
}
