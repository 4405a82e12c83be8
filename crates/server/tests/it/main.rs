//! The server end to end: a real SQLite file, the real HTTP server on a free port, a real
//! HTTP client.

mod auth;
mod errors;
mod helpers;
mod incidents;
mod openapi;
mod stream;
