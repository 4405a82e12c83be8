//! NENA EIDO (NENA-STA-021) JSON: incidents out to other systems, and in from a CAD.
//!
//! Entry points: [`export`] writes an [`Incident`](domain::Incident) as an [`Eido`] with the
//! deployment facts of an [`ExportContext`]; [`import`] reads a CAD's EIDO into an
//! [`ImportedEido`], or refuses it with an [`EidoError`] naming the JSON path and the problem;
//! [`export_over`] gives an incident that came from an EIDO back as that document updated.
//! [`registry`] holds the registry values written and the rules that choose them (the
//! incident type: [`registry::incident_type`]). The mapping, field by field and both ways, is
//! `docs/eido-mapping.md`.
//!
//! # What is sent
//!
//! Every EIDO written validates against both NENA schemas — the published NENA-STA-021.1b and
//! the NENA-STA-021.1.1 draft — and uses only fields both define (tested with
//! `grammar::validate_eido`). A 988 contact's EIDO carries no free text: its summary, notes
//! and remarks are clinical record that stays with the 988 center.
//!
//! # How strict reading is
//!
//! - Only `eidoVersion` "1.0" is read. The document is at most [`MAX_EIDO_BYTES`], nested
//!   at most 128 levels (serde_json's limit), and read without unbounded recursion.
//! - What Crisisbridge takes is checked as the schema defines it, and a wrong value refuses
//!   the whole EIDO: identifiers, timestamps (RFC 3339 with an offset), the incident type,
//!   every location by value (PIDF-LO that converts to a domain location), location URLs,
//!   the callback number, the notes (plain text or HTML, at most 4 000 characters each).
//! - Everything else is skipped unread: other components, unknown fields, extensions.
//! - Locations by reference are kept as URLs, never fetched.

mod context;
mod document;
mod error;
mod export;
mod html;
mod import;
mod merge;
pub mod registry;

pub use context::{
    ExportContext, IssuerError, agency_identifier, call_identifier, incident_tracking_id,
};
pub use document::Eido;
pub use error::{EidoError, Result};
pub use export::{PART2_NOTICE, export};
pub use import::{ImportedEido, ImportedNote, LocationReference, MAX_EIDO_BYTES, import};
pub use merge::{Changes, export_over};
