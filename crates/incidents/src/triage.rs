//! Answering an agency's triage protocol for an incident.
//!
//! Answers may come a few at a time. Until the protocol decides, the result names the
//! questions still needed, in order, and nothing is written; once it decides, a
//! `triage_recorded` event with the outcome, the rule, the protocol version and the answers
//! is committed, and the outcome becomes the incident's recommended next action. The decision
//! is made here, by the agency's active protocol — never asserted by a client.

use domain::{Channel, EventKind, IncidentId, Permission, Text};
use store::ProtocolVersion;
use triage::{AnswerInput, Answers, Decision, Evaluation, Protocol, Question};

use crate::service::{by, text};
use crate::{Caller, Committed, IncidentError, IncidentService, Result};

/// What answering the protocol gave.
#[derive(Debug)]
pub enum TriageResult {
    /// The protocol decided; the decision is committed on the incident.
    Decided { decision: Decision, protocol_version: u32, committed: Box<Committed> },
    /// Not yet: ask these questions, the first one next. Nothing was written.
    NeedsAnswers {
        protocol: String,
        protocol_version: u32,
        questions: Vec<Question>,
        pending_rule: String,
    },
}

impl IncidentService {
    /// Evaluates the caller's agency's active protocol on `answers` (question id, answer).
    /// An incident already decided is triaged again only with `retriage`, the reason: the
    /// earlier decision stays in the record, and a transfer in flight that the new decision
    /// does not allow is withdrawn in the same commit — never re-targeted.
    pub async fn answer_triage(
        &self,
        caller: &Caller,
        id: IncidentId,
        answers: &[(String, AnswerInput)],
        retriage: Option<Text>,
    ) -> Result<TriageResult> {
        caller.require(Permission::TriageRecord)?;
        let incident = self.acting(caller, id).await?;
        if incident.closure.is_some() {
            return Err(domain::TransitionError::IncidentClosed.into());
        }
        let version = self.active_protocol(caller, incident.channel).await?;
        let protocol = parse_stored(&version)?;
        self.prove(caller, &version, &protocol).await?;
        let answers = Answers::parse(&protocol, answers.iter().map(|(q, a)| (q.as_str(), a)))
            .map_err(|e| IncidentError::field(&format!("answers.{}", e.question), e.problem))?;
        match triage::evaluate(&protocol, &answers) {
            Evaluation::NeedsAnswers { questions, pending_rule } => {
                Ok(TriageResult::NeedsAnswers {
                    protocol: protocol.id.clone(),
                    protocol_version: version.version,
                    questions: questions
                        .iter()
                        .filter_map(|q| protocol.question(q))
                        .map(|(_, q)| q.clone())
                        .collect(),
                    pending_rule,
                })
            }
            Evaluation::Decided(decision) => {
                let now = self.clock.now();
                let (outcome, protocol_id, rule, described) = (
                    decision.outcome,
                    protocol.id.clone(),
                    decision.rule.clone(),
                    answers.describe(&protocol),
                );
                let mut events = Vec::new();
                match (&incident.triage, retriage) {
                    (None, _) => events.push(by(
                        caller,
                        now,
                        id,
                        EventKind::TriageRecorded {
                            outcome,
                            protocol: protocol_id,
                            protocol_version: version.version,
                            rule,
                            answers: described,
                        },
                    )),
                    (Some(earlier), None) => {
                        return Err(IncidentError::Conflict(format!(
                            "the incident is triaged already ({} by rule {}); to triage it again, give the reason (retriage_reason), and the earlier decision stays in the record",
                            earlier.outcome.as_str(),
                            earlier.rule
                        )));
                    }
                    (Some(_), Some(reason)) => {
                        events.push(by(
                            caller,
                            now,
                            id,
                            EventKind::Retriaged {
                                outcome,
                                protocol: protocol_id,
                                protocol_version: version.version,
                                rule: rule.clone(),
                                answers: described,
                                reason,
                            },
                        ));
                        if let Some(t) = incident
                            .transfer
                            .as_ref()
                            .filter(|t| t.destination.is_gated() && !outcome.allows(t.destination))
                        {
                            let why = format!(
                                "re-triaged to {} (rule {rule}), which does not send the call to {}: the offer is withdrawn",
                                outcome.as_str(),
                                t.destination.as_str()
                            );
                            events.push(by(
                                caller,
                                now,
                                id,
                                EventKind::TransferWithdrawn {
                                    reason: text(&why, Text::SHORT_MAX),
                                },
                            ));
                        }
                    }
                }
                let committed = self.commit(events).await?;
                Ok(TriageResult::Decided {
                    decision,
                    protocol_version: version.version,
                    committed: Box::new(committed),
                })
            }
        }
    }

