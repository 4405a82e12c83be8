//! The XML layer under LoST and PIDF-LO: a bounded element tree for reading, an escaping
//! writer, and a tree written back out (`serialize.rs`). Nothing here knows about LoST or GML.

mod serialize;
mod tree;
mod write;

pub use serialize::serialize;
pub use tree::{Attribute, Element, Limits, Node, XmlError, parse};
pub use write::XmlWriter;
