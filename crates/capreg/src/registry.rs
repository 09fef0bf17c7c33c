//! Resolution: the one module that decides what a request and an import table get.
//!
//! A [`Registry`] holds every published API version. `capreg-py` keeps the process-wide one
//! behind the C table; a program with no Python keeps its own (see `library`). Published
//! versions are leaked on purpose: nothing is ever unpublished, so a handle and every resolved
//! pointer stay valid for the life of the process.
//!
//! Locking rule: no tracing event is emitted and no callback runs while the state lock is held
//! (a subscriber or a discovery may need the GIL, and a GIL holder may be waiting for the lock).

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

use capreg_abi as abi;
use rustc_hash::FxHashSet;
use semver::VersionReq;

use crate::error::{DiscoveryFailure, Error, Found, Mismatch, Missing, Origin};
use crate::journal::{Journal, JournalEntry};
use crate::signature::Signature;

mod inputs;
mod published;

use inputs::{check_length, check_name, parse_requirement};
pub use inputs::{MAX_NAME_BYTES, MAX_REQUIREMENT_BYTES, MAX_VERSION_BYTES};
use published::{build_published, same_content};
pub use published::{
    Declaration, FunctionDecl, ImportItem, PublishedApi, PublishedFunction, Resolution,
};

/// What a discovery did for an API name the registry has no version of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Discovered {
    /// It imported or loaded the providers that declare the name (what it did, in words). The
    /// registry keeps this, once per name: names with entry points are as few as the installed
    /// distributions make them.
    Loaded(String),
    /// No installed distribution declares the name (why not, in words, for the error). Nothing is
    /// kept, so requests for unknown names cost no memory; the next request asks again, which a
    /// discovery answers cheaply unless something was installed since.
    Undeclared(String),
}

/// One call as the journal records it: which, who asked, for what API, and its requirement (a
/// request) or the version it resolves against (a resolve).
struct Call<'a> {
    kind: &'static str,
    requester: &'a str,
    api: &'a str,
    detail: &'a str,
}

#[derive(Default)]
struct State {
    /// Every version of each API, ascending.
    apis: HashMap<String, Vec<&'static PublishedApi>>,
    handles: FxHashSet<usize>,
    /// Provider module -> where it came from (discovery, `from_library`, or a finder's answer).
    origins: HashMap<String, Origin>,
    /// API name -> what discovery did for it.
    discovered: HashMap<String, String>,
}