    /// The caller's agency's active protocol for `channel`.
    pub async fn active_protocol(
        &self,
        caller: &Caller,
        channel: Channel,
    ) -> Result<ProtocolVersion> {
        self.store.active_protocol(caller.agency.id, channel).await?.ok_or_else(|| {
            IncidentError::NoActiveProtocol {
                agency: caller.agency.name.clone(),
                channel: channel.as_str(),
            }
        })
    }
}

impl IncidentService {
    /// Refuses a protocol that does not pass the checker as it is now — with the platform
    /// floor and the state's floors — whatever it passed when it was uploaded. Each version is
    /// checked once per process.
    async fn prove(
        &self,
        caller: &Caller,
        version: &ProtocolVersion,
        protocol: &Protocol,
    ) -> Result<()> {
        let key = (caller.agency.id, version.protocol_id.clone(), version.version);
        let known = self.proven.lock().ok().and_then(|m| m.get(&key).cloned());
        let verdict = match known {
            Some(verdict) => verdict,
            None => {
                let (protocol, floors) = (protocol.clone(), self.floors.clone());
                let verdict = tokio::task::spawn_blocking(move || {
                    triage::check(&protocol, &floors).map(|_| ()).map_err(|errors| {
                        errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
                    })
                })
                .await
                .map_err(|e| IncidentError::Internal(format!("the checker stopped: {e}")))?;
                if let Ok(mut proven) = self.proven.lock() {
                    proven.insert(key, verdict.clone());
                }
                verdict
            }
        };
        verdict.map_err(|problems| IncidentError::ProtocolUnproven {
            agency: caller.agency.name.clone(),
            protocol: version.protocol_id.clone(),
            version: version.version,
            problems,
        })
    }
}

/// Parses a stored version; what was stored parsed when it was uploaded.
impl IncidentService {
    /// The incident's standing decision explained as when it was made — the deciding agency's
    /// protocol version, the one that decided, evaluated again on the recorded answers — for
    /// anyone who may see the incident: the 988 counselor who took a 911 call sees why the
    /// PSAP's protocol sent it. `None` when the incident is not triaged, or the version is gone.
    pub async fn explain_decision(
        &self,
        caller: &Caller,
        id: IncidentId,
    ) -> Result<Option<(Decision, u32)>> {
        caller.require(Permission::IncidentRead)?;
        // As the caller's agency may see it: one whose part ended sees the decision of then.
        let incident = self.as_seen(caller.agency.id, self.visible(caller, id).await?).await?;
        let Some(recorded) = incident.triage.as_ref() else { return Ok(None) };
        let Some(version) = self
            .store
            .protocol_version(recorded.agency, &recorded.protocol, recorded.protocol_version)
            .await?
        else {
            return Ok(None);
        };
        let protocol = parse_stored(&version)?;
        let inputs: Vec<(String, AnswerInput)> = recorded
            .answers
            .iter()
            .map(|(q, a)| (q.clone(), recorded_input(&protocol, q, a)))
            .collect();
        let answers = Answers::parse(&protocol, inputs.iter().map(|(q, a)| (q.as_str(), a)))
            .map_err(|e| {
                tracing::error!(problem = %e.problem, "recorded triage answers no longer parse");
                IncidentError::Internal("the recorded answers could not be read".into())
            })?;
        Ok(match triage::evaluate(&protocol, &answers) {
            Evaluation::Decided(decision) if decision.rule == recorded.rule => {
                Some((decision, version.version))
            }
            _ => None,
        })
    }
}

/// A recorded answer ("yes", "no", a choice's id, a number, "unknown") as the input it was.
fn recorded_input(protocol: &Protocol, question: &str, answer: &str) -> AnswerInput {
    if answer == triage::UNKNOWN {
        return AnswerInput::Unknown;
    }
    match protocol.question(question).map(|(_, q)| &q.kind) {
        Some(triage::QuestionKind::YesNo) => AnswerInput::Bool(answer == "yes"),
        Some(triage::QuestionKind::Number { .. }) => answer
            .parse()
            .map_or_else(|_| AnswerInput::Text(answer.to_owned()), AnswerInput::Number),
        _ => AnswerInput::Text(answer.to_owned()),
    }
}

pub fn parse_stored(v: &ProtocolVersion) -> Result<Protocol> {
    Protocol::parse(&v.protocol_id, &v.source).map_err(|e| {
        tracing::error!(error = %e, "a stored protocol no longer parses");
        IncidentError::Internal("the stored protocol could not be read".into())
    })
}
