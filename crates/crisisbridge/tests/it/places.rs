//! Streets and address points from the command line to the server: `import roads` keeps the
//! streets beside the graph, `import addresses` checks a county's address points into an
//! address file, and `serve` with both describes and finds places by street and address.

use std::path::Path;

use serde_json::Value;

use crate::process::{Demo, run};

const OSM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/manhattan-roads.osm.gz");

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[tokio::test]
async fn roads_and_addresses_imported_then_served() {
    let dir = tempfile::tempdir().unwrap();
    let graph = dir.path().join("manhattan.graph");
    let (ok, stdout, stderr) = run(&["import", "roads", OSM, "--out", s(&graph)], &[], None);
    assert!(ok, "{stderr}");
    let streets = dir.path().join("manhattan.streets");
    assert!(stdout.contains(&format!("wrote {}", streets.display())), "{stdout}");
    assert!(stdout.contains("street names"), "{stdout}");
    assert!(std::fs::metadata(&streets).unwrap().len() > 100_000);

    // A county GIS export: NENA's fields, a byte-order mark, CRLF, a quoted field with a comma.
    let points = dir.path().join("address-points.csv");
    std::fs::write(
        &points,
        "\u{feff}Add_Number,St_PreDir,St_Name,St_PosTyp,Post_Comm,Lat,Long\r\n\
         300,W,23rd,St,\"New York, NY\",40.74542,-73.99862\r\n\
         350,W,23rd,St,\"New York, NY\",40.74598,-74.00000\r\n",
    )
    .unwrap();
    let (ok, stdout, stderr) = run(&["import", "addresses", s(&points)], &[], None);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("imported 2 address points"), "{stdout}");
    let addresses = dir.path().join("address-points.addresses");
    assert!(addresses.exists());

    // A wrong row refuses the whole file, naming it; nothing is written.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "address,lat,lon\n1 A St,40.7,-74.0\n2 B St,-95.2,38.9\n").unwrap();
    let (ok, _, stderr) = run(&["import", "addresses", s(&bad)], &[], None);
    assert!(!ok);
    assert!(
        stderr.contains(
            "line 3: latitude -95.2 is out of range; latitude and longitude look swapped"
        ),
        "{stderr}"
    );
    assert!(!dir.path().join("bad.addresses").exists());
    let (ok, _, stderr) = run(&["import", "addresses", s(&addresses)], &[], None);
    assert!(!ok);
    assert!(stderr.contains("an address file already"), "{stderr}");

    Demo::start(dir.path()).kill();
    let config = dir.path().join("crisisbridge.toml");
    let database = format!("sqlite://{}", dir.path().join("crisisbridge.db").display());
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndatabase_url = \"{database}\"\nroad_graph = \"{}\"\naddress_points = \"{}\"\n",
            graph.display(),
            addresses.display()
        ),
    )
    .unwrap();
    let server = Demo::serve(&config);
    let token = server.login("calltaker").await;
    let info = server.get_json(&token, "/api/v1/streets").await;
    assert_eq!(info["streets"], true);
    assert_eq!(info["addresses"], 2);
    let described =
        server.get_json(&token, "/api/v1/places/describe?lat=40.74543&lon=-73.99861").await;
    assert_eq!(described["description"]["text"], "300 W 23rd St", "{described}");
    assert_eq!(described["description"]["street"], "West 23rd Street");
    let found = server.get_json(&token, "/api/v1/places?q=350%20West%2023rd").await;
    assert_eq!(found["found"][0]["kind"], "address", "{found}");
    assert_eq!(found["found"][0]["label"], "350 W 23rd St, New York, NY");
    let corner: Value =
        server.get_json(&token, "/api/v1/places?q=8th%20Ave%20%26%20W%2023rd%20St").await;
    assert_eq!(corner["found"][0]["label"], "8th Avenue & West 23rd Street", "{corner}");
    server.kill();

    // A damaged address file stops the server from starting, saying which file.
    let mut bytes = std::fs::read(&addresses).unwrap();
    let n = bytes.len();
    bytes[n - 8] ^= 1;
    std::fs::write(&addresses, bytes).unwrap();
    let (ok, _, stderr) = run(&["serve", "--config", s(&config)], &[], None);
    assert!(!ok);
    assert!(stderr.contains("address_points") && stderr.contains("damaged"), "{stderr}");
}
