//! `crisisbridge import areas` and `import services`: boundaries, agencies and who serves
//! where, into a database, checked before anything is written.

use crate::process::run;

fn sqlite(dir: &std::path::Path) -> String {
    format!("sqlite://{}", dir.join("county.db").display())
}

const SERVICES: &str = r#"
[[agency]]
for_each_area = ["20045", "20091"]
code = "psap-{area}"
name = "{name} 911"
kind = "psap"
time_zone = "America/Chicago"

[[agency]]
code = "ksphq"
name = "Kansas Suicide Prevention HQ"
kind = "crisis_center"
time_zone = "America/Chicago"
uri = "sip:988@ksphq.example"

[[agency]]
code = "mct-douglas"
name = "Douglas County Mobile Crisis"
kind = "mobile_crisis_provider"
time_zone = "America/Chicago"

[[team]]
provider = "mct-douglas"
name = "Team Lawrence 1"
capabilities = ["youth", "lang:es"]
home_base = [38.9717, -95.2353]
members = ["Dana Whitfield, LCSW"]

[[serve]]
services = ["urn:service:sos"]
areas = ["20045", "20091"]
tiers = ["psap-{area}"]

[[serve]]
services = ["urn:service:counseling.suicide"]
areas = ["20*"]
tiers = [{ agency = "ksphq", answer_within_s = 30 }]

[[area_code]]
services = ["urn:service:counseling.suicide"]
regions = ["KS"]
tiers = ["ksphq"]
"#;

#[test]
fn boundaries_then_services_are_imported_and_mistakes_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(dir.path());
    let counties = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/kansas-counties.geojson");
    let (ok, stdout, stderr) = run(
        &[
            "import",
            "areas",
            counties,
            "--id-field",
            "fips",
            "--name-format",
            "{name} County",
            "--database",
            &db,
        ],
        &[],
        None,
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("imported 105 areas"), "{stdout}");

    let services = dir.path().join("services.toml");
    std::fs::write(&services, SERVICES).unwrap();
    let file = services.to_str().unwrap();
    let (ok, stdout, stderr) =
        run(&["import", "services", file, "--dry-run", "--database", &db], &[], None);
    assert!(ok, "{stderr}");
    // Two PSAPs, KSPHQ and a provider with one team; 911 in two counties, 988 in all 105,
    // four Kansas area codes.
    assert!(
        stdout.contains("agencies: 4 to add, 0 to update, 0 unchanged; teams: 1 to add, 0 to update, 0 unchanged; service areas: 111 tiers; follow-up rules: left as they are (dry run: nothing written)"),
        "{stdout}"
    );
    let (ok, stdout, stderr) = run(&["import", "services", file, "--database", &db], &[], None);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("4 to add") && stdout.ends_with("written\n"), "{stdout}");
    let (ok, stdout, _) = run(&["import", "services", file, "--database", &db], &[], None);
    assert!(
        ok && stdout.contains("agencies: 0 to add, 0 to update, 4 unchanged; teams: 0 to add, 0 to update, 1 unchanged"),
        "{stdout}"
    );
    // A team found again by provider and name is updated in place.
    let new_members = SERVICES
        .replace("[\"Dana Whitfield, LCSW\"]", "[\"Dana Whitfield, LCSW\", \"Tom Ng, EMT\"]");
    std::fs::write(&services, &new_members).unwrap();
    let (ok, stdout, _) = run(&["import", "services", file, "--database", &db], &[], None);
    assert!(ok && stdout.contains("teams: 0 to add, 1 to update, 0 unchanged"), "{stdout}");
    // A team of an agency that is not a provider: refused, naming the entry.
    std::fs::write(
        &services,
        new_members.replace("provider = \"mct-douglas\"", "provider = \"ksphq\""),
    )
    .unwrap();
    let (ok, _, stderr) = run(&["import", "services", file, "--database", &db], &[], None);
    assert!(!ok);
    assert!(stderr.contains("team #1 (Team Lawrence 1)"), "{stderr}");
    assert!(stderr.contains("teams belong to a mobile_crisis_provider"), "{stderr}");
    std::fs::write(&services, &new_members).unwrap();

    // A tier naming an agency that does not exist: refused, with the file and entry named,
    // and the database as it was.
    std::fs::write(&services, SERVICES.replace("tiers = [\"ksphq\"]", "tiers = [\"kspqh\"]"))
        .unwrap();
    let (ok, _, stderr) = run(&["import", "services", file, "--database", &db], &[], None);
    assert!(!ok);
    assert!(stderr.contains("area_code #1 (urn:service:counseling.suicide)"), "{stderr}");
    assert!(stderr.contains("tier \"kspqh\": no such agency"), "{stderr}");
    std::fs::write(&services, &new_members).unwrap();
    let (ok, stdout, _) =
        run(&["import", "services", file, "--dry-run", "--database", &db], &[], None);
    assert!(
        ok && stdout.contains(
            "4 unchanged; teams: 0 to add, 0 to update, 1 unchanged; service areas: 111 tiers"
        ),
        "{stdout}"
    );

    // Boundaries that do not exist, and a prefix no code has.
    let (ok, _, stderr) =
        run(&["import", "areas", "/nonexistent.geojson", "--database", &db], &[], None);
    assert!(!ok && stderr.contains("reading /nonexistent.geojson"), "{stderr}");
    let (ok, _, stderr) = run(
        &[
            "import",
            "areas",
            counties,
            "--id-field",
            "fips",
            "--code-prefix",
            "29",
            "--database",
            &db,
        ],
        &[],
        None,
    );
    assert!(!ok && stderr.contains("no area's code starts with \"29\""), "{stderr}");
}

