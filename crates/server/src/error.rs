//! One error type for the whole API: every failure a client can see has an HTTP status, a
//! stable machine-readable code, and a message that says what to fix.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use store::StoreError;
use utoipa::ToSchema;

/// The stable error codes. Clients may match on them; they never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The body is not JSON.
    MalformedJson,
    /// JSON, but a field is missing, unknown, of the wrong type, or out of range.
    InvalidField,
    /// A path or query parameter is wrong.
    InvalidParameter,
    UnsupportedMediaType,
    PayloadTooLarge,
    /// No session token, or one we do not know.
    Unauthenticated,
    /// The session was idle for too long.
    SessionExpired,
    /// Wrong username or password.
    InvalidCredentials,
    /// Too many failed logins.
    AccountLocked,
    /// The caller's role lacks the permission.
    Forbidden,
    /// A cookie-authenticated change or WebSocket upgrade from a page of another origin.
    CrossOrigin,
    /// The user's role needs an authenticator they have not enrolled.
    TotpEnrolmentRequired,
    /// The resource does not exist or is not visible to the caller's agency.
    NotFound,
    /// The action is not valid in the incident's current state.
    InvalidTransition,
    /// The incident's triage decision does not send it where the action would; re-triage or
    /// have a supervisor override.
    DecisionForbids,
    /// The incident must be triaged (or overridden) before it goes to a crisis service.
    TriageRequired,
    /// The caller's role may not override a triage decision.
    OverrideNotAllowed,
    /// A follow-up without the person's consent, for a contact that was not at imminent risk.
    ConsentRequired,
    /// A follow-up that is finished takes no more attempts or outcomes.
    FollowUpFinished,
    /// A unique name is taken.
    Duplicate,
    /// An uploaded protocol file could not be read.
    InvalidProtocol,
    /// The protocol version failed the checker and cannot be activated.
    ProtocolFailedCheck,
    /// An uploaded protocol breaks the safety floor (or does not ask what the floor needs);
    /// it is not stored.
    ProtocolBreaksFloor,
    /// The agency has no active protocol for this kind of incident.
    NoActiveProtocol,
    /// An EIDO that cannot be used; `field` is the JSON path that failed.
    InvalidEido,
    /// The server is shutting down.
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::MalformedJson => "malformed_json",
            Self::InvalidField => "invalid_field",
            Self::InvalidParameter => "invalid_parameter",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Unauthenticated => "unauthenticated",
            Self::SessionExpired => "session_expired",
            Self::InvalidCredentials => "invalid_credentials",
            Self::AccountLocked => "account_locked",
            Self::Forbidden => "forbidden",
            Self::CrossOrigin => "cross_origin",
            Self::TotpEnrolmentRequired => "totp_enrolment_required",
            Self::NotFound => "not_found",
            Self::InvalidTransition => "invalid_transition",
            Self::DecisionForbids => "decision_forbids",
            Self::TriageRequired => "triage_required",
            Self::OverrideNotAllowed => "override_not_allowed",
            Self::ConsentRequired => "consent_required",
            Self::FollowUpFinished => "follow_up_finished",
            Self::Duplicate => "duplicate",
            Self::InvalidProtocol => "invalid_protocol",
            Self::ProtocolFailedCheck => "protocol_failed_check",
            Self::ProtocolBreaksFloor => "protocol_breaks_floor",
            Self::NoActiveProtocol => "no_active_protocol",
            Self::InvalidEido => "invalid_eido",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }

    pub const fn status(self) -> StatusCode {
        match self {
            Self::MalformedJson | Self::InvalidParameter => StatusCode::BAD_REQUEST,
            Self::InvalidField
            | Self::InvalidProtocol
            | Self::InvalidEido
            | Self::ProtocolBreaksFloor => StatusCode::UNPROCESSABLE_ENTITY,
            Self::ProtocolFailedCheck | Self::NoActiveProtocol => StatusCode::CONFLICT,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unauthenticated | Self::SessionExpired | Self::InvalidCredentials => {
                StatusCode::UNAUTHORIZED
            }
            Self::AccountLocked
            | Self::Forbidden
            | Self::CrossOrigin
            | Self::TotpEnrolmentRequired
            | Self::OverrideNotAllowed => StatusCode::FORBIDDEN,
            Self::DecisionForbids
            | Self::TriageRequired
            | Self::ConsentRequired
            | Self::FollowUpFinished => StatusCode::CONFLICT,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::InvalidTransition | Self::Duplicate => StatusCode::CONFLICT,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An error as the API returns it.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// The request field that was wrong, as a dotted path (`location.lat`).
    pub field: Option<String>,
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid_field`.
    pub code: &'static str,
    /// What was wrong and what to do about it.
    pub message: String,
    /// The offending field, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), field: None }
    }

    /// A field that failed validation; the message is prefixed with the field's path.
    pub fn field(field: &str, problem: impl std::fmt::Display) -> Self {
        Self {
            code: ErrorCode::InvalidField,
            message: format!("{field}: {problem}"),
            field: Some(field.to_owned()),
        }
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} was not found"))
    }
}

/// A refusal of the incident's state machine; the protocol gate's has a code of its own.
fn transition(t: &domain::TransitionError) -> ApiError {
    use domain::TransitionError as T;
    let code = match t {
        T::DecisionForbids { .. } => ErrorCode::DecisionForbids,
        T::FollowUpConsent(_) | T::NotImminentRisk => ErrorCode::ConsentRequired,
        T::FollowUpFinished(..) => ErrorCode::FollowUpFinished,
        _ => ErrorCode::InvalidTransition,
    };
    ApiError::new(code, t.to_string())
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Rejected(t) => transition(&t),
            StoreError::IncidentNotFound(id) => Self::not_found(format!("incident {id}")),
            StoreError::TeamNotFound(id) => Self::not_found(format!("team {id}")),
            StoreError::TeamRefused(reason) => {
                Self::new(ErrorCode::InvalidTransition, reason.to_string())
            }
            StoreError::Duplicate { .. } => Self::new(ErrorCode::Duplicate, e.to_string()),
            StoreError::Invalid(message) => Self::new(ErrorCode::InvalidField, message),
            StoreError::Closed => Self::new(
                ErrorCode::Unavailable,
                "the server is shutting down; retry on another node or in a moment",
            ),
            StoreError::Corrupt(_) | StoreError::Database(_) => {
                tracing::error!(error = %e, "store failure");
                Self::new(
                    ErrorCode::Internal,
                    "the server could not complete the request; it was not recorded",
                )
            }
        }
    }
}

impl From<incidents::IncidentError> for ApiError {
    fn from(e: incidents::IncidentError) -> Self {
        use incidents::IncidentError as E;
        match e {
            E::Forbidden { .. } | E::NotAllowed(_) => {
                Self::new(ErrorCode::Forbidden, e.to_string())
            }
            E::NotFound(_) => Self::new(ErrorCode::NotFound, e.to_string()),
            E::InvalidField { ref field, ref problem } => Self::field(field, problem),
            E::Transition(t) => transition(&t),
            E::Conflict(_) => Self::new(ErrorCode::InvalidTransition, e.to_string()),
            E::TriageRequired { .. } => Self::new(ErrorCode::TriageRequired, e.to_string()),
            E::OverrideNotAllowed { .. } => Self::new(ErrorCode::OverrideNotAllowed, e.to_string()),
            E::NoActiveProtocol { .. } => Self::new(ErrorCode::NoActiveProtocol, e.to_string()),
            E::ProtocolUnproven { .. } => Self::new(ErrorCode::ProtocolFailedCheck, e.to_string()),
            E::Store(store) => store.into(),
            E::Internal(message) => {
                tracing::error!(%message, "incident service failure");
                Self::new(ErrorCode::Internal, message)
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.as_str(),
                message: self.message,
                field: self.field,
            },
        };
        (self.code.status(), Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The answer to a request whose handler panicked: logged, counted, answered 500 with the
/// stable code `internal`; nothing it was doing was acknowledged.
pub fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = what, "a request handler panicked; the request was answered 500");
    metrics::counter!("crisisbridge_http_panics_total").increment(1);
    ApiError::new(
        ErrorCode::Internal,
        "the server failed on this request and recorded nothing of it; it keeps serving — retry, and report it if it happens again",
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use axum::Router;
    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn boom() -> &'static str {
        panic!("a bug")
    }

    /// A handler that panics answers its request 500 `internal`; the service goes on.
    #[tokio::test]
    async fn a_panicking_handler_answers_500_and_the_router_keeps_serving() {
        let app = Router::new()
            .route("/boom", get(boom))
            .route("/fine", get(|| async { "ok" }))
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(super::panicked));
        let boom =
            app.clone().oneshot(Request::get("/boom").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(boom.status(), 500);
        let body = axum::body::to_bytes(boom.into_body(), 10_000).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "internal");
        let fine = app.oneshot(Request::get("/fine").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(fine.status(), 200);
    }
}
