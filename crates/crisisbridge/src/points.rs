//! Points in CSV files, for `route` and `eta`: each command has its column order (`route`
//! lon,lat; `eta` lat,lon), a header line naming the columns overrides it, and a row that only
//! makes sense the other way round is refused with that hint rather than read wrong.

/// Which column holds which coordinate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    LonLat,
    LatLon,
}

impl Order {
    fn name(self) -> &'static str {
        match self {
            Self::LonLat => "lon,lat",
            Self::LatLon => "lat,lon",
        }
    }

    fn other(self) -> Self {
        match self {
            Self::LonLat => Self::LatLon,
            Self::LatLon => Self::LonLat,
        }
    }
}

/// The order a header line names (`lat,lon`, `longitude,latitude`, `y,x`, any case), or
/// `None` when the line is no such header.
pub(crate) fn header(line: &str) -> Option<Order> {
    let mut fields = line.split(',').map(|f| f.trim().trim_matches('"').to_ascii_lowercase());
    let kind = |f: &str| match f {
        "lat" | "latitude" | "y" => Some(true),
        "lon" | "lng" | "long" | "longitude" | "x" => Some(false),
        _ => None,
    };
    match (kind(&fields.next()?)?, kind(&fields.next()?)?) {
        (true, false) => Some(Order::LatLon),
        (false, true) => Some(Order::LonLat),
        _ => None,
    }
}

/// A row's point as `(lat, lon)`, read in `order` (further columns are ignored).
pub(crate) fn parse(line: &str, order: Order) -> Result<(f64, f64), String> {
    let mut fields = line.split(',').map(str::trim);
    let (Some(a), Some(b)) = (fields.next(), fields.next()) else {
        return Err(format!("{line:?} is not a {} row", order.name()));
    };
    let number =
        |what: &str, v: &str| v.parse::<f64>().map_err(|_| format!("{what} {v:?} is not a number"));
    let (lat, lon) = match order {
        Order::LatLon => (number("latitude", a)?, number("longitude", b)?),
        Order::LonLat => (number("latitude", b)?, number("longitude", a)?),
    };
    match domain::GeoPoint::parse(lat, lon) {
        Ok(_) => Ok((lat, lon)),
        Err(e) if domain::GeoPoint::parse(lon, lat).is_ok() => Err(format!(
            "{e}: the row reads as {} instead — start the file with a header line `{}`, or swap \
             the columns",
            order.other().name(),
            order.other().name()
        )),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn headers_name_the_order() {
        assert_eq!(header("lat,lon"), Some(Order::LatLon));
        assert_eq!(header("Longitude, Latitude,name"), Some(Order::LonLat));
        assert_eq!(header("\"y\",\"x\""), Some(Order::LatLon));
        assert_eq!(header("-95.2,38.9"), None);
        assert_eq!(header("lat,lat"), None);
        assert_eq!(header("id"), None);
    }

    #[test]
    fn rows_are_read_in_order_and_a_swapped_row_says_so() {
        assert_eq!(parse("-95.2353,38.9717", Order::LonLat), Ok((38.9717, -95.2353)));
        assert_eq!(parse("38.9717,-95.2353,x", Order::LatLon), Ok((38.9717, -95.2353)));
        let swapped = parse("-95.2353,38.9717", Order::LatLon).unwrap_err();
        assert!(swapped.contains("reads as lon,lat instead"), "{swapped}");
        assert!(swapped.contains("header line `lon,lat`"), "{swapped}");
        let wrong = parse("200,100", Order::LatLon).unwrap_err();
        assert!(!wrong.contains("instead"), "{wrong}");
        assert!(parse("1", Order::LatLon).unwrap_err().contains("is not a lat,lon row"));
        assert!(parse("a,1", Order::LonLat).unwrap_err().contains("longitude \"a\""));
    }
}
