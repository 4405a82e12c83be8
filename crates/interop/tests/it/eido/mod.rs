//! NENA EIDO: exports checked against NENA's schemas, imports of the upstream sample and of
//! broken documents, and round trips.

mod export;
mod import;
mod incidents;
mod properties;
mod schema;
