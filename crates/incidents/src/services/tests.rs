//! The services file: every rule of its format, accepted and refused, with the message.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;

fn areas() -> Vec<KnownArea> {
    [("20045", "Douglas County"), ("20091", "Johnson County"), ("20173", "Sedgwick County")]
        .into_iter()
        .map(|(code, name)| KnownArea { code: code.into(), name: name.into() })
        .collect()
}

fn now() -> Timestamp {
    Timestamp::from_millis(1_764_000_000_000)
}

fn plan_of(source: &str) -> Result<Plan> {
    plan("test.toml", source, &areas(), &[], &[], now())
}

fn error_of(source: &str) -> String {
    plan_of(source).unwrap_err().to_string()
}

const AGENCIES: &str = r#"
[[agency]]
for_each_area = ["20*"]
code = "psap-{area}"
name = "{name} 911"
kind = "psap"
time_zone = "America/Chicago"
uri = "sip:psap-{area}@ks.example"

[[agency]]
code = "ksphq"
name = "Kansas Suicide Prevention HQ"
kind = "crisis_center"
time_zone = "America/Chicago"

[[agency]]
code = "national"
name = "National backup"
kind = "crisis_center"
time_zone = "America/New_York"
"#;

fn tiers_of<'a>(plan: &'a Plan, service: &str, area: &str) -> Vec<(&'a str, u32)> {
    let code = |id| plan.create.iter().find(|a| a.id == id).map(|a| a.code.as_str()).unwrap_or("?");
    plan.service_areas
        .iter()
        .filter(|s| s.service == service && s.area == area)
        .map(|s| (code(s.agency), s.answer_within_s))
        .collect()
}

#[test]
fn templates_make_one_agency_per_area_and_later_entries_override() {
    let source = format!(
        r#"{AGENCIES}
[[serve]]
services = ["urn:service:sos"]
areas = ["*"]
tiers = ["psap-{{area}}"]

[[serve]]
services = ["urn:service:counseling.suicide"]
areas = ["20*"]
tiers = ["ksphq", {{ agency = "national", answer_within_s = 30 }}]
answer_within_s = 45

[[serve]]
services = ["urn:service:counseling.suicide"]
areas = ["20091"]
tiers = ["national"]

[[default]]
services = ["urn:service:counseling.suicide"]
tiers = ["national"]

[[area_code]]
services = ["urn:service:counseling.suicide"]
regions = ["KS"]
npa = ["212"]
tiers = ["ksphq"]
"#
    );
    let plan = plan_of(&source).unwrap();
    let codes: Vec<&str> = plan.create.iter().map(|a| a.code.as_str()).collect();
    assert_eq!(codes, ["ksphq", "national", "psap-20045", "psap-20091", "psap-20173"]);
    let douglas = plan.create.iter().find(|a| a.code == "psap-20045").unwrap();
    assert_eq!(douglas.name, "Douglas County 911");
    assert_eq!(douglas.uri.as_deref(), Some("sip:psap-20045@ks.example"));

    assert_eq!(tiers_of(&plan, "urn:service:sos", "20173"), [("psap-20173", 60)]);
    let suicide = "urn:service:counseling.suicide";
    assert_eq!(tiers_of(&plan, suicide, "20045"), [("ksphq", 45), ("national", 30)]);
    assert_eq!(tiers_of(&plan, suicide, "20091"), [("national", 60)], "the later entry wins");
    assert_eq!(tiers_of(&plan, suicide, "*"), [("national", 60)]);
    for npa in ["npa:316", "npa:620", "npa:785", "npa:913", "npa:212"] {
        assert_eq!(tiers_of(&plan, suicide, npa), [("ksphq", 60)], "{npa}");
    }
    // sos in 3 areas; 988 in 20045 and 20173 with 2 tiers, 20091 with 1; the default; 5 area codes.
    assert_eq!(plan.service_areas.len(), 3 + 2 + 2 + 1 + 1 + 5);
}

