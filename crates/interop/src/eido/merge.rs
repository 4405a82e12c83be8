//! An incident that came from another system's EIDO, given back as that document updated:
//! everything the sender said — its identifiers, call, callback, persons, agents, additional
//! data, locations — stays as it was, and what Crisisbridge knows is laid over it:
//!
//! - the document's own last update (time, agency, issuing element) when Crisisbridge changed
//!   the incident after the EIDO arrived (the sender's `updatedByAgentReference` then goes:
//!   the update was not that agent's);
//! - agency components for the agencies Crisisbridge involved, beside the sender's;
//! - the incident component's status, disposition and internal id (Crisisbridge's, as the
//!   system now updating it; the sender's incident type kept), or Crisisbridge's incident
//!   component when the sender sent none;
//! - notes written in Crisisbridge (the sender's notes are already in the document, so notes
//!   with the same text as one of the sender's are not repeated), referenced beside the
//!   sender's;
//! - Crisisbridge's location component when the incident was located again here, referenced
//!   first.
//!
//! References to components the document does not hold are dropped, so every `$ref` resolves.

use serde_json::{Map, Value};

/// What changed in Crisisbridge since the EIDO arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Changes {
    /// Anything recorded on the incident after the EIDO was received.
    pub updated: bool,
    /// The incident's location is no longer the one the EIDO gave.
    pub relocated: bool,
}

/// `received` (the latest EIDO the sender gave) updated with `ours` (the incident as
/// Crisisbridge exports it). A `received` that is not a JSON object gives `ours`.
pub fn export_over(received: &Value, ours: &Value, changes: Changes) -> Value {
    let (Some(theirs), Some(ours)) = (received.as_object(), ours.as_object()) else {
        return ours.clone();
    };
    let mut out = theirs.clone();
    if changes.updated {
        for key in
            ["lastUpdateTimeStamp", "updatedByAgencyReference", "issuingElementIdentification"]
        {
            if let Some(value) = ours.get(key) {
                out.insert(key.to_owned(), value.clone());
            }
        }
        out.remove("updatedByAgentReference");
    }
    append_new(&mut out, ours, "agencyComponent", |_| true);
    // The sender's notes are in its document: ours made from them (the summary, a note
    // imported as it came) are not repeated.
    let theirs_said: Vec<String> = note_texts(out.get("notesComponent"));
    append_new(&mut out, ours, "notesComponent", |c| {
        !id_of(c).ends_with("#summary") && !theirs_said.contains(&note_text(c))
    });
    if changes.relocated {
        append_new(&mut out, ours, "locationComponent", |_| true);
    }
    if let Some(our_incident) = ours.get("incidentComponent").and_then(Value::as_object) {
        let merged = match out.get("incidentComponent").and_then(Value::as_object) {
            Some(their_incident) => {
                let mut merged = their_incident.clone();
                for key in [
                    "internalIncidentId",
                    "incidentStatusCommonRegistryText",
                    "incidentStatusInternalText",
                    "dispositionComponent",
                ] {
                    if let Some(value) = our_incident.get(key) {
                        merged.insert(key.to_owned(), value.clone());
                    }
                }
                // References: the sender's and ours (those that end up naming nothing are
                // dropped below); where the person is now, ours first.
                let both = |first: Option<&Value>, then: Option<&Value>| {
                    let mut refs: Vec<Value> = Vec::new();
                    for r in
                        [first, then].into_iter().flatten().filter_map(Value::as_array).flatten()
                    {
                        if !refs.contains(r) {
                            refs.push(r.clone());
                        }
                    }
                    Value::Array(refs)
                };
                let notes =
                    both(their_incident.get("notesReference"), our_incident.get("notesReference"));
                merged.insert("notesReference".to_owned(), notes);
                let (first, then) = if changes.relocated {
                    (our_incident.get("locationReference"), their_incident.get("locationReference"))
                } else {
                    (their_incident.get("locationReference"), None)
                };
                merged.insert("locationReference".to_owned(), both(first, then));
                merged
            }
            None => our_incident.clone(),
        };
        out.insert("incidentComponent".to_owned(), Value::Object(merged));
    }
    drop_dangling_references(&mut out);
    Value::Object(out)
}

/// A notes component's text, plain (its HTML read as text).
fn note_text(component: &Value) -> String {
    let html = component.get("notesActionComments").and_then(Value::as_str).unwrap_or_default();
    super::html::to_text(html).trim().to_owned()
}

fn note_texts(components: Option<&Value>) -> Vec<String> {
    components
        .and_then(Value::as_array)
        .map(|l| l.iter().map(note_text).collect())
        .unwrap_or_default()
}

fn id_of(component: &Value) -> &str {
    component.get("$id").and_then(Value::as_str).unwrap_or_default()
}

