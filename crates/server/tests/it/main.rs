//! The server end to end: a real SQLite file, the real HTTP server on a free port, a real
//! HTTP client.

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod access_matrix;
mod audit;
mod auth;
mod auto_assign;
mod calls;
mod clinician;
mod confidentiality;
mod eido;
mod eido_conveyance;
mod eido_round_trip;
mod eido_subscriptions;
mod errors;
mod facilities;
mod follow_ups;
mod gate;
mod handoff;
mod helpers;
mod incidents;
mod lost;
mod lost_ng911;
mod lost_peers;
mod openapi;
mod places;
mod reports;
mod request_id;
mod robustness;
mod routing;
mod search;
mod security;
mod shift_log;
mod stream;
mod teams;
mod tls;
mod totp;
mod transfers;
mod triage;
