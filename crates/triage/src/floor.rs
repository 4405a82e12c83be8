//! Safety floors: constraints every protocol is checked against in addition to its own, that
//! a county's protocol file cannot remove.
//!
//! A floor is written over *concepts* (`weapon`, `attempt_in_progress`, …), not over any one
//! protocol's questions: a protocol tags the yes/no question that answers each concept
//! (`floor = "weapon"`), and the checker reads the floor's conditions as conditions over those
//! questions ([`Floor::constraints_for`]). A protocol of a channel the floor covers that does
//! not ask one of its concepts fails the check, so dropping the weapon question does not drop
//! the weapon rule.
//!
//! [`Floor::platform`] is Crisisbridge's own (`platform-floor.toml`, compiled in); a state
//! adds its own floors in files of the same form ([`Floor::parse`]).

use domain::{Channel, TriageOutcome};
use serde::Deserialize;

use crate::condition::{self, Condition};
use crate::parse::ProtocolError;
use crate::protocol::{Origin, Protocol, Question, QuestionKind, SafetyConstraint, Service};

/// The platform floor's text.
pub const PLATFORM_FLOOR: &str = include_str!("platform-floor.toml");

/// A safety floor.
#[derive(Debug, Clone, PartialEq)]
pub struct Floor {
    pub id: String,
    pub title: String,
    pub source: String,
    pub concepts: Vec<Concept>,
    pub constraints: Vec<FloorConstraint>,
}

/// Something a protocol must ask for the floor to be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concept {
    pub id: String,
    /// What the question asks, in words, for the error that says it is missing.
    pub asks: String,
}

/// One constraint of a floor, over its concepts.
#[derive(Debug, Clone, PartialEq)]
pub struct FloorConstraint {
    pub id: String,
    pub channels: Vec<Channel>,
    /// Over concept indices.
    pub when: Condition,
    pub requires: Vec<Service>,
    pub forbids: Vec<TriageOutcome>,
    pub why: String,
}

