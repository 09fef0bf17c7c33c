//! What callers hand the registry, checked before anything is stored or parsed: names,
//! versions and requirements, each within a documented length, each refused with an error that
//! names the argument, who passed it and the limit.

use semver::{Version, VersionReq};

use crate::error::Error;

/// The longest name capreg takes, in bytes: an API, provider, requester or function name.
/// Dotted module paths and C identifiers stay far below it.
pub const MAX_NAME_BYTES: usize = 256;

/// The longest declared version (`1.4.0`, `2.0.0-rc.1+build.5`), in bytes.
pub const MAX_VERSION_BYTES: usize = 64;

/// The longest version requirement (`>=1.2, <3`), in bytes.
pub const MAX_REQUIREMENT_BYTES: usize = 256;

/// `text` as an error quotes it: whole when short, else its first 60 characters and its length.
pub(crate) fn quoted(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{:?}... ({} bytes)", &text[..cut], text.len()),
        None => format!("{text:?}"),
    }
}

/// Refuses `text` over `limit` bytes, naming the argument and the limit.
pub(crate) fn check_length(
    call: &'static str,
    what: impl std::fmt::Display,
    text: &str,
    limit: usize,
) -> Result<(), Error> {
    if text.len() > limit {
        return Err(Error::bad(
            call,
            format!(
                "the {what} {} is {} bytes long, over capreg's limit of {limit} bytes",
                quoted(text),
                text.len()
            ),
        ));
    }
    Ok(())
}

/// API, provider and requester names: non-empty, at most [`MAX_NAME_BYTES`], printable, no
/// surrounding space. `what` names the argument (and who passed it), formatted only on failure.
pub(crate) fn check_name(
    call: &'static str,
    what: impl std::fmt::Display,
    name: &str,
) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::bad(call, format!("the {what} is empty")));
    }
    check_length(call, &what, name, MAX_NAME_BYTES)?;
    if name.trim() != name || name.chars().any(char::is_control) {
        return Err(Error::bad(
            call,
            format!(
                "the {what} {} has control characters or surrounding spaces",
                quoted(name)
            ),
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
    check_length(
        call,
        format_args!("version requirement of '{requester}' for API '{api}'"),
        requirement,
        MAX_REQUIREMENT_BYTES,
    )?;
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

/// `1`, `1.2` and `1.2.3` are all accepted where a version is declared. The caller checks the
/// length first ([`MAX_VERSION_BYTES`]).
pub(crate) fn parse_version(text: &str) -> Result<Version, semver::Error> {
    let dots = text.matches('.').count();
    let padded = match dots {
        0 if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => format!("{text}.0.0"),
        1 if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') => format!("{text}.0"),
        _ => text.to_owned(),
    };
    Version::parse(&padded)
}