/// Appends `ours`'s components of `key` that pass `keep` and whose `$id` the document does
/// not hold yet.
fn append_new(
    out: &mut Map<String, Value>,
    ours: &Map<String, Value>,
    key: &str,
    keep: impl Fn(&Value) -> bool,
) {
    let Some(new) = ours.get(key).and_then(Value::as_array) else { return };
    let list = out.entry(key.to_owned()).or_insert_with(|| Value::Array(Vec::new()));
    let Some(list) = list.as_array_mut() else { return };
    for component in new.iter().filter(|c| keep(c)) {
        if !list.iter().any(|c| id_of(c) == id_of(component)) {
            list.push(component.clone());
        }
    }
}

/// Removes from the incident component the location and notes references that name no
/// component of the document.
fn drop_dangling_references(out: &mut Map<String, Value>) {
    let ids = |key: &str, out: &Map<String, Value>| -> Vec<String> {
        out.get(key)
            .and_then(Value::as_array)
            .map(|l| l.iter().map(|c| id_of(c).to_owned()).collect())
            .unwrap_or_default()
    };
    let locations = ids("locationComponent", out);
    let notes = ids("notesComponent", out);
    let Some(incident) = out.get_mut("incidentComponent").and_then(Value::as_object_mut) else {
        return;
    };
    for (key, known) in [("locationReference", &locations), ("notesReference", &notes)] {
        if let Some(list) = incident.get_mut(key).and_then(Value::as_array_mut) {
            list.retain(|r| {
                r.get("$ref")
                    .and_then(Value::as_str)
                    .is_some_and(|id| known.iter().any(|k| k == id))
            });
            if list.is_empty() {
                incident.remove(key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn the_senders_document_stays_and_ours_is_laid_over_it() {
        let theirs = json!({
            "$id": "urn:emergency:uid:incidentid:a1:cad.example",
            "lastUpdateTimeStamp": "2021-04-30T14:43:49-04:00",
            "updatedByAgencyReference": {"$ref": "cad.example"},
            "updatedByAgentReference": {"$ref": "agent@cad.example"},
            "agencyComponent": [{"$id": "cad.example"}],
            "personComponent": [{"$id": "p1"}],
        });
        let ours = json!({
            "$id": "urn:emergency:uid:incidentid:ours:crisis.example",
            "lastUpdateTimeStamp": "2026-12-06T05:00:00Z",
            "updatedByAgencyReference": {"$ref": "psap.crisis.example"},
            "issuingElementIdentification": "crisis.example",
            "agencyComponent": [{"$id": "psap.crisis.example"}],
            "notesComponent": [{"$id": "x#summary"}, {"$id": "x#note-1"}],
            "locationComponent": [{"$id": "x#location"}],
            "incidentComponent": {"incidentStatusCommonRegistryText": ["Active"],
                "locationReference": [{"$ref": "x#location"}],
                "notesReference": [{"$ref": "x#summary"}, {"$ref": "x#note-1"}]},
        });
        let same = export_over(&theirs, &ours, Changes::default());
        assert_eq!(same["$id"], theirs["$id"]);
        assert_eq!(same["lastUpdateTimeStamp"], theirs["lastUpdateTimeStamp"]);
        assert_eq!(same["personComponent"], theirs["personComponent"]);
        assert_eq!(same["agencyComponent"].as_array().unwrap().len(), 2);
        assert_eq!(same["notesComponent"], json!([{"$id": "x#note-1"}]));
        assert!(same.get("locationComponent").is_none());
        // References that would dangle are dropped.
        assert!(same["incidentComponent"].get("locationReference").is_none());
        assert_eq!(same["incidentComponent"]["notesReference"], json!([{"$ref": "x#note-1"}]));

        // A note the sender already has (imported as it came) is not repeated.
        let mut theirs_noted = theirs.clone();
        theirs_noted["notesComponent"] =
            json!([{"$id": "their-note", "notesActionComments": "<p>team on the way</p>"}]);
        theirs_noted["incidentComponent"] = json!({"notesReference": [{"$ref": "their-note"}]});
        let mut ours_noted = ours.clone();
        ours_noted["notesComponent"] = json!([
            {"$id": "x#note-1", "notesActionComments": "team on the way"},
            {"$id": "x#note-2", "notesActionComments": "arrived"}
        ]);
        ours_noted["incidentComponent"]["notesReference"] =
            json!([{"$ref": "x#note-1"}, {"$ref": "x#note-2"}]);
        let noted = export_over(&theirs_noted, &ours_noted, Changes::default());
        let ids: Vec<&str> =
            noted["notesComponent"].as_array().unwrap().iter().map(id_of).collect();
        assert_eq!(ids, ["their-note", "x#note-2"]);
        assert_eq!(
            noted["incidentComponent"]["notesReference"],
            json!([{"$ref": "their-note"}, {"$ref": "x#note-2"}])
        );

        let changed = export_over(&theirs, &ours, Changes { updated: true, relocated: true });
        assert_eq!(changed["lastUpdateTimeStamp"], ours["lastUpdateTimeStamp"]);
        assert!(changed.get("updatedByAgentReference").is_none());
        assert_eq!(changed["locationComponent"], json!([{"$id": "x#location"}]));
        assert_eq!(
            changed["incidentComponent"]["locationReference"],
            json!([{"$ref": "x#location"}])
        );
        assert_eq!(changed["$id"], theirs["$id"], "the sender's incident id stays");
    }
}
