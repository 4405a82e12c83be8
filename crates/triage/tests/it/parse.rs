//! Parse errors name the file, the line and what is wrong.

use triage::Protocol;

const HEADER: &str = "[protocol]\nid = \"p\"\ntitle = \"t\"\nchannel = \"911\"\nsource = \"s\"\n";

fn question(id: &str, kind: &str) -> String {
    format!("\n[[questions]]\nid = \"{id}\"\ntext = \"?\"\ntype = \"{kind}\"\n")
}

fn rule(id: &str, when: &str, outcome: &str) -> String {
    format!("\n[[rules]]\nid = \"{id}\"\nwhen = \"{when}\"\noutcome = \"{outcome}\"\nwhy = \"w\"\n")
}

fn error(text: &str) -> String {
    Protocol::parse("county.toml", text).unwrap_err().to_string()
}

#[test]
fn errors_name_file_line_and_problem() {
    let weapon = question("weapon", "yes_no");
    let cases = [
        (
            format!("{HEADER}{weapon}{}", rule("r", "weapn", "ems")),
            "county.toml:14: rule `r`: when: column 1: unknown question `weapn`; the questions are weapon",
        ),
        (
            format!("{HEADER}{weapon}{}", rule("r", "weapon", "hug")),
            "county.toml:15: rule `r`: unknown outcome \"hug\"",
        ),
        (
            format!("{HEADER}{weapon}{}", rule("r", "weapon = maybe", "ems")),
            "county.toml:14: rule `r`: when: column 10: `weapon` is a yes/no question: compare it with yes, no or unknown, not `maybe`",
        ),
        (
            format!("{HEADER}{weapon}{}", rule("r", "weapon and", "ems")),
            "county.toml:14: rule `r`: when: column 11: the condition ends where",
        ),
        (format!("{HEADER}{weapon}{}", rule("r", "(weapon", "ems")), "`)` expected"),
        (
            format!("{HEADER}{weapon}{}", rule("r", "weapon > 3", "ems")),
            "`weapon` can be used alone, or with = yes",
        ),
        (
            format!("{HEADER}{}{}", question("age", "number"), rule("r", "age > 3", "ems")),
            "county.toml:10: question `age` is a number: give min and max with min < max",
        ),
        (
            format!("{HEADER}{weapon}{weapon}{}", rule("r", "true", "ems")),
            "county.toml:13: question `weapon` is defined twice",
        ),
        (
            format!("{HEADER}{}{}", question("w", "colour"), rule("r", "true", "ems")),
            "county.toml:10: question `w` has type \"colour\"; use yes_no, choice or number",
        ),
        (format!("{HEADER}{weapon}"), "county.toml:1: missing field `rules`"),
        (
            format!("{HEADER}priority = 1\n{weapon}{}", rule("r", "true", "ems")),
            "county.toml:6: unknown field `priority`",
        ),
        (
            format!("{HEADER}{weapon}{}{}", rule("r", "true", "ems"), rule("r", "true", "ems")),
            "county.toml:19: rule `r` is defined twice",
        ),
        (
            HEADER.replace("911", "112") + &weapon + &rule("r", "true", "ems"),
            "county.toml:4: protocol.channel must be",
        ),
        (
            format!(
                "{HEADER}{weapon}{}\n[[safety]]\nid = \"s\"\nwhen = \"weapon\"\nrequires = [\"swat\"]\nwhy = \"w\"\n",
                rule("r", "true", "ems")
            ),
            "county.toml:21: safety constraint `s`: requires \"swat\"; use law_enforcement or ems",
        ),
        ("not toml [".to_owned(), "county.toml:1:"),
    ];
    for (text, want) in cases {
        let got = error(&text);
        assert!(got.contains(want), "\n got: {got}\nwant: {want}\n{text}");
    }
}

#[test]
fn conditions_accept_the_whole_grammar() {
    let text = format!(
        "{HEADER}{}{}{}{}",
        question("a", "yes_no"),
        "\n[[questions]]\nid = \"risk\"\ntext = \"?\"\ntype = \"choice\"\nchoices = [\"low\", \"high\"]\n",
        "\n[[questions]]\nid = \"age\"\ntext = \"?\"\ntype = \"number\"\nmin = 0\nmax = 120\n",
        rule(
            "r",
            "not (a = no or risk != low) and age >= 18 and age <= 64 and risk in [low, high] or false",
            "ems"
        )
    );
    let protocol = Protocol::parse("ok.toml", &text).unwrap();
    assert_eq!(protocol.questions.len(), 3);
    assert_eq!(protocol.rules[0].id, "r");
}

#[test]
fn conditions_nest_only_so_deep_and_say_where() {
    let questions = "\n[[questions]]\nid = \"a\"\ntext = \"?\"\ntype = \"yes_no\"\n";
    let at_limit = format!(
        "{}a{}",
        "(".repeat(triage::MAX_CONDITION_NESTING),
        ")".repeat(triage::MAX_CONDITION_NESTING)
    );
    let text = format!("{HEADER}{questions}{}", rule("r", &at_limit, "ems"));
    assert!(
        Protocol::parse("ok.toml", &text).is_ok(),
        "{} levels are allowed",
        triage::MAX_CONDITION_NESTING
    );
    // Far past any stack: refused with the place, never a crash.
    for deep in [
        format!("{}a{}", "(".repeat(20_000), ")".repeat(20_000)),
        format!("{}a", "not ".repeat(30_000)),
        format!("{}a{}", "(not ".repeat(10_000), ")".repeat(10_000)),
    ] {
        let text = format!("{HEADER}{questions}{}", rule("r", &deep, "ems"));
        let e = Protocol::parse("deep.toml", &text).unwrap_err().to_string();
        assert!(e.contains("nest more than 32 deep here"), "{e}");
        assert!(e.starts_with("deep.toml:"), "{e}");
    }
    // TOML itself is bounded too (the parser's own limit).
    let text = format!("{HEADER}x = {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    assert!(Protocol::parse("deep.toml", &text).is_err());
}
