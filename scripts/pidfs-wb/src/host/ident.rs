// SPDX-License-Identifier: GPL-2.0
//! The sender's identity: who signs the patches off and sends them. It comes
//! from git's configuration and nowhere else; the neutral identity of the
//! checked-in patches is never a sender.

use crate::base::git;
use crate::error::{Error, Result};
use crate::util::output;

/// Identity of the checked-in patches (no real person).
pub const PROJECT_NAME: &str = "pidfs-rs project";
pub const PROJECT_EMAIL: &str = "pidfs-rs@invalid";
use std::fmt;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub email: String,
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} <{}>", self.name, self.email)
    }
}

impl Ident {
    /// git in `dir` with this identity as author and committer (`-c
    /// user.name`, `-c user.email`): the one way the tool commits or runs
    /// `git am` as somebody.
    pub fn git(&self, dir: &Path) -> std::process::Command {
        let mut c = git(dir);
        c.arg("-c")
            .arg(format!("user.name={}", self.name))
            .arg("-c")
            .arg(format!("user.email={}", self.email));
        c
    }
}

/// The neutral project identity of the checked-in patches.
pub fn neutral() -> Ident {
    Ident {
        name: PROJECT_NAME.into(),
        email: PROJECT_EMAIL.into(),
    }
}

/// Checks a configured name and e-mail address.
pub fn validate(name: Option<&str>, email: Option<&str>) -> Result<Ident> {
    let name = name.map(str::trim).unwrap_or_default();
    let email = email.map(str::trim).unwrap_or_default();
    if name.is_empty() || email.is_empty() {
        let mut missing = Vec::new();
        if name.is_empty() {
            missing.push("user.name");
        }
        if email.is_empty() {
            missing.push("user.email");
        }
        return Err(Error::Identity {
            what: format!("git has no {} configured", missing.join(" and ")),
        });
    }
    if name == PROJECT_NAME || email == PROJECT_EMAIL {
        return Err(Error::Identity {
            what: format!(
                "`{name} <{email}>` is the neutral identity of the checked-in patches, not a \
                 person who can sign them off"
            ),
        });
    }
    let ok_email = email
        .split_once('@')
        .map(|(l, d)| !l.is_empty() && d.contains('.') && !d.ends_with('.'))
        .unwrap_or(false)
        && !email.contains(char::is_whitespace)
        && !email.contains(['<', '>']);
    if !ok_email || name.contains(['<', '>', '\n']) {
        return Err(Error::Identity {
            what: format!("`{name} <{email}>` is not a usable name and e-mail address"),
        });
    }
    Ok(Ident {
        name: name.into(),
        email: email.into(),
    })
}

fn config(repo: &Path, key: &str) -> Option<String> {
    output(git(repo).args(["config", "--get", key]))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The sender configured for `repo` (repository, global or system config).
pub fn sender(repo: &Path) -> Result<Ident> {
    validate(
        config(repo, "user.name").as_deref(),
        config(repo, "user.email").as_deref(),
    )
}

/// The sender if one is configured, else the neutral identity (for checks
/// of the patches as they would be sent).
pub fn sender_or_neutral(repo: &Path) -> Ident {
    sender(repo).unwrap_or_else(|_| neutral())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities() {
        let i = validate(Some("A Person"), Some("a@example.org")).unwrap();
        assert_eq!(i.to_string(), "A Person <a@example.org>");
        for (n, e, want) in [
            (None, Some("a@example.org"), "user.name"),
            (Some("A"), None, "user.email"),
            (None, None, "user.name and user.email"),
            (Some("pidfs-rs project"), Some("x@example.org"), "neutral"),
            (Some("X"), Some("pidfs-rs@invalid"), "neutral"),
            (Some("X"), Some("no-at-sign"), "not a usable"),
            (Some("X <y>"), Some("x@example.org"), "not a usable"),
        ] {
            let e = validate(n, e).unwrap_err();
            assert_eq!(e.code(), crate::error::exit::IDENTITY);
            assert!(e.to_string().contains(want), "{e}");
        }
    }
}
