//! The XML layer under LoST and PIDF-LO: a bounded element tree for reading and an
//! escaping writer. Nothing here knows about LoST or GML.

mod tree;
mod write;

pub use tree::{Element, Limits, XmlError, parse};
pub use write::XmlWriter;