/// Finds the installed distribution that ships a file (see [`Registry::set_distribution_finder`]).
pub type DistributionFinder = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// A set of published APIs and the rules that resolve requests against them.
#[derive(Default)]
pub struct Registry {
    state: RwLock<State>,
    journal: Journal,
    finder: OnceLock<DistributionFinder>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        // A panic never happens under the lock (it only holds maps); recover rather than fail.
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Publishes `decl`. Publishing an identical declaration again returns the first one.
    pub fn publish(&self, decl: Declaration) -> Result<&'static PublishedApi, Error> {
        self.publish_checked(decl, &|_| Ok(()))
    }

    /// Publishes `decl` if `check` accepts it: `check` sees the version as it would be published
    /// (checked and parsed, with its functions' addresses and files) before anything is stored,
    /// and without the state lock held, so it may call out (into Python, say). This registry
    /// has no idea who may publish what; the process-wide registry of `capreg-py` checks there
    /// that a provider is who it says it is.
    pub fn publish_checked(
        &self,
        decl: Declaration,
        check: &dyn Fn(&PublishedApi) -> Result<(), Error>,
    ) -> Result<&'static PublishedApi, Error> {
        let candidate = match build_published(decl).and_then(|c| check(&c).map(|()| c)) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(target: "capreg", error = %e, "publish refused");
                return Err(e);
            }
        };
        let outcome = self.insert(candidate).map_err(|e| self.complete(e));
        match &outcome {
            Ok((api, true)) => tracing::info!(
                target: "capreg",
                api = api.name(),
                version = %api.version(),
                provider = api.provider(),
                file = api.file(),
                functions = api.functions().len(),
                "published"
            ),
            Ok((api, false)) => {
                tracing::debug!(target: "capreg", api = api.name(), version = %api.version(), provider = api.provider(), "published again (no-op)")
            }
            Err(e) => tracing::warn!(target: "capreg", error = %e, "publish refused"),
        }
        outcome.map(|(api, _)| api)
    }

    /// Inserts under the lock; returns the published version and whether it is new.
    fn insert(&self, candidate: PublishedApi) -> Result<(&'static PublishedApi, bool), Error> {
        let mut state = self.write();
        let versions = state
            .apis
            .get(candidate.name())
            .map(Vec::as_slice)
            .unwrap_or_default();
        for &existing in versions {
            if existing.version.major != candidate.version.major {
                continue;
            }
            let conflict = || Error::Conflict {
                publishing: found(&state, &candidate),
                owner: found(&state, existing),
            };
            if existing.provider != candidate.provider {
                return Err(conflict());
            }
            if existing.version == candidate.version {
                if same_content(existing, &candidate) {
                    return Ok((existing, false));
                }
                return Err(conflict());
            }
        }
        let api: &'static PublishedApi = Box::leak(Box::new(candidate));
        state.handles.insert(api as *const PublishedApi as usize);
        let versions = state.apis.entry(api.name().to_owned()).or_default();
        let at = versions.partition_point(|v| v.version < api.version);
        versions.insert(at, api);
        Ok((api, true))
    }

    /// Turns a C handle back into the published version, refusing pointers it never handed out.
    pub fn api_from_handle(
        &self,
        handle: *const abi::capreg_api,
        call: &'static str,
    ) -> Result<&'static PublishedApi, Error> {
        if handle.is_null() {
            return Err(Error::bad(
                call,
                "the API handle is NULL; pass what request() returned",
            ));
        }
        if !self.read().handles.contains(&(handle as usize)) {
            return Err(Error::bad(
                call,
                format!("{handle:p} is not an API handle this registry returned"),
            ));
        }
        // SAFETY: the address is one of ours: a leaked, never freed `PublishedApi`.
        Ok(unsafe { &*handle.cast::<PublishedApi>() })
    }

    /// The highest published version of `api` satisfying `requirement`, discovering its provider
    /// with `discover` (at most once per API name, and only when nothing matches yet).
    ///
    /// `discover(api)` imports or loads whatever may publish `api` and describes what it did.
    pub fn request(
        &self,
        api: &str,
        requirement: &str,
        requester: &str,
        discover: &mut dyn FnMut(&str) -> Result<Discovered, DiscoveryFailure>,
    ) -> Result<&'static PublishedApi, Error> {
        let call = Call {
            kind: "request",
            requester,
            api,
            detail: requirement,
        };
        self.observed(
            call,
            || self.request_inner(api, requirement, requester, discover),
            |found| format!("{} from '{}'", found.version(), found.provider()),
            |found, elapsed_us| {
                tracing::debug!(
                    target: "capreg",
                    api, requirement, requester,
                    version = %found.version(), provider = found.provider(), elapsed_us,
                    "request"
                )
            },
        )
    }

    fn request_inner(
        &self,
        api: &str,
        requirement: &str,
        requester: &str,
        discover: &mut dyn FnMut(&str) -> Result<Discovered, DiscoveryFailure>,
    ) -> Result<&'static PublishedApi, Error> {
        check_name("request", "requester", requester)?;
        check_name(
            "request",
            format_args!("API name requested by '{requester}'"),
            api,
        )?;
        let req = parse_requirement("request", requirement, api, requester)?;
        if let Some(hit) = self.best_match(api, &req) {
            return Ok(hit);
        }
        let mut undeclared = None;
        if !self.read().discovered.contains_key(api) {
            let started = Instant::now();
            let outcome =
                discover(api).map_err(|failure| failure.into_error(api, requirement, requester))?;
            let elapsed_us = started.elapsed().as_micros() as u64;
            match outcome {
                Discovered::Loaded(what) => {
                    tracing::info!(target: "capreg", api, requester, elapsed_us, outcome = %what, "discovery");
                    self.write().discovered.insert(api.to_owned(), what);
                    if let Some(hit) = self.best_match(api, &req) {
                        return Ok(hit);
                    }
                }
                Discovered::Undeclared(why) => {
                    tracing::debug!(target: "capreg", api, requester, elapsed_us, outcome = %why, "discovery");
                    undeclared = Some(why);
                }
            }
        }
        let state = self.read();
        match state.apis.get(api) {
            Some(versions) if !versions.is_empty() => Err(Error::VersionMismatch {
                api: api.to_owned(),
                requirement: requirement.to_owned(),
                requester: requester.to_owned(),
                found: versions.iter().map(|v| found(&state, v)).collect(),
            }),
            _ => Err(Error::NotFound {
                api: api.to_owned(),
                requirement: requirement.to_owned(),
                requester: requester.to_owned(),
                discovery: undeclared
                    .or_else(|| state.discovered.get(api).cloned())
                    .unwrap_or_else(|| "no discovery was possible here".to_owned()),
            }),
        }
    }

    fn best_match(&self, api: &str, req: &VersionReq) -> Option<&'static PublishedApi> {
        let state = self.read();
        state
            .apis
            .get(api)?
            .iter()
            .rev()
            .find(|v| req.matches(&v.version))
            .copied()
    }

    /// Resolves a whole import table against `api`: every item or nothing, and on failure every
    /// missing or mismatched function in one error.
    pub fn resolve(
        &self,
        api: &'static PublishedApi,
        requester: &str,
        items: &[ImportItem<'_>],
        requirement: Option<&str>,
    ) -> Result<Resolution, Error> {
        let version = api.version_c.to_string_lossy();
        let call = Call {
            kind: "resolve",
            requester,
            api: api.name(),
            detail: &version,
        };
        self.observed(
            call,
            || self.resolve_inner(api, requester, items, requirement),
            |resolution| resolved_summary(items, &resolution.pointers),
            |resolution, elapsed_us| {
                tracing::debug!(target: "capreg", api = api.name(), version = %api.version(), requester, functions = items.len(), elapsed_us, "resolve");
                for name in &resolution.deprecated {
                    tracing::warn!(target: "capreg", api = api.name(), version = %api.version(), requester, function = name, "deprecated function resolved");
                }
            },
        )
    }

    /// Runs one request or resolve as the journal and tracing see it: times it, completes its
    /// error, records the outcome in the journal (`summary` says what a success got), and logs
    /// it (`log_ok` for a success; every failure the same way).
    fn observed<T>(
        &self,
        call: Call<'_>,
        run: impl FnOnce() -> Result<T, Error>,
        summary: impl Fn(&T) -> String,
        log_ok: impl FnOnce(&T, u64),
    ) -> Result<T, Error> {
        let started = Instant::now();
        let result = run().map_err(|e| self.complete(e));
        let elapsed_us = started.elapsed().as_micros() as u64;
        let Call {
            kind,
            requester,
            api,
            detail,
        } = call;
        self.journal.record(
            kind,
            requester,
            api,
            detail,
            result.is_ok(),
            &|| match &result {
                Ok(value) => summary(value),
                Err(e) => e.to_string(),
            },
        );
        match &result {
            Ok(value) => log_ok(value, elapsed_us),
            Err(e) => {
                tracing::warn!(target: "capreg", api, detail, requester, elapsed_us, error = %e, "{kind} failed")
            }
        }
        result
    }

    fn resolve_inner(
        &self,
        api: &'static PublishedApi,
        requester: &str,
        items: &[ImportItem<'_>],
        requirement: Option<&str>,
    ) -> Result<Resolution, Error> {
        check_name("resolve", "requester", requester)?;
        let mut pointers = Vec::with_capacity(items.len());
        let mut deprecated = Vec::new();
        let mut missing = Vec::new();
        let mut mismatched = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if item.name.is_empty() {
                return Err(Error::bad(
                    "resolve",
                    format!("import item {i} of '{requester}' has an empty name"),
                ));
            }
            check_length(
                "resolve",
                format_args!("name of import item {i} of '{requester}'"),
                item.name,
                MAX_NAME_BYTES,
            )?;
            let Some(function) = api.function(item.name) else {
                if item.optional {
                    pointers.push(None);
                } else {
                    missing.push(item.name);
                }
                continue;
            };
            // Fast path: the same text as published, or already canonical (what Rust derives).
            let same =
                item.signature == function.raw_signature || item.signature == function.signature();
            if !same {
                let wanted = Signature::parse_cached(item.signature).map_err(|e| {
                    Error::bad(
                        "resolve",
                        format!("import item '{}' of '{requester}': {e}", item.name),
                    )
                })?;
                if *wanted != function.signature {
                    mismatched.push(Mismatch {
                        name: item.name.to_owned(),
                        wanted: wanted.to_string(),
                        found: function.signature().to_owned(),
                    });
                    continue;
                }
            }
            if function.deprecated() {
                deprecated.push(function.name());
            }
            pointers.push(Some(function.address));
        }
        if missing.is_empty() && mismatched.is_empty() {
            return Ok(Resolution {
                pointers,
                deprecated,
            });
        }
        let state = self.read();
        let versions = state
            .apis
            .get(api.name())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let missing = missing
            .into_iter()
            .map(|name| {
                let having = || versions.iter().filter(|v| v.function(name).is_some());
                // Only older versions have it: it was removed (a newer one would mean "added later").
                let removed = having().all(|v| v.version < api.version);
                Missing {
                    name: name.to_owned(),
                    introduced_in: having()
                        .filter_map(|v| v.function(name))
                        .map(|f| f.since.clone())
                        .min()
                        .map(|v| v.to_string()),
                    last_in: having()
                        .filter(|_| removed)
                        .map(|v| &v.version)
                        .max()
                        .map(|v| v.to_string()),
                }
            })
            .collect();
        Err(Error::Unresolved {
            found: found(&state, api),
            requirement: requirement.map(str::to_owned),
            requester: requester.to_owned(),
            missing,
            mismatched,
        })
    }

    /// Every published version of every API, by name then version.
    pub fn apis(&self) -> Vec<&'static PublishedApi> {
        let state = self.read();
        let mut names: Vec<_> = state.apis.keys().collect();
        names.sort();
        names
            .into_iter()
            .flat_map(|n| state.apis[n].iter().copied())
            .collect()
    }

    /// Every published version of `api`, ascending.
    pub fn versions(&self, api: &str) -> Vec<&'static PublishedApi> {
        self.read().apis.get(api).cloned().unwrap_or_default()
    }

    /// Records which distribution a provider module came from (discovery knows; errors use it).
    pub fn set_distribution(&self, provider: &str, distribution: &str) {
        self.write().origins.insert(
            provider.to_owned(),
            Origin::Distribution(distribution.to_owned()),
        );
    }

    /// Records that a provider came from a library file opened by path (no package manager).
    pub fn set_library(&self, provider: &str, path: &str) {
        self.write()
            .origins
            .insert(provider.to_owned(), Origin::Library(path.to_owned()));
    }

    /// Sets how to find the installed distribution that ships a file, for providers that no
    /// discovery vouched for (imported directly). Called without the state lock held, on the
    /// failure path only; the answer is kept per provider. The first finder set stays.
    pub fn set_distribution_finder(&self, finder: DistributionFinder) {
        let _ = self.finder.set(finder);
    }

    /// The distribution that ships `api`'s provider, if it can be found.
    pub fn distribution(&self, api: &PublishedApi) -> Option<String> {
        match self.origin(api.provider(), api.file()) {
            Origin::Distribution(dist) => Some(dist),
            _ => None,
        }
    }

    /// Where `provider` came from: as recorded, else as the finder says from its `file`.
    fn origin(&self, provider: &str, file: &str) -> Origin {
        if let Some(known) = self.read().origins.get(provider) {
            return known.clone();
        }
        let Some(finder) = self.finder.get() else {
            return Origin::Unknown;
        };
        let origin = if file.is_empty() {
            Origin::Unknown
        } else {
            finder(file).map_or(Origin::Unlisted, Origin::Distribution)
        };
        self.write()
            .origins
            .entry(provider.to_owned())
            .or_insert(origin)
            .clone()
    }

    /// Fills in where each provider an error names came from (the lock is not held here).
    fn complete(&self, mut err: Error) -> Error {
        let found: Vec<&mut Found> = match &mut err {
            Error::VersionMismatch { found, .. } => found.iter_mut().collect(),
            Error::Unresolved { found, .. } => vec![found],
            Error::Conflict { publishing, owner } => vec![publishing, owner],
            _ => Vec::new(),
        };
        for f in found {
            if f.origin == Origin::Unknown {
                f.origin = self.origin(&f.provider, &f.file);
            }
        }
        err
    }

    /// What consumers asked for after journal sequence number `since` (see [`Journal`]).
    pub fn journal_since(&self, since: u64) -> Vec<JournalEntry> {
        self.journal.since(since)
    }

    /// The journal's latest sequence number.
    pub fn journal_seq(&self) -> u64 {
        self.journal.seq()
    }

    /// Records that discovery already ran for `api` (e.g. when every provider was imported).
    pub fn mark_discovered(&self, api: &str, what: &str) {
        self.write()
            .discovered
            .entry(api.to_owned())
            .or_insert_with(|| what.to_owned());
    }

    /// What discovery did for `api`, if it ran.
    pub fn discovery_note(&self, api: &str) -> Option<String> {
        self.read().discovered.get(api).cloned()
    }
}

fn found(state: &State, api: &PublishedApi) -> Found {
    Found {
        api: api.name().to_owned(),
        version: api.version.to_string(),
        provider: api.provider().to_owned(),
        file: api.file().to_owned(),
        origin: state
            .origins
            .get(api.provider())
            .cloned()
            .unwrap_or(Origin::Unknown),
    }
}

/// "5 of 6 functions resolved; 'x' is optional and absent": what `check` prints for a resolve.
fn resolved_summary(items: &[ImportItem<'_>], pointers: &[abi::capreg_fn]) -> String {
    let resolved = pointers.iter().flatten().count();
    let mut text = format!("{resolved} of {} functions resolved", pointers.len());
    let absent: Vec<String> = items
        .iter()
        .zip(pointers)
        .filter(|(_, p)| p.is_none())
        .map(|(item, _)| format!("'{}'", item.name))
        .collect();
    match absent.len() {
        0 => {}
        1 => text += &format!("; {} is optional and absent", absent[0]),
        _ => text += &format!("; {} are optional and absent", absent.join(", ")),
    }
    text
}

#[cfg(test)]
mod tests;
