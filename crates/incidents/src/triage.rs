//! Answering an agency's triage protocol for an incident.
//!
//! Answers may come a few at a time. Until the protocol decides, the result names the
//! questions still needed, in order, and nothing is written; once it decides, a
//! `triage_recorded` event with the outcome, the rule, the protocol version and the answers
//! is committed, and the outcome becomes the incident's recommended next action. The decision
//! is made here, by the agency's active protocol — never asserted by a client.

use domain::{Channel, EventKind, IncidentId, Permission};
use store::ProtocolVersion;
use triage::{AnswerInput, Answers, Decision, Evaluation, Protocol, Question};

use crate::service::by;
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
    pub async fn answer_triage(
        &self,
        caller: &Caller,
        id: IncidentId,
        answers: &[(String, AnswerInput)],
    ) -> Result<TriageResult> {
        caller.require(Permission::TriageRecord)?;
        let incident = self.visible(caller, id).await?;
        if incident.closure.is_some() {
            return Err(domain::TransitionError::IncidentClosed.into());
        }
        let version = self.active_protocol(caller, incident.channel).await?;
        let protocol = parse_stored(&version)?;
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
                let kind = EventKind::TriageRecorded {
                    outcome: decision.outcome,
                    protocol: protocol.id.clone(),
                    protocol_version: version.version,
                    rule: decision.rule.clone(),
                    answers: answers.describe(&protocol),
                };
                let committed = self.commit(vec![by(caller, self.clock.now(), id, kind)]).await?;
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

/// Parses a stored version; what was stored parsed when it was uploaded.
pub fn parse_stored(v: &ProtocolVersion) -> Result<Protocol> {
    Protocol::parse(&v.protocol_id, &v.source).map_err(|e| {
        tracing::error!(error = %e, "a stored protocol no longer parses");
        IncidentError::Internal("the stored protocol could not be read".into())
    })
}