#[test]
fn a_state_is_imported_from_the_census_shapefile() {
    let data = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/census-cb2016-500k"
    ));
    if !data.is_dir() {
        eprintln!("\n!!!!! SKIPPED: the Census shapefile is not at {} !!!!!\n", data.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(dir.path());
    let shp = data.join("cb_2016_us_county_500k.shp.gz");
    let (ok, stdout, stderr) = run(
        &[
            "import",
            "areas",
            shp.to_str().unwrap(),
            "--code-prefix",
            "20",
            "--name-format",
            "{name} County",
            "--database",
            &db,
        ],
        &[],
        None,
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("imported 105 areas"), "{stdout}");
    let services = dir.path().join("services.toml");
    std::fs::write(&services, SERVICES).unwrap();
    let (ok, stdout, stderr) =
        run(&["import", "services", services.to_str().unwrap(), "--database", &db], &[], None);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("service areas: 111 tiers"), "{stdout}");
}

#[test]
fn facilities_are_imported_from_toml_or_csv_and_a_bad_row_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(dir.path());
    let services = dir.path().join("services.toml");
    std::fs::write(
        &services,
        r#"
[[agency]]
code = "bert-nash"
name = "Bert Nash"
kind = "crisis_facility"
time_zone = "America/Chicago"

[[agency]]
code = "ksphq"
name = "KSPHQ"
kind = "crisis_center"
time_zone = "America/Chicago"
"#,
    )
    .unwrap();
    let (ok, _, stderr) =
        run(&["import", "services", services.to_str().unwrap(), "--database", &db], &[], None);
    assert!(ok, "{stderr}");

    let toml = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/kansas-facilities.toml");
    let (ok, _, stderr) = run(&["import", "facilities", toml, "--database", &db], &[], None);
    assert!(!ok, "the demo's other operators are not in this database");
    assert!(stderr.contains("operator \"lmh-health\" is not a stored agency"), "{stderr}");

    let csv = dir.path().join("facilities.csv");
    let header = "code,operator,name,kind,address,lat,lon,hours,always_open,ages,involuntary,intoxicated,insurance,status,beds_free,chairs_free";
    let good = "trc,bert-nash,Treatment and Recovery Center,crisis_stabilization,\"1000 W 2nd St, Lawrence, KS\",38.9706,-95.2468,24/7,true,adult;older_adult,true,true,Medicaid;uninsured,accepting,3,5";
    for (row, says) in [
        (
            "trc,ksphq,T,detox,A,38.9,-95.2,24/7,true,,false,false,,accepting,1,",
            "ksphq is a crisis_center; a facility is run by a crisis_facility agency",
        ),
        (
            "trc,bert-nash,T,hospital,A,38.9,-95.2,24/7,true,,false,false,,accepting,1,",
            "kind: unknown \"hospital\"",
        ),
        ("trc,bert-nash,T,detox,A,98.9,-95.2,24/7,true,,false,false,,accepting,1,", "location:"),
        (
            "trc,bert-nash,T,detox,A,38.9,-95.2,24/7,true,,false,false,,accepting,-2,",
            "beds_free: -2 given; a count is 0 or more",
        ),
        (
            "trc,bert-nash,T,detox,A,38.9,-95.2,24/7,true,teen,false,false,,accepting,1,",
            "ages: unknown \"teen\"",
        ),
    ] {
        std::fs::write(&csv, format!("{header}\n{good}\n{row}\n")).unwrap();
        let (ok, _, stderr) =
            run(&["import", "facilities", csv.to_str().unwrap(), "--database", &db], &[], None);
        assert!(!ok, "{row}");
        assert!(stderr.contains("row 3") && stderr.contains(says), "{row}: {stderr}");
    }
    std::fs::write(&csv, format!("{header}\n{good}\n")).unwrap();
    let file = csv.to_str().unwrap();
    let (ok, stdout, stderr) =
        run(&["import", "facilities", file, "--dry-run", "--database", &db], &[], None);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("facilities: 1 to add, 0 to update (dry run: nothing written)"),
        "{stdout}"
    );
    let (ok, stdout, stderr) = run(&["import", "facilities", file, "--database", &db], &[], None);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("facilities: 1 to add, 0 to update: written"), "{stdout}");
    let (ok, stdout, _) = run(&["import", "facilities", file, "--database", &db], &[], None);
    assert!(ok && stdout.contains("0 to add, 1 to update"), "{stdout}");
}

