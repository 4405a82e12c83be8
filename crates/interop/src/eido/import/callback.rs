//! The callback number an EIDO's call and callback components give.

use domain::CallbackNumber;

use super::wire::{Call, Callback, Object};
use crate::eido::error::{EidoError, Result};

/// The callback component the first call refers to (`callBackReference`), else the first
/// one: its first `tel:` or phone-number `sip:` URI, else its updated callback number.
pub(super) fn read(
    calls: &[Object<Call>],
    callbacks: &[Object<Callback>],
) -> Result<Option<CallbackNumber>> {
    let referenced = calls
        .iter()
        .find_map(|c| c.0.call_back_reference.as_ref()?.0.target.as_deref())
        .and_then(|target| callbacks.iter().position(|c| c.0.id.as_deref() == Some(target)));
    let index = referenced.unwrap_or(0);
    let Some(Object(callback)) = callbacks.get(index) else { return Ok(None) };
    let path = format!("callbackComponent[{index}]");
    for (i, uri) in callback.call_back_information_uri.iter().enumerate() {
        if let Some(number) = number_in(uri, &format!("{path}.callBackInformationUri[{i}]"))? {
            return Ok(Some(number));
        }
    }
    match callback.updated_cbn.as_ref().and_then(|u| u.0.updated_cbn_identifier_uri.as_deref()) {
        Some(uri) => number_in(uri, &format!("{path}.updatedCbn.updatedCbnIdentifierUri")),
        None => Ok(None),
    }
}

/// The phone number a URI names. A `tel:` URI must be a number we can call back; a `sip:`
/// URI names one when its user part is a phone number (`sip:+17855550100@carrier.example`)
/// and is passed over otherwise, as are other schemes.
fn number_in(uri: &str, path: &str) -> Result<Option<CallbackNumber>> {
    let Some((scheme, rest)) = uri.trim().split_once(':') else { return Ok(None) };
    let before_parameters = |s: &'_ str| s.split(';').next().unwrap_or_default().to_owned();
    match scheme.to_ascii_lowercase().as_str() {
        "tel" => CallbackNumber::parse(&before_parameters(rest))
            .map(Some)
            .map_err(|e| EidoError::at(path, e.to_string())),
        "sip" | "sips" => Ok(rest
            .split_once('@')
            .and_then(|(user, _)| CallbackNumber::parse(&before_parameters(user)).ok())),
        _ => Ok(None),
    }
}
