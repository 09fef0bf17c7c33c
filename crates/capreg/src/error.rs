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
    /// Where it came from: what a fix may tell the user to upgrade, install or remove.
    pub origin: Origin,
}

/// Where a provider came from, as far as capreg can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The installed distribution that ships it: the one whose entry point discovery followed,
    /// or the one whose RECORD lists its file.
    Distribution(String),
    /// A library file that a program opened by path (`from_library`): no package manager.
    Library(String),
    /// Its file was looked up, and no installed distribution's RECORD lists it.
    Unlisted,
    /// Not known, and nothing could look it up (no Python, or no file).
    Unknown,
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

impl Found {
    /// The step that gets a provider of this API satisfying `requirement` in place of this one.
    fn install_step(&self, requirement: &str) -> String {
        match &self.origin {
            Origin::Distribution(dist) => {
                format!("pip install -U \"{dist}{}\"", pip_specifier(requirement))
            }
            Origin::Library(path) => format!(
                "replace the library {path} with a build of '{}' that publishes {} \"{requirement}\"",
                self.provider, self.api
            ),
            Origin::Unlisted | Origin::Unknown => format!(
                "upgrade whatever installed '{}' to a release that publishes {} \"{requirement}\" ({})",
                self.provider,
                self.api,
                self.no_distribution()
            ),
        }
    }

    /// The step that takes this provider away.
    fn uninstall_step(&self) -> String {
        match &self.origin {
            Origin::Distribution(dist) => format!("pip uninstall {dist}"),
            Origin::Library(path) => format!("stop loading the library {path}"),
            Origin::Unlisted | Origin::Unknown => format!(
                "remove whatever installed '{}' ({})",
                self.provider,
                self.no_distribution()
            ),
        }
    }

    /// Why no distribution can be named, plainly.
    fn no_distribution(&self) -> String {
        match (&self.origin, self.file.is_empty()) {
            (Origin::Unlisted, false) => format!(
                "no installed distribution lists its file {} in its RECORD",
                self.file
            ),
            (_, true) => "capreg cannot tell which file it came from, so not which distribution \
                          installed it"
                .to_owned(),
            _ => format!(
                "capreg cannot tell which distribution installed its file {}",
                self.file
            ),
        }
    }
}

/// A requested function the provider lacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    pub name: String,
    /// The lowest `since` of any published version of the API that has it.
    pub introduced_in: Option<String>,
    /// When only versions older than the one found have it (it was removed): the newest of them.
    pub last_in: Option<String>,
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
    /// `publishing` was refused: `owner` already publishes that API's major (or, from the
    /// same provider, another declaration of that version).
    Conflict { publishing: Found, owner: Found },
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
            | Error::ProviderLoad { api, .. } => Some(api),
            Error::Unresolved { found, .. } => Some(&found.api),
            Error::Conflict { publishing, .. } => Some(&publishing.api),
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
            Error::Conflict { publishing, .. } => Some(&publishing.provider),
            Error::ProviderLoad { provider, .. } => Some(provider),
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

/// Where a published version stands against a requirement it does not satisfy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Standing {
    /// It falls short of a lower bound: the provider is older than the consumer asks for.
    Below,
    /// Every lower bound is met, an upper bound is not: the consumer is the old one.
    Above,
    /// Neither can be told (an unparsable version or requirement, a pre-release...).
    Elsewhere,
}

