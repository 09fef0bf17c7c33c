//! How each [`Error`] reads: its message, and the "Fix:" line that says what to do about it.

use std::fmt::{self, Write as _};

use super::{Claim, Error, Found, Missing, Origin};

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
            Error::Identity { publishing, publisher, claim } => {
                write!(
                    f,
                    "capreg: API '{}' {} cannot be published as '{}': ",
                    publishing.api, publishing.version, publishing.provider
                )?;
                identity(f, publishing, publisher.as_deref(), claim)
            }
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

/// The rest of an [`Error::Identity`] message: where the code is, whose it should be, the fix.
fn identity(
    f: &mut fmt::Formatter<'_>,
    publishing: &Found,
    publisher: Option<&str>,
    claim: &Claim,
) -> fmt::Result {
    let Found {
        api,
        provider,
        file,
        ..
    } = publishing;
    let code = match publisher {
        Some(module) => format!("{file} (the module '{module}')"),
        None => file.clone(),
    };
    // Who would rebuild it: the module, or whatever the file is.
    let builder = match publisher {
        Some(module) => format!("'{module}'"),
        None => format!("the module or library that {file} is"),
    };
    match claim {
        Claim::NotItsFile {
            file: theirs,
            folder,
            why,
        } => {
            write!(f, "its functions are in {code}, ")?;
            match (why, folder) {
                (Some(why), _) => write!(
                    f,
                    "but '{provider}' is not a module whose file capreg can find ({why})."
                )?,
                (None, Some(folder)) => write!(
                    f,
                    "but '{provider}' is the package {theirs}, whose code is in its folder {folder}."
                )?,
                (None, None) => write!(f, "but '{provider}' is the file {theirs}.")?,
            }
            write!(
                f,
                " A provider publishes its own code, under its own module name.\n\
                 \x20 Fix: make {builder} declare itself as the provider of '{api}' and rebuild it; \
                 if it should not publish '{api}' at all: {}.",
                remove_step(publishing)
            )
        }
        Claim::Owned {
            owner,
            file: theirs,
            distribution,
            entry_point,
        } => {
            let theirs = if theirs.is_empty() {
                "whose file capreg cannot find".to_owned()
            } else {
                format!("file {theirs}")
            };
            write!(
                f,
                "its functions are in {code}, but the name '{api}' belongs to the distribution \
                 '{distribution}': its entry point '{entry_point}' (group 'capreg.apis') names the \
                 provider '{owner}' ({theirs}), and only that provider may publish '{api}'.\n\
                 \x20 Fix: "
            )?;
            if publishing.origin == Origin::Distribution(distribution.clone()) {
                write!(
                    f,
                    "'{distribution}' ships both: make {builder} publish under an API name of its \
                     own, or point the entry point '{api}' at it, and reinstall '{distribution}'."
                )
            } else {
                let step = match &publishing.origin {
                    Origin::Distribution(dist) => {
                        format!("pip uninstall {dist} (the distribution that ships {file})")
                    }
                    _ => remove_step(publishing),
                };
                write!(
                    f,
                    "{step}; if you build {builder}, make it publish under an API name of its own."
                )
            }
        }
        Claim::Unchecked { why, fix } => write!(
            f,
            "capreg could not check that its functions (in {}) are the code of '{provider}': \
             {why}.\n\x20 Fix: {fix}",
            if file.is_empty() {
                "a file capreg cannot tell"
            } else {
                file
            }
        ),
    }
}

/// The step that takes away the file a refused publish's code is in.
fn remove_step(publishing: &Found) -> String {
    let file = &publishing.file;
    match &publishing.origin {
        Origin::Distribution(dist) => format!("pip uninstall {dist}"),
        Origin::Library(path) => format!("stop loading the library {path}"),
        Origin::Unlisted => {
            format!("delete {file} (no installed distribution lists it in its RECORD)")
        }
        Origin::Unknown => {
            format!("delete {file} (capreg cannot tell which distribution installed it)")
        }
    }
}

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
