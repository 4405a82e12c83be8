//! What makes a username and a password acceptable.
//!
//! - Usernames: 2 to 64 characters of ASCII letters, digits, `.`, `_` and `-`, starting with a
//!   letter or digit; compared without case (`Jdoe` and `jdoe` are one user) and stored in
//!   lower case. Nothing a console, a log or the audit trail could render as markup.
//! - Passwords: at least [`MIN_PASSWORD_CHARS`] characters, not only whitespace, and not
//!   guessable: zxcvbn's estimate must reach [`MIN_PASSWORD_SCORE`] (about 10^10 guesses),
//!   with the username and display name counted as known words. Common passwords, keyboard
//!   walks, repeats and dictionary words with substitutions score low.

/// The shortest password accepted (NIST SP 800-63B allows 8; CJIS asks for more).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest: argon2 takes any length, but nobody types more.
pub const MAX_PASSWORD_CHARS: usize = 256;
/// zxcvbn's score (0–4) a password must reach.
pub const MIN_PASSWORD_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// Why `username` cannot be used, if it cannot.
pub fn username_problem(username: &str) -> Option<String> {
    let n = username.chars().count();
    if !(2..=64).contains(&n) {
        return Some(format!("a username has 2 to 64 characters; this one has {n}"));
    }
    if let Some(c) =
        username.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Some(format!(
            "a username holds only letters, digits, '.', '_' and '-'; {c:?} is not allowed"
        ));
    }
    if !username.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Some("a username starts with a letter or digit".to_owned());
    }
    None
}

/// The form a username is stored and compared in.
pub fn normalize_username(username: &str) -> String {
    username.trim().to_ascii_lowercase()
}

/// Why `password` cannot be used by this user, if it cannot.
pub fn password_problem(password: &str, username: &str, display_name: &str) -> Option<String> {
    let n = password.chars().count();
    if password.trim().is_empty() {
        return Some("the password cannot be empty or only spaces".to_owned());
    }
    if n < MIN_PASSWORD_CHARS {
        return Some(format!(
            "the password must be at least {MIN_PASSWORD_CHARS} characters long; this one has {n}"
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Some(format!("the password must be at most {MAX_PASSWORD_CHARS} characters long"));
    }
    let mut known: Vec<&str> = vec![username];
    known.extend(display_name.split_whitespace());
    let estimate = zxcvbn::zxcvbn(password, &known);
    if estimate.score() < MIN_PASSWORD_SCORE {
        let hint = estimate
            .feedback()
            .and_then(|f| f.warning().map(|w| w.to_string()))
            .unwrap_or_else(|| "it follows a pattern that is quick to guess".to_owned());
        return Some(format!(
            "the password is too easy to guess ({hint}); use a passphrase of four or more unrelated words, or a password manager's"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_a_safe_set_compared_without_case() {
        for ok in ["jdoe", "j.doe-2", "ct_1", "A1"] {
            assert_eq!(username_problem(ok), None, "{ok}");
        }
        for bad in ["", "a", "<script>", "j doe", "-jdoe", "jdöe", &"a".repeat(65)] {
            assert!(username_problem(bad).is_some(), "{bad:?}");
        }
        assert_eq!(normalize_username("  JDoe "), "jdoe");
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        for weak in [
            "aaaaaaaaaaaa",
            "            ",
            "password1234",
            "qwertyuiop12",
            "short",
            "jdoe-jdoe-jdoe",
            "P@ssw0rd2024!",
        ] {
            let problem = password_problem(weak, "jdoe", "Jane Doe");
            assert!(problem.is_some(), "{weak:?} was accepted");
        }
        assert!(password_problem("correct horse battery staple", "jdoe", "Jane Doe").is_none());
        assert!(password_problem("plinth-ovation-marrow-sleet", "jdoe", "Jane Doe").is_none());
    }
}