fn standing(found: &str, requirement: &str) -> Standing {
    let (Ok(v), Ok(req)) = (
        semver::Version::parse(found),
        semver::VersionReq::parse(requirement),
    ) else {
        return Standing::Elsewhere;
    };
    use semver::Op;
    let below = req.comparators.iter().any(|c| {
        let bound = semver::Version::new(c.major, c.minor.unwrap_or(0), c.patch.unwrap_or(0));
        match c.op {
            Op::Greater => v <= bound,
            Op::GreaterEq | Op::Exact | Op::Tilde | Op::Caret | Op::Wildcard => v < bound,
            _ => false,
        }
    });
    let above = req.comparators.iter().any(|c| {
        matches!(
            c.op,
            Op::Caret | Op::Tilde | Op::Exact | Op::Less | Op::LessEq
        ) && v.major >= c.major
            && !semver::VersionReq {
                comparators: vec![c.clone()],
            }
            .matches(&v)
            && (v.major > c.major || v.minor > c.minor.unwrap_or(0))
    });
    match (below, above) {
        (true, _) => Standing::Below,
        (false, true) => Standing::Above,
        (false, false) => Standing::Elsewhere,
    }
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
                // The newest version below what the consumer asks for is the one to upgrade.
                let short = found
                    .iter()
                    .rev()
                    .find(|v| standing(&v.version, requirement) == Standing::Below);
                match short {
                    Some(old) => write!(
                        f,
                        "  Fix: '{requester}' asks for a newer '{api}' than {}: {}",
                        old.version,
                        old.install_step(requirement)
                    ),
                    None if standing(&newest.version, requirement) == Standing::Above => write!(
                        f,
                        "  Fix: '{requester}' was built for an older '{api}': upgrade it to a release built against {api} {} \
                         ({}), or install a matching provider: {}",
                        newest.version,
                        upgrade_consumer(requester),
                        newest.install_step(requirement)
                    ),
                    None => write!(f, "  Fix: {}", newest.install_step(requirement)),
                }
            }
            Error::Unresolved { found, requirement, requester, missing, mismatched } => {
                let api = &found.api;
                write!(f, "capreg: '{requester}' cannot use {found}")?;
                if let Some(req) = requirement {
                    write!(f, " (requirement \"{req}\")")?;
                }
                let n = missing.len() + mismatched.len();
                writeln!(f, ": {n} function{} unresolved:", if n == 1 { "" } else { "s" })?;
                for m in missing {
                    write!(f, "  - missing '{}': not in {api} {}", m.name, found.version)?;
                    match (&m.last_in, &m.introduced_in) {
                        (Some(last), since) => {
                            write!(f, "; it was removed after {api} {last}, the last published version that has it")?;
                            match since {
                                Some(since) => writeln!(f, " (added in {since})")?,
                                None => writeln!(f)?,
                            }
                        }
                        (None, Some(since)) => writeln!(f, "; it was added in {api} {since}")?,
                        (None, None) => writeln!(f, "; no published version of '{api}' has it")?,
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
                fixes.extend(removed_fix(found, requirement.as_deref(), requester, missing));
                let newest_needed = missing
                    .iter()
                    .filter(|m| m.last_in.is_none())
                    .filter_map(|m| m.introduced_in.as_deref())
                    .filter_map(|v| semver::Version::parse(v).ok())
                    .max();
                if let Some(v) = newest_needed {
                    fixes.push(found.install_step(&format!(">={v}")));
                }
                if missing.iter().any(|m| m.introduced_in.is_none() && m.last_in.is_none())
                    || !mismatched.is_empty()
                {
                    fixes.push(format!(
                        "'{requester}' was built against another declaration of '{api}': upgrade or rebuild it ({})",
                        upgrade_consumer(requester)
                    ));
                }
                write!(f, "  Fix: {}", fixes.join("; or "))
            }
            Error::Conflict { publishing, owner } if publishing.provider == owner.provider => write!(
                f,
                "capreg: '{provider}' cannot publish API '{api}' {version}: it already published a different \
                 declaration of {api} {version} ({owner}); a published version never changes.\n\
                 \x20 Fix: give the changed declaration a new version number, and rebuild '{provider}'.",
                provider = publishing.provider,
                api = publishing.api,
                version = publishing.version,
            ),
            Error::Conflict { publishing, owner } => write!(
                f,
                "capreg: '{provider}' cannot publish API '{api}' {version}: {owner} already publishes '{api}' major \
                 version {major}, and one provider module owns each name and major version.\n\
                 \x20 Fix: uninstall one of the two ({} or {}), or publish under another name or major.",
                publishing.uninstall_step(),
                owner.uninstall_step(),
                provider = publishing.provider,
                api = publishing.api,
                version = publishing.version,
                major = semver::Version::parse(&publishing.version)
                    .map(|v| v.major.to_string())
                    .unwrap_or_else(|_| publishing.version.clone()),
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

/// The fix for functions that only versions older than `found` have: the consumer's to make
/// (require that older major, or port), since upgrading the provider would change nothing.
fn removed_fix(
    found: &Found,
    requirement: Option<&str>,
    requester: &str,
    missing: &[Missing],
) -> Option<String> {
    let removed: Vec<&Missing> = missing.iter().filter(|m| m.last_in.is_some()).collect();
    // The oldest "last version that has it" still has every removed function.
    let keeps = removed
        .iter()
        .filter_map(|m| semver::Version::parse(m.last_in.as_deref()?).ok())
        .min()?;
    let api = &found.api;
    let names: Vec<String> = removed.iter().map(|m| format!("'{}'", m.name)).collect();
    let has = if names.len() == 1 {
        "has it"
    } else {
        "has them"
    };
    let asks = match requirement {
        Some(req) => format!("asks for {api} \"{req}\" but uses"),
        None => "uses".to_owned(),
    };
    let current = semver::Version::parse(&found.version)
        .map(|v| compatible_series(&v))
        .unwrap_or_else(|_| found.version.clone());
    Some(format!(
        "'{requester}' {asks} {}, which {api} {} removed: make it require \"^{}\" ({api} {keeps} {has}) \
         or port it to the {api} {current} API, then rebuild it",
        names.join(", "),
        found.version,
        compatible_series(&keeps),
    ))
}

/// The series semver keeps compatible: `1` for 1.4.0, `0.3` for 0.3.1.
fn compatible_series(v: &semver::Version) -> String {
    if v.major > 0 {
        v.major.to_string()
    } else {
        format!("0.{}", v.minor)
    }
}

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
            origin: Origin::Distribution("mathkit".into()),
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
    fn a_library_opened_by_path_is_named_instead_of_a_distribution() {
        let mut newest = found("1.0.0");
        newest.api = "wildsort".into();
        newest.provider = "libwildsort".into();
        newest.origin = Origin::Library("/opt/lib/libwildsort.so".into());
        let err = Error::VersionMismatch {
            api: "wildsort".into(),
            requirement: "^2".into(),
            requester: "sorter".into(),
            found: vec![newest],
        };
        let msg = err.to_string();
        assert!(
            msg.contains(
                "Fix: 'sorter' asks for a newer 'wildsort' than 1.0.0: replace the library /opt/lib/libwildsort.so \
                 with a build of 'libwildsort' that publishes wildsort \"^2\""
            ),
            "{msg}"
        );
        assert!(!msg.contains("pip"), "{msg}");
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
                    last_in: None,
                },
                Missing {
                    name: "b".into(),
                    introduced_in: None,
                    last_in: None,
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