#[test]
fn stored_agencies_keep_their_ids_and_are_updated_only_when_they_differ() {
    let first = plan_of(AGENCIES).unwrap();
    let stored: Vec<Agency> = first.create.clone();
    let again = plan("test.toml", AGENCIES, &areas(), &stored, &[], now()).unwrap();
    assert!(again.create.is_empty() && again.update.is_empty());
    assert_eq!(again.unchanged_agencies, 5);

    let renamed = AGENCIES.replace("Kansas Suicide Prevention HQ", "KSPHQ");
    let changed = plan("test.toml", &renamed, &areas(), &stored, &[], now()).unwrap();
    assert_eq!(changed.update.len(), 1);
    let ksphq = stored.iter().find(|a| a.code == "ksphq").unwrap();
    assert_eq!(changed.update[0].id, ksphq.id);
    assert_eq!(changed.update[0].name, "KSPHQ");

    let rekinded = AGENCIES.replace("kind = \"crisis_center\"", "kind = \"ems\"");
    let e =
        format!("{:#}", plan("test.toml", &rekinded, &areas(), &stored, &[], now()).unwrap_err());
    assert!(e.contains("cannot change an agency's kind"), "{e}");
}

#[test]
fn mistakes_are_refused_with_what_to_fix() {
    let serve = |areas: &str, tiers: &str| {
        format!(
            "{AGENCIES}\n[[serve]]\nservices = [\"urn:service:sos\"]\nareas = {areas}\ntiers = {tiers}\n"
        )
    };
    for (source, says) in [
        (serve(r#"["21*"]"#, r#"["ksphq"]"#), r#"area "21*" matches no stored area"#),
        (serve(r#"[]"#, r#"["ksphq"]"#), "areas is empty"),
        (serve(r#"["20045"]"#, r#"["nobody"]"#), r#"tier "nobody": no such agency"#),
        (serve(r#"["20045"]"#, r#"[]"#), "tiers is empty"),
        (serve(r#"["20045"]"#, r#"["ksphq", "ksphq"]"#), "named at two tiers"),
        (
            serve(r#"["20045"]"#, r#"[{ agency = "ksphq", answer_within_s = 0 }]"#),
            "out of range [1, 3600]",
        ),
        (serve(r#"["20045"]"#, r#"[{ agent = "ksphq" }]"#), "each tier is an agency code"),
        (
            format!(
                "{AGENCIES}\n[[default]]\nservices = [\"urn:service:sos\"]\ntiers = [\"psap-{{area}}\"]\n"
            ),
            "only mean something in [[serve]] entries",
        ),
        (
            format!(
                "{AGENCIES}\n[[area_code]]\nservices = [\"urn:service:sos\"]\nregions = [\"XX\"]\ntiers = [\"ksphq\"]\n"
            ),
            r#"region "XX" has no area codes"#,
        ),
        (
            format!(
                "{AGENCIES}\n[[area_code]]\nservices = [\"urn:service:sos\"]\nnpa = [\"78\"]\ntiers = [\"ksphq\"]\n"
            ),
            "three digits",
        ),
        (
            format!(
                "{AGENCIES}\n[[serve]]\nservices = [\"sos\"]\nareas = [\"*\"]\ntiers = [\"ksphq\"]\n"
            ),
            "is not a service URN",
        ),
        (AGENCIES.replace("America/New_York", "Eastern"), "not an IANA time zone name"),
        (
            AGENCIES.replace("kind = \"psap\"", "kind = \"police\""),
            "unknown agency kind \"police\"",
        ),
        (
            AGENCIES.replace("sip:psap-{area}@ks.example", "mailto:x@y"),
            "give a sip:, sips:, tel: or https: URI",
        ),
        (AGENCIES.replace("code = \"ksphq\"", "code = \"ks phq\""), "use 1 to 64 letters"),
        (format!("{AGENCIES}\n[[servce]]\n"), "unknown field `servce`"),
        ("[[agency]]\ncode = \"x\"\n".into(), "missing field `name`"),
    ] {
        let e = error_of(&source);
        assert!(e.contains(says), "expected {says:?} in:\n{e}");
        assert!(e.starts_with("test.toml"), "the message names the file: {e}");
    }
}

const PROVIDER: &str = r#"
[[agency]]
code = "mct-douglas"
name = "Douglas County Mobile Crisis"
kind = "mobile_crisis_provider"
time_zone = "America/Chicago"

[[agency]]
code = "ksphq"
name = "Kansas Suicide Prevention HQ"
kind = "crisis_center"
time_zone = "America/Chicago"
"#;

const TEAM: &str = r#"
[[team]]
provider = "mct-douglas"
name = "Team Lawrence 1"
capabilities = ["Youth", "lang:es"]
home_base = [38.9717, -95.2353]
members = ["Dana Whitfield, LCSW", " Tom Ng, EMT "]
"#;

#[test]
fn teams_are_created_for_their_provider_and_found_again_by_name() {
    let first = plan_of(&format!("{PROVIDER}{TEAM}")).unwrap();
    assert_eq!(first.teams.create.len(), 1);
    let team = &first.teams.create[0];
    let provider = first.create.iter().find(|a| a.code == "mct-douglas").unwrap();
    assert_eq!(team.provider, provider.id);
    assert_eq!(team.capabilities, ["youth", "lang:es"], "capabilities are normalised");
    assert_eq!(team.members, ["Dana Whitfield, LCSW", "Tom Ng, EMT"], "names are trimmed");
    assert_eq!(team.home_base, Some(domain::GeoPoint::parse(38.9717, -95.2353).unwrap()));

    // Against the database after the first import: unchanged, then updated in place.
    let agencies = first.create.clone();
    let stored = first.teams.create.clone();
    let again =
        plan("t.toml", &format!("{PROVIDER}{TEAM}"), &areas(), &agencies, &stored, now()).unwrap();
    assert_eq!(
        (again.teams.create.len(), again.teams.update.len(), again.teams.unchanged),
        (0, 0, 1)
    );
    let moved = TEAM.replace("[38.9717, -95.2353]", "[38.9336, -95.2557]");
    let changed =
        plan("t.toml", &format!("{PROVIDER}{moved}"), &areas(), &agencies, &stored, now()).unwrap();
    assert_eq!(changed.teams.update.len(), 1);
    assert_eq!(changed.teams.update[0].id, stored[0].id, "the stored team keeps its id");
}

#[test]
fn team_mistakes_are_refused_with_what_to_fix() {
    let cases: [(&str, &str, &str); 8] = [
        (
            "provider = \"mct-douglas\"",
            "provider = \"mct-nowhere\"",
            "provider \"mct-nowhere\": no such agency",
        ),
        (
            "provider = \"mct-douglas\"",
            "provider = \"ksphq\"",
            "teams belong to a mobile_crisis_provider",
        ),
        ("\"Youth\"", "\"youth team\"", "capability \"youth team\": use 1 to 40 of a-z"),
        ("[38.9717, -95.2353]", "[-95.2353, 38.9717]", "write [latitude, longitude]"),
        ("name = \"Team Lawrence 1\"", "name = \"  \"", "name \"  \": give 1 to 100 characters"),
        ("\"Dana Whitfield, LCSW\"", "\"\"", "members[0] \"\": give 1 to 100 characters"),
        ("home_base = [38.9717, -95.2353]\n", "", "missing field `home_base`"),
        ("members = [", "crew = [", "unknown field `crew`"),
    ];
    for (from, to, says) in cases {
        let source = format!("{PROVIDER}{}", TEAM.replace(from, to));
        let e = error_of(&source);
        assert!(e.contains(says), "{to}: {e}");
    }
    let twice = error_of(&format!("{PROVIDER}{TEAM}{TEAM}"));
    assert!(
        twice.contains(
            "test.toml: team #2 (Team Lawrence 1): team #1 has the same provider and name"
        ),
        "{twice}"
    );
    let crowd: Vec<String> = (0..13).map(|n| format!("\"Member {n}\"")).collect();
    let many = TEAM.replace(
        "[\"Dana Whitfield, LCSW\", \" Tom Ng, EMT \"]",
        &format!("[{}]", crowd.join(", ")),
    );
    assert!(error_of(&format!("{PROVIDER}{many}")).contains("members: 13 listed; at most 12"));
}

#[test]
fn follow_up_rules_are_read_for_their_agency_and_kept_round_trip() {
    let source = format!(
        r#"{AGENCIES}
[[follow_up]]
agency = "ksphq"
name = "elevated-risk-callback"
channels = ["988"]
decision_rules = ["elevated-risk", "elevated-risk-buffered"]
dispositions = ["resolved_by_phone", "referred"]
within_hours = 24
imminent_risk_without_consent = true
"#
    );
    let plan = plan_of(&source).unwrap();
    let rules = plan.follow_up_rules.clone().unwrap();
    let ksphq = plan.create.iter().find(|a| a.code == "ksphq").unwrap().id;
    assert_eq!(rules.len(), 1);
    let rule = &rules[0];
    assert_eq!(rule.agency, ksphq);
    assert_eq!(rule.channels, [domain::Channel::Nine88]);
    assert_eq!((rule.within_hours, rule.attempts, rule.retry_hours), (24, 3, 4), "defaults");
    assert!(rule.imminent_risk_without_consent);
    let json = crate::follow_up::encode_rules(&rules);
    assert_eq!(crate::follow_up::decode_rules(&json).unwrap(), rules);

    assert_eq!(plan_of(AGENCIES).unwrap().follow_up_rules, None, "no entries: left as they are");
    let cleared = plan_of(&format!("clear_follow_ups = true\n{AGENCIES}")).unwrap();
    assert_eq!(cleared.follow_up_rules, Some(Vec::new()));
}

#[test]
fn follow_up_mistakes_are_refused_with_what_to_fix() {
    let rule = |body: &str| {
        format!("{AGENCIES}\n[[follow_up]]\nname = \"r\"\nwithin_hours = 24\n{body}\n")
    };
    for (body, expected) in [
        (
            "agency = \"nobody\"",
            "follow_up #1 (r): agency \"nobody\" is neither stored nor declared",
        ),
        (
            "agency = \"psap-20045\"",
            "psap-20045 is a psap: only crisis centers and mobile crisis providers",
        ),
        (
            "agency = \"ksphq\"\nteam_sent = true",
            "team_sent: only a mobile crisis provider sends teams",
        ),
        (
            "agency = \"ksphq\"\nchannels = [\"912\"]",
            "channels: unknown \"912\"; use 911, 988 or other",
        ),
        ("agency = \"ksphq\"\noutcomes = [\"hug\"]", "outcomes: unknown \"hug\"; use divert_988"),
        (
            "agency = \"ksphq\"\ndispositions = [\"gone\"]",
            "dispositions: unknown \"gone\"; use resolved_by_phone",
        ),
        ("agency = \"ksphq\"\nattempts = 0", "attempts: 0 given; use 1 to 10"),
        ("agency = \"ksphq\"\nretry_hours = 721", "retry_hours: 721 given; use 1 to 720"),
    ] {
        let error = error_of(&rule(body));
        assert!(error.contains(expected), "{body}: {error}");
    }
    let error = error_of(&format!(
        "{AGENCIES}\n[[follow_up]]\nagency = \"ksphq\"\nname = \"r\"\nwithin_hours = 0\n"
    ));
    assert!(error.contains("within_hours: 0 given; use 1 to 720"), "{error}");
    let error = error_of(&format!(
        "{AGENCIES}\n[[follow_up]]\nagency = \"ksphq\"\nname = \"Bad Name\"\nwithin_hours = 2\n"
    ));
    assert!(error.contains("name: 1 to 64 of a-z"), "{error}");
    let twice = format!(
        "{AGENCIES}\n[[follow_up]]\nagency = \"ksphq\"\nname = \"r\"\nwithin_hours = 2\n[[follow_up]]\nagency = \"ksphq\"\nname = \"r\"\nwithin_hours = 3\n"
    );
    assert!(
        error_of(&twice).contains("follow_up #2 (r): the agency already has a rule of that name")
    );
    let both = format!("clear_follow_ups = true\n{}", rule("agency = \"ksphq\""));
    assert!(error_of(&both).contains("give one or the other"), "{}", error_of(&both));
}
