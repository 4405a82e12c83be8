//! The crate's one error type.

/// Why a road file could not be imported or a graph file loaded. Every message says what was
/// wrong and where (line, element, byte offset), so a user can fix the file.
#[derive(Debug, thiserror::Error)]
pub enum RoadsError {
    /// The input is none of the formats we read, or its compression is broken.
    #[error("{0}")]
    Format(String),
    /// An OpenStreetMap PBF file that the PBF reader refused.
    #[error("OSM PBF: {0}")]
    Pbf(String),
    /// OSM XML that is not well-formed, or an element with a missing or bad attribute;
    /// `line` counts from 1.
    #[error("OSM XML line {line}: {problem}")]
    Xml { line: u64, problem: String },
    /// A CSV edge-list row with the wrong columns or a bad value; `line` counts from 1.
    #[error("CSV line {line}: {problem}")]
    Csv { line: u64, problem: String },
    /// The input parsed, but no road a car may use is left.
    #[error("{0}")]
    Empty(String),
    /// The network is too big or too slow for the graph's 32-bit ids and millisecond times.
    #[error("{0}")]
    TooLarge(String),
    /// A graph file that is truncated, damaged, of another version, or not a graph file.
    #[error("graph file: {0}")]
    GraphFile(String),
}

/// The crate's result type.
pub type Result<T, E = RoadsError> = std::result::Result<T, E>;