/// A floor constraint that cannot be checked against a protocol: the protocol does not ask
/// one of its concepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingConcept {
    pub floor: String,
    pub constraint: String,
    pub concept: String,
    pub asks: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFloor {
    floor: RawHeader,
    concepts: Vec<RawConcept>,
    constraints: Vec<RawConstraint>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    id: String,
    title: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConcept {
    id: String,
    asks: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConstraint {
    id: String,
    channels: Vec<String>,
    when: String,
    #[serde(default)]
    requires: Vec<String>,
    #[serde(default)]
    forbids: Vec<String>,
    why: String,
}

impl Floor {
    /// Crisisbridge's own floor.
    pub fn platform() -> Self {
        // Checked by a unit test; a broken embedded floor is a build defect, not input.
        Self::parse("platform-floor.toml", PLATFORM_FLOOR).unwrap_or_else(|e| Self {
            id: format!("broken platform floor: {e}"),
            title: String::new(),
            source: String::new(),
            concepts: Vec::new(),
            constraints: Vec::new(),
        })
    }

    /// Reads a floor file; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, ProtocolError> {
        let err = |message: String| ProtocolError { file: file.to_owned(), line: 0, message };
        let raw: RawFloor = toml::from_str(text).map_err(|e| err(e.message().to_owned()))?;
        let mut concepts: Vec<Concept> = Vec::new();
        for c in raw.concepts {
            if c.id.is_empty()
                || !c
                    .id
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
            {
                return Err(err(format!("concept {:?} must be a-z, 0-9 and _", c.id)));
            }
            if concepts.iter().any(|o| o.id == c.id) {
                return Err(err(format!("concept `{}` is defined twice", c.id)));
            }
            concepts.push(Concept { id: c.id, asks: c.asks });
        }
        // Conditions are written over the concepts, each a yes/no question.
        let questions: Vec<Question> = concepts
            .iter()
            .map(|c| Question {
                id: c.id.clone(),
                text: c.asks.clone(),
                kind: QuestionKind::YesNo,
                floor: None,
            })
            .collect();
        let mut constraints: Vec<FloorConstraint> = Vec::new();
        for c in raw.constraints {
            if constraints.iter().any(|o| o.id == c.id) {
                return Err(err(format!("constraint `{}` is defined twice", c.id)));
            }
            let channels = c
                .channels
                .iter()
                .map(|ch| {
                    Channel::parse(ch).ok_or_else(|| {
                        err(format!(
                            "constraint `{}`: channel {ch:?} is not 911, 988 or other",
                            c.id
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let when = condition::parse(&c.when, &questions)
                .map_err(|e| err(format!("constraint `{}`: when: {e}", c.id)))?;
            let requires = c
                .requires
                .iter()
                .map(|s| match s.as_str() {
                    "law_enforcement" => Ok(Service::LawEnforcement),
                    "ems" => Ok(Service::Ems),
                    other => Err(err(format!(
                        "constraint `{}`: requires {other:?}; use law_enforcement or ems",
                        c.id
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let forbids = c
                .forbids
                .iter()
                .map(|s| {
                    TriageOutcome::parse(s).ok_or_else(|| {
                        err(format!(
                            "constraint `{}`: forbids {s:?}, which is not an outcome",
                            c.id
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if requires.is_empty() && forbids.is_empty() {
                return Err(err(format!("constraint `{}` demands nothing", c.id)));
            }
            constraints.push(FloorConstraint {
                id: c.id,
                channels,
                when,
                requires,
                forbids,
                why: c.why,
            });
        }
        Ok(Self {
            id: raw.floor.id,
            title: raw.floor.title,
            source: raw.floor.source,
            concepts,
            constraints,
        })
    }

    /// This floor's constraints that apply to `protocol`, over its questions; or, for each
    /// one it cannot check, the concept the protocol does not ask.
    pub fn constraints_for(
        &self,
        protocol: &Protocol,
    ) -> Result<Vec<SafetyConstraint>, Vec<MissingConcept>> {
        // Concept index → the protocol question that answers it.
        let answered: Vec<Option<usize>> = self
            .concepts
            .iter()
            .map(|c| protocol.questions.iter().position(|q| q.floor.as_deref() == Some(&c.id)))
            .collect();
        let mut constraints = Vec::new();
        let mut missing = Vec::new();
        for c in self.constraints.iter().filter(|c| c.channels.contains(&protocol.channel)) {
            let mut read = Vec::new();
            c.when.questions(&mut read);
            let absent: Vec<usize> = read
                .into_iter()
                .filter(|concept| answered.get(*concept).copied().flatten().is_none())
                .collect();
            if absent.is_empty() {
                let map = |concept: usize| answered.get(concept).copied().flatten().unwrap_or(0);
                constraints.push(SafetyConstraint {
                    id: c.id.clone(),
                    when: c.when.map_questions(&map),
                    requires: c.requires.clone(),
                    forbids: c.forbids.clone(),
                    why: c.why.clone(),
                    origin: Origin::Floor(self.id.clone()),
                });
            } else {
                missing.extend(absent.into_iter().filter_map(|concept| {
                    self.concepts.get(concept).map(|k| MissingConcept {
                        floor: self.id.clone(),
                        constraint: c.id.clone(),
                        concept: k.id.clone(),
                        asks: k.asks.clone(),
                    })
                }));
            }
        }
        if missing.is_empty() { Ok(constraints) } else { Err(missing) }
    }

    /// Whether some floor among `floors` defines `concept`.
    pub fn defines(floors: &[Self], concept: &str) -> bool {
        floors.iter().any(|f| f.concepts.iter().any(|c| c.id == concept))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_platform_floor_parses() {
        let floor = Floor::parse("platform-floor.toml", PLATFORM_FLOOR).unwrap();
        assert_eq!(floor.id, "crisisbridge-platform-floor");
        assert_eq!(floor.concepts.len(), 5);
        assert_eq!(floor.constraints.len(), 5);
        assert_eq!(Floor::platform(), floor);
    }
}
