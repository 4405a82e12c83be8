//! The street map, tiles and places on the Manhattan OpenStreetMap extract.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod manhattan;
