//! Every way resolution fails, each carrying what its message must name.
//!
//! The message (the `Display` impl) is the product: it names the consumer, the API and the
//! requirement, the provider module with the version found and the file it came from, every
//! function concerned, both signatures on a mismatch, and the command that fixes it. It lives in
//! `message`; this module is the model. `ffi` writes it into a C `capreg_error`.

use std::fmt;

use capreg_abi as abi;

mod message;

pub use message::{fit_message, pip_specifier, top_level};

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

/// Why a publish is not the declared provider's own (see [`Error::Identity`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The declared provider's file is another one than the file the code is in: `file` is the
    /// provider's (its module's, or the library the registry loaded), or "" when it cannot be
    /// found, `why` then saying why (not an importable module, no file). For a package, `folder`
    /// is where its code would be (`__path__`).
    NotItsFile {
        file: String,
        folder: Option<String>,
        why: Option<String>,
    },
    /// An entry point of group `capreg.apis` gives the API's name to another provider: the
    /// distribution `distribution` declares `entry_point` (`name = value`), which names `owner`
    /// (a module, or `module:ATTR` for a library), whose file is `file` ("" when it cannot be
    /// found).
    Owned {
        owner: String,
        file: String,
        distribution: String,
        entry_point: String,
    },
    /// The check could not be made: `why`, and `fix`, what makes it possible.
    Unchecked { why: String, fix: String },
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
    /// `publishing` was refused: it is not the provider it says it is. Its functions live in
    /// `publishing.file` (shipped by `publishing.origin`; the module `publisher`, when an
    /// imported module's file is that one), and `claim` says whose they should be. Checked by
    /// the process-wide registry of `capreg-py` (see `Registry::publish_checked`), code
    /// `CAPREG_ERR_CONFLICT`.
    Identity {
        publishing: Found,
        publisher: Option<String>,
        claim: Claim,
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
            Error::Conflict { .. } | Error::Identity { .. } => abi::CAPREG_ERR_CONFLICT,
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
            Error::Conflict { publishing, .. } | Error::Identity { publishing, .. } => {
                Some(&publishing.api)
            }
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
            Error::Identity { publishing, .. } => Some(publishing),
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

#[cfg(test)]
mod tests;
