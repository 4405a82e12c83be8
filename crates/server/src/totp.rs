//! A second factor: time-based one-time passwords (RFC 6238 over RFC 4226's HOTP) with
//! HMAC-SHA1, 30-second steps and 6 digits — what every authenticator app speaks.
//!
//! A code is accepted for the step it was made in and the one before or after (clock drift),
//! and only once ([`store::Directory::use_totp_step`]). Enrolment shows the secret as an
//! `otpauth://` URI, as text and as a QR code (SVG, drawn here), and stores it only once the
//! user has typed a code made with it.

use hmac::{KeyInit, Mac};
use sha1::Sha1;

/// Seconds per step.
pub const STEP_S: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Bytes of a new secret (160 bits, as RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;

/// A fresh random secret, base32.
pub fn new_secret() -> Result<String, String> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for a secret: {e}"))?;
    Ok(base32(&bytes))
}

/// RFC 4648 base32, without padding.
pub fn base32(bytes: &[u8]) -> String {
    // Five bits: a letter A–Z (0–25) or a digit 2–7 (26–31).
    let letter = |v: u32| match u8::try_from(v).unwrap_or(0) {
        v @ 0..=25 => char::from(b'A' + v),
        v => char::from(b'2' + (v - 26)),
    };
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(letter((buffer >> bits) & 31));
        }
    }
    if bits > 0 {
        out.push(letter((buffer << (5 - bits)) & 31));
    }
    out
}

/// Reads base32 (any case, spaces and padding ignored).
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = match c.to_ascii_uppercase() {
            c @ 'A'..='Z' => c as u32 - 'A' as u32,
            c @ '2'..='7' => c as u32 - '2' as u32 + 26,
            _ => return None,
        };
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// The HOTP code for counter `step` (RFC 4226 §5.3).
pub fn code(secret: &[u8], step: u64, digits: u32) -> String {
    let Ok(mut mac) = <hmac::Hmac<Sha1> as KeyInit>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest.last().copied().unwrap_or(0) & 0x0f);
    let window: [u8; 4] = match digest.get(offset..offset + 4).and_then(|w| w.try_into().ok()) {
        Some(w) => w,
        None => return String::new(),
    };
    let value = u32::from_be_bytes(window) & 0x7fff_ffff;
    let modulus = 10u32.pow(digits);
    format!("{:0width$}", value % modulus, width = digits as usize)
}

/// The step a code typed at `now_ms` was made in, if it matches this step, the one before or
/// the one after.
pub fn matching_step(secret_b32: &str, typed: &str, now_ms: i64) -> Option<i64> {
    let secret = from_base32(secret_b32)?;
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS as usize || !typed.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let now = now_ms.div_euclid(1000).div_euclid(STEP_S);
    [now, now - 1, now + 1].into_iter().filter(|s| *s >= 0).find(|&step| {
        let made = code(&secret, u64::try_from(step).unwrap_or(0), DIGITS);
        // Compare all digits whatever the first difference, so timing says nothing.
        made.bytes().zip(typed.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    })
}

/// The `otpauth://` URI authenticator apps read.
pub fn otpauth_uri(issuer: &str, account: &str, secret_b32: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_S}",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// `text` as a QR code in SVG, black on white, with a quiet zone.
pub fn qr_svg(text: &str) -> Result<String, String> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| format!("the enrolment code does not fit a QR code: {e}"))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, 8 digits.
    #[test]
    fn the_rfc_test_vectors_give_their_codes() {
        let secret = b"12345678901234567890";
        for (time, expected) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code(secret, time / 30, 8), expected, "T = {time}");
        }
    }

    #[test]
    fn base32_round_trips_and_refuses_other_letters() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(from_base32(&base32(&bytes)).unwrap(), bytes);
        assert_eq!(base32(b"12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(from_base32("gezd gnbv").unwrap(), b"12345");
        assert!(from_base32("GEZ1").is_none());
        assert_eq!(new_secret().unwrap().len(), 32);
    }

    #[test]
    fn a_code_matches_its_step_and_its_neighbours_only() {
        let secret = base32(b"12345678901234567890");
        let raw = b"12345678901234567890";
        let now_ms = 1_764_000_000_000;
        let step = now_ms / 1000 / STEP_S;
        let at = |s: i64| code(raw, u64::try_from(s).unwrap(), DIGITS);
        assert_eq!(matching_step(&secret, &at(step), now_ms), Some(step));
        assert_eq!(matching_step(&secret, &at(step - 1), now_ms), Some(step - 1));
        assert_eq!(matching_step(&secret, &at(step + 1), now_ms), Some(step + 1));
        assert_eq!(matching_step(&secret, &at(step - 2), now_ms), None);
        assert_eq!(matching_step(&secret, "12345", now_ms), None);
        assert_eq!(matching_step(&secret, "abcdef", now_ms), None);
    }

    #[test]
    fn the_uri_and_qr_code_carry_the_secret() {
        let uri = otpauth_uri("Crisisbridge psap-20045", "jdoe", "GEZDGNBV");
        assert!(uri.starts_with("otpauth://totp/Crisisbridge%20psap-20045:jdoe?secret=GEZDGNBV"));
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"), "{svg}");
    }
}
