//! What callers hand the registry, checked before anything is stored: names, versions and
//! requirements, each refused with an error that names the argument and who passed it.

use semver::{Version, VersionReq};

use crate::error::Error;

/// API and requester names: non-empty, printable, no surrounding space. `what` names the
/// argument (and who passed it), formatted only on failure.
pub(crate) fn check_name(
    call: &'static str,
    what: impl std::fmt::Display,
    name: &str,
) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::bad(call, format!("the {what} is empty")));
    }
    if name.trim() != name || name.chars().any(char::is_control) {
        return Err(Error::bad(
            call,
            format!("the {what} {name:?} has control characters or surrounding spaces"),
        ));
    }
    Ok(())
}

pub(crate) fn parse_requirement(
    call: &'static str,
    requirement: &str,
    api: &str,
    requester: &str,
) -> Result<VersionReq, Error> {
    if requirement.trim().is_empty() {
        return Err(Error::bad(
            call,
            format!("'{requester}' gave an empty version requirement for API '{api}'; write one such as \"^1.2\" or \"*\""),
        ));
    }
    VersionReq::parse(requirement).map_err(|e| {
        Error::bad(
            call,
            format!("'{requester}' gave a malformed version requirement \"{requirement}\" for API '{api}': {e}; write one such as \"^1.2\" or \">=1.2, <3\""),
        )
    })
}

/// `1`, `1.2` and `1.2.3` are all accepted where a version is declared.
pub(crate) fn parse_version(text: &str) -> Result<Version, semver::Error> {
    let dots = text.matches('.').count();
    let padded = match dots {
        0 if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => format!("{text}.0.0"),
        1 if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') => format!("{text}.0"),
        _ => text.to_owned(),
    };
    Version::parse(&padded)
}
