//! Versions and requirements as the registry reads them, through its public API: a declaration
//! published with an arbitrary version (and `since`), a request with an arbitrary requirement.
//! `semver` (the crate the registry uses) is the oracle: a request returns the highest published
//! version that matches, or an error exactly when none does.
//!
//! Memory: published versions are leaked on purpose (never unpublished). Every input first
//! publishes with an unknown flag, refused after the version was read (nothing kept); only the
//! first `BUDGET` distinct versions are published for real, into one registry kept for the run.
//! scripts/fuzz.sh runs this target with -detect_leaks=0: semver keeps a long identifier behind
//! a tagged pointer that LeakSanitizer cannot follow, so the kept versions read as leaks.
#![no_main]

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use arbitrary::Arbitrary;
use capreg::abi;
use capreg::registry::{Declaration, FunctionDecl};
use capreg::{PublishedApi, Registry};
use capreg_fuzz::{check_error, functions};
use libfuzzer_sys::fuzz_target;

/// Distinct versions published for real in one run (each a few hundred bytes, kept forever).
const BUDGET: usize = 512;

/// A fixed set of versions under API "fixed", for requirements to match against.
const FIXED: [&str; 9] = [
    "0.0.1",
    "0.1.0",
    "0.1.7",
    "1.0.0-rc.1",
    "1.0.0",
    "1.2.3",
    "1.2.3+build.5",
    "2.0.0-alpha",
    "10.20.30",
];

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    version: &'a str,
    since: &'a str,
    requirement: &'a str,
}

struct State {
    registry: Registry,
    published: Mutex<HashSet<usize>>,
}

fn state() -> &'static State {
    static STATE: OnceLock<State> = OnceLock::new();
    STATE.get_or_init(|| {
        let registry = Registry::new();
        for v in FIXED {
            registry
                .publish(decl("fixed", v, "0", 0))
                .unwrap_or_else(|e| panic!("{v}: {e}"));
        }
        State {
            registry,
            published: Mutex::new(HashSet::new()),
        }
    })
}

fn decl(name: &str, version: &str, since: &str, flags: u32) -> Declaration {
    Declaration {
        name: name.into(),
        version: version.into(),
        provider: "fuzz.versions".into(),
        functions: vec![FunctionDecl {
            name: "f".into(),
            signature: "fn()".into(),
            since: since.into(),
            address: functions::address(0),
            flags,
        }],
    }
}

fn no_discovery(_: &str) -> Result<capreg::Discovered, capreg::DiscoveryFailure> {
    Ok(capreg::Discovered::Undeclared(
        "the fuzzer discovers nothing".into(),
    ))
}

fn check_request(registry: &Registry, api: &str, requirement: &str) {
    capreg_fuzz::check_request(registry, api, requirement, "fuzz.requester");
}

fn check_published(registry: &Registry, api: &'static PublishedApi, input: &Input) {
    // The printed version reads back to the same version: publishing it again is a no-op.
    let again = registry
        .publish(decl("vapi", &api.version().to_string(), input.since, 0))
        .unwrap_or_else(|e| {
            panic!(
                "{:?} published as {}, which does not publish again: {e}",
                input.version,
                api.version()
            )
        });
    assert!(
        std::ptr::eq(again, api),
        "{:?} published twice",
        input.version
    );
    assert_eq!(
        api.function("f").map(|f| f.since() <= api.version()),
        Some(true)
    );
    // An exact requirement finds it (or a higher version differing only in build metadata).
    let exact = format!("={}", api.version());
    let found = registry
        .request("vapi", &exact, "fuzz.requester", &mut no_discovery)
        .unwrap_or_else(|e| panic!("{exact}: {e}"));
    assert!(found.version() >= api.version());
}

fuzz_target!(|input: Input| {
    let state = state();
    let registry = &state.registry;
    // Refused whatever the version: the unknown flag is checked after the versions are read.
    let probe = registry.publish(decl("vapi", input.version, input.since, 1 << 30));
    let e = probe.expect_err("a declaration with an unknown flag was published");
    assert_eq!(e.code(), abi::CAPREG_ERR_BAD_ARGUMENT, "{e}");
    check_error(&e);
    let mut published = state.published.lock().unwrap();
    if published.len() < BUDGET {
        match registry.publish(decl("vapi", input.version, input.since, 0)) {
            Ok(api) => {
                published.insert(api as *const PublishedApi as usize);
                drop(published);
                check_published(registry, api, &input);
            }
            Err(e) => {
                // Malformed, or this version was published before with another `since`.
                let code = e.code();
                assert!(
                    code == abi::CAPREG_ERR_BAD_ARGUMENT || code == abi::CAPREG_ERR_CONFLICT,
                    "{e}"
                );
                check_error(&e);
            }
        }
    }
    check_request(registry, "fixed", input.requirement);
    check_request(registry, "vapi", input.requirement);
    check_request(registry, "vapi", input.version);
});
