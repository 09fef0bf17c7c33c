//! Every way resolution fails, each carrying what its message must name.
//!
//! The message (the `Display` impl) is the product: it names the consumer, the API and the
//! requirement, the provider module with the version found and the file it came from, every
//! function concerned, both signatures on a mismatch, and the command that fixes it.

use std::fmt::{self, Write as _};

use capreg_abi as abi;

/// One published API version, as errors name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub api: String,
    pub version: String,
    /// The provider module (or library path).
    pub provider: String,
    /// The file its functions came from, or "" when unknown.
    pub file: String,
    /// The distribution to upgrade (from discovery), else the provider's top-level package.
    pub distribution: String,
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} from '{}'", self.api, self.version, self.provider)?;
        if !self.file.is_empty() {
            write!(f, " (file {})", self.file)?;
        }
        Ok(())
    }
}

/// A requested function the provider lacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    pub name: String,
    /// The lowest `since` of any published version of the API that has it.
    pub introduced_in: Option<String>,
}

/// A requested function the provider has with another signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub name: String,
    /// Canonical form of what the consumer asked for.
    pub wanted: String,
    /// Canonical form of what the provider publishes.
    pub found: String,
}

/// A capreg failure. Converted to a C error in `ffi` and to a Python exception in `capreg-py`,
/// each in exactly one place.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A NULL pointer, empty or non-UTF-8 string, malformed version, requirement or signature.
    BadArgument { call: &'static str, problem: String },
    /// Nothing publishes `api`, even after discovery.
    NotFound {
        api: String,
        requirement: String,
        requester: String,
        discovery: String,
    },
    /// `api` is published, but no version satisfies `requirement`.
    VersionMismatch {
        api: String,
        requirement: String,
        requester: String,
        found: Vec<Found>,
    },
    /// Some functions are missing or have other signatures; every one is listed.
    Unresolved {
        found: Found,
        requirement: Option<String>,
        requester: String,
        missing: Vec<Missing>,
        mismatched: Vec<Mismatch>,
    },
    /// `provider` tried to publish `api` `version`, whose major `owner` already publishes.
    Conflict {
        api: String,
        version: String,
        provider: String,
        owner: Found,
    },
    /// A table or declaration with a wrong magic, major or size.
    AbiMismatch { problem: String },
    /// Called from a legacy subinterpreter.
    Subinterpreter { call: &'static str },
    /// Discovery found a provider but importing or loading it failed.
    /// `distribution` is the one discovery found it in; `None` for a library opened by path.
    ProviderLoad {
        api: String,
        requirement: String,
        requester: String,
        provider: String,
        distribution: Option<String>,
        cause: String,
    },
    /// A bug in capreg.
    Internal { problem: String },
}

impl Error {
    /// The C ABI's code for this error.
    pub fn code(&self) -> i32 {
        match self {
            Error::BadArgument { .. } => abi::CAPREG_ERR_BAD_ARGUMENT,
            Error::NotFound { .. } => abi::CAPREG_ERR_NOT_FOUND,
            Error::VersionMismatch { .. } => abi::CAPREG_ERR_VERSION_MISMATCH,
            Error::Unresolved { missing, .. } if !missing.is_empty() => {
                abi::CAPREG_ERR_MISSING_FUNCTION
            }
            Error::Unresolved { .. } => abi::CAPREG_ERR_SIGNATURE_MISMATCH,
            Error::Conflict { .. } => abi::CAPREG_ERR_CONFLICT,
            Error::AbiMismatch { .. } => abi::CAPREG_ERR_ABI_MISMATCH,
            Error::Subinterpreter { .. } => abi::CAPREG_ERR_SUBINTERPRETER,
            Error::ProviderLoad { .. } => abi::CAPREG_ERR_PROVIDER_LOAD,
            Error::Internal { .. } => abi::CAPREG_ERR_INTERNAL,
        }
    }

    pub(crate) fn bad(call: &'static str, problem: impl Into<String>) -> Error {
        Error::BadArgument {
            call,
            problem: problem.into(),
        }
    }

    /// The API the error is about, if any.
    pub fn api(&self) -> Option<&str> {
        match self {
            Error::NotFound { api, .. }
            | Error::VersionMismatch { api, .. }
            | Error::Conflict { api, .. }
            | Error::ProviderLoad { api, .. } => Some(api),
            Error::Unresolved { found, .. } => Some(&found.api),
            _ => None,
        }
    }

    /// The consumer the error is about, if any.
    pub fn requester(&self) -> Option<&str> {
        match self {
            Error::NotFound { requester, .. }
            | Error::VersionMismatch { requester, .. }
            | Error::Unresolved { requester, .. }
            | Error::ProviderLoad { requester, .. } => Some(requester),
            _ => None,
        }
    }

    /// The version requirement the error is about, if any.
    pub fn requirement(&self) -> Option<&str> {
        match self {
            Error::NotFound { requirement, .. }
            | Error::VersionMismatch { requirement, .. }
            | Error::ProviderLoad { requirement, .. } => Some(requirement),
            Error::Unresolved { requirement, .. } => requirement.as_deref(),
            _ => None,
        }
    }

    /// The published version the error is about (the highest, when several were found).
    pub fn found(&self) -> Option<&Found> {
        match self {
            Error::VersionMismatch { found, .. } => found.last(),
            Error::Unresolved { found, .. } => Some(found),
            Error::Conflict { owner, .. } => Some(owner),
            _ => None,
        }
    }

    /// The provider module the error is about, if any.
    pub fn provider(&self) -> Option<&str> {
        match self {
            Error::Conflict { provider, .. } | Error::ProviderLoad { provider, .. } => {
                Some(provider)
            }
            _ => self.found().map(|f| f.provider.as_str()),
        }
    }

    /// Every function the error is about.
    pub fn functions(&self) -> Vec<&str> {
        match self {
            Error::Unresolved {
                missing,
                mismatched,
                ..
            } => missing
                .iter()
                .map(|m| m.name.as_str())
                .chain(mismatched.iter().map(|m| m.name.as_str()))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Why discovery could not provide an API, as discovery knows it. The registry adds what was
/// asked (API, requirement, requester) in [`DiscoveryFailure::into_error`], the one place a
/// [`Error::ProviderLoad`] is built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiscoveryFailure {
    /// A provider declared for the API failed to import or load.
    Load {
        /// The module (or library path) that failed.
        provider: String,
        /// The distribution that declared it; `None` for a library opened by path.
        distribution: Option<String>,
        cause: String,
    },
    /// Discovery itself failed (e.g. listing the entry points).
    Internal { problem: String },
}

impl DiscoveryFailure {
    /// The error that `requester`'s request for `api` `requirement` reports.
    pub fn into_error(self, api: &str, requirement: &str, requester: &str) -> Error {
        match self {
            DiscoveryFailure::Load {
                provider,
                distribution,
                cause,
            } => Error::ProviderLoad {
                api: api.to_owned(),
                requirement: requirement.to_owned(),
                requester: requester.to_owned(),
                provider,
                distribution,
                cause,
            },
            DiscoveryFailure::Internal { problem } => Error::Internal { problem },
        }
    }
}

/// `^2.1` -> `>=2.1, <3`: the requirement in pip's words (PEP 440 specifiers).
pub fn pip_specifier(requirement: &str) -> String {
    let Ok(req) = semver::VersionReq::parse(requirement) else {
        return requirement.to_owned();
    };
    let mut parts = Vec::new();
    for c in &req.comparators {
        let v = |minor: Option<u64>, patch: Option<u64>| {
            let mut s = c.major.to_string();
            if let Some(m) = minor {
                s += &format!(".{m}");
                if let Some(p) = patch {
                    s += &format!(".{p}");
                }
            }
            s
        };
        let exact = v(c.minor, c.patch);
        use semver::Op;
        match c.op {
            Op::Exact => parts.push(format!("=={exact}")),
            Op::Greater => parts.push(format!(">{exact}")),
            Op::GreaterEq => parts.push(format!(">={exact}")),
            Op::Less => parts.push(format!("<{exact}")),
            Op::LessEq => parts.push(format!("<={exact}")),
            Op::Tilde => {
                parts.push(format!(">={exact}"));
                match c.minor {
                    Some(m) => parts.push(format!("<{}.{}", c.major, m + 1)),
                    None => parts.push(format!("<{}", c.major + 1)),
                }
            }
            Op::Caret => {
                parts.push(format!(">={exact}"));
                let upper = match (c.major, c.minor, c.patch) {
                    (0, Some(0), Some(p)) => format!("0.0.{}", p + 1),
                    (0, Some(m), _) if m > 0 || c.patch.is_none() => format!("0.{}", m + 1),
                    (major, _, _) => (major + 1).to_string(),
                };
                parts.push(format!("<{upper}"));
            }
            Op::Wildcard => match c.minor {
                Some(m) => parts.push(format!("=={}.{m}.*", c.major)),
                None => parts.push(format!("=={}.*", c.major)),
            },
            _ => parts.push(format!("{c}")),
        }
    }
    parts.join(",")
}

/// Whether `found` is newer than `requirement` allows (the consumer, not the provider, is old).
fn newer_than_allowed(found: &str, requirement: &str) -> bool {
    let (Ok(v), Ok(req)) = (
        semver::Version::parse(found),
        semver::VersionReq::parse(requirement),
    ) else {
        return false;
    };
    // Newer than the requirement allows: every lower bound is met, some upper bound is not.
    req.comparators.iter().any(|c| {
        matches!(
            c.op,
            semver::Op::Caret
                | semver::Op::Tilde
                | semver::Op::Exact
                | semver::Op::Less
                | semver::Op::LessEq
        ) && v.major >= c.major
            && !semver::VersionReq {
                comparators: vec![c.clone()],
            }
            .matches(&v)
            && (v.major > c.major || v.minor > c.minor.unwrap_or(0))
    })
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadArgument { call, problem } => {
                write!(f, "capreg: bad argument to {call}: {problem}")
            }
            Error::NotFound { api, requirement, requester, discovery } => write!(
                f,
                "capreg: '{requester}' requested API '{api}' \"{requirement}\", but no provider publishes '{api}'.\n\
                 \x20 Discovery: {discovery}\n\
                 \x20 Fix: install the package that provides '{api}' (for example: pip install {api}), \
                 or import its provider module before '{requester}'."
            ),
            Error::VersionMismatch { api, requirement, requester, found } => {
                writeln!(
                    f,
                    "capreg: '{requester}' requires API '{api}' \"{requirement}\", but no published version satisfies it. Published:"
                )?;
                for v in found {
                    writeln!(f, "  - {v}")?;
                }
                let newest = found.last().expect("VersionMismatch lists what was found");
                let spec = pip_specifier(requirement);
                if newer_than_allowed(&newest.version, requirement) {
                    write!(
                        f,
                        "  Fix: '{requester}' was built for an older '{api}': upgrade it to a release built against {api} {} \
                         ({}), or install a matching provider: pip install \"{}{spec}\"",
                        newest.version,
                        upgrade_consumer(requester),
                        newest.distribution
                    )
                } else {
                    write!(f, "  Fix: pip install -U \"{}{spec}\"", newest.distribution)
                }
            }
            Error::Unresolved { found, requirement, requester, missing, mismatched } => {
                write!(f, "capreg: '{requester}' cannot use {found}")?;
                if let Some(req) = requirement {
                    write!(f, " (requirement \"{req}\")")?;
                }
                let n = missing.len() + mismatched.len();
                writeln!(f, ": {n} function{} unresolved:", if n == 1 { "" } else { "s" })?;
                for m in missing {
                    write!(f, "  - missing '{}': not in {} {}", m.name, found.api, found.version)?;
                    match &m.introduced_in {
                        Some(since) => writeln!(f, "; it was added in {} {since}", found.api)?,
                        None => writeln!(f, "; no published version of '{}' has it", found.api)?,
                    }
                }
                for m in mismatched {
                    writeln!(
                        f,
                        "  - signature mismatch for '{}':\n      '{requester}' expects: {}\n      '{}' has:{} {}",
                        m.name,
                        m.wanted,
                        found.provider,
                        " ".repeat(requester.len().saturating_sub(found.provider.len()) + 1),
                        m.found
                    )?;
                }
                let mut fixes = Vec::new();
                let newest_needed = missing
                    .iter()
                    .filter_map(|m| m.introduced_in.as_deref())
                    .filter_map(|v| semver::Version::parse(v).ok())
                    .max();
                if let Some(v) = newest_needed {
                    fixes.push(format!("pip install -U \"{}>={v}\"", found.distribution));
                }
                if missing.iter().any(|m| m.introduced_in.is_none()) || !mismatched.is_empty() {
                    fixes.push(format!(
                        "'{requester}' was built against another declaration of '{}': upgrade or rebuild it ({})",
                        found.api,
                        upgrade_consumer(requester)
                    ));
                }
                write!(f, "  Fix: {}", fixes.join("; or "))
            }
            Error::Conflict { api, version, provider, owner } if *provider == owner.provider => write!(
                f,
                "capreg: '{provider}' cannot publish API '{api}' {version}: it already published a different \
                 declaration of {api} {version} ({owner}); a published version never changes.\n\
                 \x20 Fix: give the changed declaration a new version number, and rebuild '{provider}'."
            ),
            Error::Conflict { api, version, provider, owner } => write!(
                f,
                "capreg: '{provider}' cannot publish API '{api}' {version}: {owner} already publishes '{api}' major \
                 version {}, and one provider module owns each name and major version.\n\
                 \x20 Fix: uninstall one of the two (pip uninstall {} or pip uninstall {}), or publish under another name or major.",
                semver::Version::parse(version).map(|v| v.major.to_string()).unwrap_or_else(|_| version.clone()),
                top_level(provider),
                owner.distribution
            ),
            Error::AbiMismatch { problem } => write!(f, "capreg: ABI mismatch: {problem}"),
            Error::Subinterpreter { call } => write!(
                f,
                "capreg: {call} was called from a subinterpreter; capreg's registry is process-wide and refuses \
                 subinterpreters rather than share state between interpreters silently. Use capreg from the main interpreter."
            ),
            Error::ProviderLoad { api, requirement, requester, provider, distribution, cause } => {
                writeln!(
                    f,
                    "capreg: '{requester}' requested API '{api}' \"{requirement}\"; its provider '{provider}' failed to load: {cause}"
                )?;
                match distribution {
                    Some(dist) => write!(
                        f,
                        "  It was found through the entry point '{api}' (group 'capreg.apis') of the distribution '{dist}'.\n\
                         \x20 Fix: reinstall it: pip install --force-reinstall {dist}"
                    ),
                    None => write!(
                        f,
                        "  Fix: check that '{provider}' exists and is a capreg provider library built for this platform."
                    ),
                }
            }
            Error::Internal { problem } => write!(
                f,
                "capreg: internal error: {problem}. This is a bug in capreg; please report it with this message."
            ),
        }
    }
}

impl std::error::Error for Error {}

/// How to get a consumer rebuilt against the provider it found.
fn upgrade_consumer(requester: &str) -> String {
    match top_level(requester) {
        "__main__" => "update the calling script".to_owned(),
        top => format!("pip install -U --force-reinstall {top}"),
    }
}

/// `pkg.sub._native` -> `pkg`: the best guess at a distribution name when discovery did not say.
pub fn top_level(module: &str) -> &str {
    module.split('.').next().unwrap_or(module)
}

/// Writes `err` into a C error struct, cutting a long message at a character boundary and marking
/// the cut.
///
/// # Safety
/// `out` must be NULL or point to a writable `capreg_error`.
pub unsafe fn write_c_error(out: *mut abi::capreg_error, err: &Error) {
    if out.is_null() {
        return;
    }
    let message = err.to_string();
    let cut = fit_message(&message, abi::CAPREG_MESSAGE_CAPACITY - 1);
    // SAFETY: the caller promises `out` is writable; we write the code and at most CAPACITY bytes.
    unsafe {
        (*out).code = err.code();
        let dst = (*out).message.as_mut_ptr().cast::<u8>();
        std::ptr::copy_nonoverlapping(cut.as_ptr(), dst, cut.len());
        *dst.add(cut.len()) = 0;
    }
}

/// Clears a C error struct to success.
///
/// # Safety
/// `out` must be NULL or point to a writable `capreg_error`.
pub unsafe fn clear_c_error(out: *mut abi::capreg_error) {
    if !out.is_null() {
        // SAFETY: the caller promises `out` is writable.
        unsafe {
            (*out).code = abi::CAPREG_OK;
            (*out).message[0] = 0;
        }
    }
}

/// Fits `message` into `capacity` bytes; a cut is marked with how much was cut.
pub fn fit_message(message: &str, capacity: usize) -> String {
    if message.len() <= capacity {
        return message.to_owned();
    }
    let mut keep = capacity.saturating_sub(48);
    while !message.is_char_boundary(keep) {
        keep -= 1;
    }
    let mut out = message[..keep].to_owned();
    let _ = write!(out, " [... {} more bytes cut]", message.len() - keep);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pip_specifiers() {
        assert_eq!(pip_specifier("^2.1"), ">=2.1,<3");
        assert_eq!(pip_specifier("^1"), ">=1,<2");
        assert_eq!(pip_specifier("^0.3"), ">=0.3,<0.4");
        assert_eq!(pip_specifier(">=1.2, <3"), ">=1.2,<3");
        assert_eq!(pip_specifier("~1.2"), ">=1.2,<1.3");
        assert_eq!(pip_specifier("=1.2.3"), "==1.2.3");
    }

    #[test]
    fn long_messages_are_cut_visibly() {
        let long = "é".repeat(5000);
        let cut = fit_message(&long, 4095);
        assert!(cut.len() <= 4095);
        assert!(cut.ends_with("more bytes cut]"));
        assert_eq!(fit_message("short", 4095), "short");
    }

    fn found(version: &str) -> Found {
        Found {
            api: "mathkit".into(),
            version: version.into(),
            provider: "mathkit._native".into(),
            file: "/site/mathkit/_native.so".into(),
            distribution: "mathkit".into(),
        }
    }

    #[test]
    fn version_mismatch_names_everything() {
        let err = Error::VersionMismatch {
            api: "mathkit".into(),
            requirement: "^2".into(),
            requester: "consumer".into(),
            found: vec![found("1.4.0")],
        };
        let msg = err.to_string();
        for needle in [
            "'consumer'",
            "'mathkit'",
            "\"^2\"",
            "1.4.0",
            "mathkit._native",
            "/site/mathkit/_native.so",
            "pip install -U \"mathkit>=2,<3\"",
        ] {
            assert!(msg.contains(needle), "{needle} not in {msg}");
        }
        let older = Error::VersionMismatch {
            api: "mathkit".into(),
            requirement: "^1.2".into(),
            requester: "consumer".into(),
            found: vec![found("3.0.0")],
        };
        assert!(
            older.to_string().contains("built for an older 'mathkit'"),
            "{older}"
        );
    }

    #[test]
    fn unresolved_lists_every_function() {
        let err = Error::Unresolved {
            found: found("1.1.0"),
            requirement: Some("^1".into()),
            requester: "consumer".into(),
            missing: vec![
                Missing {
                    name: "a".into(),
                    introduced_in: Some("1.3.0".into()),
                },
                Missing {
                    name: "b".into(),
                    introduced_in: None,
                },
            ],
            mismatched: vec![Mismatch {
                name: "c".into(),
                wanted: "fn(i32) -> i32".into(),
                found: "fn(isize) -> i32".into(),
            }],
        };
        assert_eq!(err.code(), abi::CAPREG_ERR_MISSING_FUNCTION);
        assert_eq!(err.functions(), ["a", "b", "c"]);
        let msg = err.to_string();
        for needle in [
            "'a'",
            "added in mathkit 1.3.0",
            "'b'",
            "'c'",
            "fn(i32) -> i32",
            "fn(isize) -> i32",
            "pip install -U \"mathkit>=1.3.0\"",
            "3 functions",
        ] {
            assert!(msg.contains(needle), "{needle} not in {msg}");
        }
    }
}
