//! Why an EIDO was refused: where in the document, and what is wrong there.

/// A refused EIDO. `path` names the place in the JSON the way people write it —
/// `locationComponent[0].locationByValue` —, empty for the document as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EidoError {
    #[error("the EIDO is {size} bytes; at most {max} are accepted")]
    TooLarge { size: usize, max: usize },
    #[error("the EIDO is not JSON: {message} (line {line}, column {column})")]
    NotJson { message: String, line: usize, column: usize },
    #[error("{}", with_path(path, message))]
    Invalid { path: String, message: String },
}

pub type Result<T, E = EidoError> = std::result::Result<T, E>;

fn with_path(path: &str, message: &str) -> String {
    if path.is_empty() { message.to_owned() } else { format!("{path}: {message}") }
}

impl EidoError {
    pub(crate) fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid { path: path.into(), message: message.into() }
    }

    /// The JSON path of the value that was refused, when one value was (`""` is the
    /// document itself).
    pub fn path(&self) -> Option<&str> {
        match self {
            Self::Invalid { path, .. } => Some(path),
            Self::TooLarge { .. } | Self::NotJson { .. } => None,
        }
    }

    /// What is wrong, without the path.
    pub fn message(&self) -> String {
        match self {
            Self::Invalid { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }

    /// From a serde error with the path where it happened. Syntax errors are about the bytes,
    /// not a value, and keep their line and column; for the others the path says where, and
    /// serde's "missing field `x`" becomes a message about `x` itself.
    pub(crate) fn from_serde(error: &serde_path_to_error::Error<serde_json::Error>) -> Self {
        let inner = error.inner();
        let message = inner.to_string();
        let suffix = format!(" at line {} column {}", inner.line(), inner.column());
        let message = message.strip_suffix(&suffix).unwrap_or(&message).to_owned();
        if !inner.is_data() {
            return Self::NotJson { message, line: inner.line(), column: inner.column() };
        }
        let parent = path_text(error.path());
        if let Some(field) =
            message.strip_prefix("missing field `").and_then(|m| m.strip_suffix('`'))
        {
            return Self::at(join(&parent, field), "is missing; the EIDO schema requires it");
        }
        Self::at(parent, message)
    }
}

/// `a.b[0].c`; serde_path_to_error writes the document itself as `.`.
fn path_text(path: &serde_path_to_error::Path) -> String {
    let text = path.to_string();
    if text == "." { String::new() } else { text }
}

/// The path of `field` inside the value at `parent`.
pub(crate) fn join(parent: &str, field: &str) -> String {
    if parent.is_empty() { field.to_owned() } else { format!("{parent}.{field}") }
}
