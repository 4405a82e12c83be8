//! One module per API resource.

pub mod actions;
pub mod agencies;
pub mod areas;
pub mod audit;
pub mod calls;
pub mod clinician;
pub mod eido;
pub mod eido_conveyance;
pub mod facilities;
pub mod follow_ups;
pub mod health;
pub mod incidents;
pub mod lost;
pub mod places;
pub mod prior;
pub mod protocols;
pub mod recommendations;
pub mod reports;
pub mod routing;
pub mod search;
pub mod sessions;
pub mod shift_log;
pub mod stream;
pub mod teams;
pub mod totp;
pub mod triage;
pub mod users;

/// A page's size as a query asks it: `default` when not given, refused outside 1 to `max`.
pub(crate) fn page_limit(
    given: Option<u32>,
    default: u32,
    max: u32,
) -> crate::error::ApiResult<u32> {
    let limit = given.unwrap_or(default);
    if (1..=max).contains(&limit) {
        Ok(limit)
    } else {
        Err(crate::error::ApiError::new(
            crate::error::ErrorCode::InvalidParameter,
            format!("limit: {limit} is out of range [1, {max}]"),
        ))
    }
}
