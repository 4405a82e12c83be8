//! LoST, PIDF-LO and EIDO against real material: the published vectors, PIDF-LO documents
//! and EIDO sample in `../shared/specs`, the RFC 5222 grammar (through `xmllint`), NENA's
//! EIDO schemas, and property tests.

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod eido;
mod leniency;
mod peer_shapes;
mod pidf_documents;
mod properties;
mod requests;
mod responses;
mod vectors;

pub use interop::grammar::{assert_valid_lost, check_against_grammar, read_spec, shared_spec};