/// The Census places-by-county file's header and rows, as published (a few Kansas and
/// Missouri rows of `national_place_by_county2020.txt`).
const CENSUS_PLACES: &str = "STATE|STATEFP|COUNTYFP|COUNTYNAME|PLACEFP|PLACENS|PLACENAME|TYPE|CLASSFP|FUNCSTAT\n\
KS|20|045|Douglas County|38900|02395653|Lawrence city|INCORPORATED PLACE|C1|A\n\
KS|20|045|Douglas County|21300|02394690|Eudora city|INCORPORATED PLACE|C1|A\n\
KS|20|091|Johnson County|21300|02394690|Eudora city|INCORPORATED PLACE|C1|A\n\
KS|20|091|Johnson County|53775|02396133|Overland Park city|INCORPORATED PLACE|C1|A\n\
MO|29|095|Jackson County|38000|02395492|Kansas City city|INCORPORATED PLACE|C1|A\n";

#[test]
fn a_census_place_table_is_imported_whole_and_a_bad_row_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(dir.path());
    let counties = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/kansas-counties.geojson");
    let (ok, _, stderr) =
        run(&["import", "areas", counties, "--id-field", "fips", "--database", &db], &[], None);
    assert!(ok, "{stderr}");
    let file = dir.path().join("national_place_by_county2020.txt");
    std::fs::write(&file, CENSUS_PLACES).unwrap();
    let path = file.to_str().unwrap();
    let (ok, stdout, stderr) =
        run(&["import", "places", path, "--dry-run", "--database", &db], &[], None);
    assert!(ok, "{stderr}");
    assert_eq!(
        stdout,
        "places: 5 rows in 3 counties, 2 of them stored areas (source: national_place_by_county2020.txt) (dry run: nothing written)\n"
    );
    let source = "Census 2020 place-by-county relationship file";
    let (ok, stdout, stderr) =
        run(&["import", "places", path, "--source", source, "--database", &db], &[], None);
    assert!(ok, "{stderr}");
    assert!(
        stdout.ends_with("written, replacing the stored places of the file's states\n"),
        "{stdout}"
    );
    // Another state's file adds its state and keeps the others.
    let iowa = dir.path().join("ia.txt");
    std::fs::write(
        &iowa,
        "STATEFP|COUNTYFP|PLACENAME\n19|153|Des Moines city\n29|095|Kansas City city\n",
    )
    .unwrap();
    let (ok, stdout, stderr) =
        run(&["import", "places", iowa.to_str().unwrap(), "--database", &db], &[], None);
    assert!(ok, "{stderr}");
    // KS's four rows kept, MO's replaced by the file's one, IA's added.
    assert!(stdout.starts_with("places: 6 rows in 4 counties"), "{stdout}");

    // A file with a bad row is refused whole, naming the row; the stored table stays.
    let bad = format!("{CENSUS_PLACES}KS|20|45|Douglas County|1|1|Baldwin City city|X|C1|A\n");
    std::fs::write(&file, bad).unwrap();
    let (ok, _, stderr) = run(&["import", "places", path, "--database", &db], &[], None);
    assert!(!ok);
    assert!(stderr.contains("line 7: COUNTYFP \"45\" is not three digits"), "{stderr}");

    let tables = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = store_sql::SqliteStore::open(&dir.path().join("county.db")).await.unwrap();
        store::Directory::place_tables(&store).await.unwrap()
    });
    assert_eq!(tables.len(), 1);
    assert_eq!(tables[0].source, format!("ia.txt; other states from {source}"));
    assert_eq!(tables[0].places.len(), 6);
    assert!(tables[0].places.iter().any(|p| p.county == "19153"));
    assert!(tables[0].places.iter().any(|p| p.county == "20091" && p.name == "Eudora city"));
}
