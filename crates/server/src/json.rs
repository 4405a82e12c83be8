//! A JSON body extractor whose every rejection is an [`ApiError`] with a stable code.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode};

/// Like `axum::Json`, but malformed, mistyped or oversized bodies answer in our error format.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(reject(rejection)),
        }
    }
}

fn reject(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            // serde's message names the field path and the problem, e.g.
            // "location: unknown variant `square`, expected one of ...".
            ApiError::new(ErrorCode::InvalidField, format!("request body: {}", source_text(&e)))
        }
        JsonRejection::JsonSyntaxError(e) => ApiError::new(
            ErrorCode::MalformedJson,
            format!("request body is not valid JSON: {}", source_text(&e)),
        ),
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the body as JSON with the header Content-Type: application/json",
        ),
        JsonRejection::BytesRejection(e)
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
        {
            ApiError::new(
                ErrorCode::PayloadTooLarge,
                "request body is too large; the limit is 64 KiB",
            )
        }
        other => ApiError::new(
            ErrorCode::MalformedJson,
            format!("request body could not be read: {other}"),
        ),
    }
}

/// The innermost cause, which is serde's precise message.
fn source_text(e: &dyn std::error::Error) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
