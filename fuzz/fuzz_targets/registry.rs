//! Declaration validation and publish / request / resolve on a `Registry` of its own (not the
//! process-wide one), driven by a sequence of operations. Each outcome is checked against what
//! the registry holds: a publish is kept as declared (and is idempotent), a request gets the
//! highest matching version, a resolve gets every item or fails naming what is missing or
//! mismatched — as a model of the resolve rules computes it.
//!
//! Memory: published versions are leaked on purpose (never unpublished), and the registry is
//! kept for the whole run, so API names, versions and providers come from small sets: at most
//! 16 namespaces x 8 names x 10 versions are ever published, each with at most 12 functions
//! (whose names, signatures and `since` may be arbitrary). Requests and import items may carry
//! arbitrary strings: the registry keeps them only in its bounded journal and signature cache.
//! scripts/fuzz.sh runs this target with -detect_leaks=0: semver keeps a long identifier behind
//! a tagged pointer that LeakSanitizer cannot follow, so the kept versions read as leaks.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use capreg::abi;
use capreg::registry::{Declaration, FunctionDecl, ImportItem};
use capreg::{PublishedApi, Registry, Signature};
use capreg_fuzz::{check_error, check_request, cut, functions, valid_name};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 12] = [
    "mathkit",
    "wildsort",
    "a",
    "pkg.sub._native",
    "ünïcode",
    "名前",
    "two words",
    "x",
    // Refused: empty, surrounding spaces, control characters.
    "",
    " padded",
    "tab\t",
    "nul\0",
];
const VERSIONS: [&str; 10] = [
    "1",
    "1.2",
    "1.2.3",
    "1.4.0",
    "2.0.0",
    "0.3.1",
    "1.5.0-rc.1",
    "3.0.0+build",
    "v1",
    "1.x",
];
const PROVIDERS: [&str; 5] = [
    "mathkit._native",
    "other._native",
    "libwildsort",
    "",
    "bad\n",
];
const FUNCTION_NAMES: [&str; 8] = [
    "add", "sub", "sort_i64", "version", "cb", "", "nul\0", "ünï",
];
const SIGNATURES: [&str; 14] = [
    "fn(i64, i64) -> i64",
    "int64_t (int64_t, int64_t)",
    "long long (long long a, long long b)",
    "fn(*mut i64, usize) -> i32",
    "int (int64_t *, size_t)",
    "int32_t (int64_t *data, size_t n)",
    "fn() -> u32",
    "uint32_t (void)",
    "fn(fn(i64) -> i64, *mut void)",
    "void (int64_t (*cb)(int64_t), void *)",
    "fn(i32) -> i32",
    "int (((",
    "",
    "fn(void)",
];
const SINCES: [&str; 6] = ["1.0", "1", "0.1", "1.2.3", "9.0.0", "x"];
const REQUIREMENTS: [&str; 12] = [
    "^1",
    "^1.2",
    "*",
    ">=1.2, <3",
    "=1.2.3",
    "~1.4",
    "^2",
    "^0.3",
    ">=1.5.0-rc.0",
    "",
    "^^1",
    "<1",
];
const REQUESTERS: [&str; 4] = ["consumer._native", "ünï.requester", "", "bad\r"];

/// One of a small set, or (rarely, where allowed) an arbitrary string.
#[derive(Arbitrary, Debug)]
enum Text<'a> {
    Pick(u8),
    Any(&'a str),
}

impl<'a> Text<'a> {
    fn get(&self, set: &[&'a str]) -> &'a str {
        match self {
            Text::Pick(i) => set[usize::from(*i) % set.len()],
            Text::Any(s) => s,
        }
    }

    /// From the set only.
    fn pick(&self, set: &[&'a str]) -> &'a str {
        match self {
            Text::Pick(i) => set[usize::from(*i) % set.len()],
            Text::Any(s) => set[s.len() % set.len()],
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Function<'a> {
    name: Text<'a>,
    signature: Text<'a>,
    since: Text<'a>,
    flags: u8,
    address: u8,
}

#[derive(Arbitrary, Debug)]
struct Item<'a> {
    name: Text<'a>,
    signature: Text<'a>,
    optional: bool,
}

#[derive(Arbitrary, Debug)]
enum Op<'a> {
    Publish {
        namespace: u8,
        name: Text<'a>,
        version: Text<'a>,
        provider: Text<'a>,
        functions: Vec<Function<'a>>,
    },
    Request {
        namespace: u8,
        name: Text<'a>,
        requirement: Text<'a>,
        requester: Text<'a>,
    },
    Resolve {
        namespace: u8,
        name: Text<'a>,
        /// Which published version (modulo their count).
        which: u8,
        requester: Text<'a>,
        items: Vec<Item<'a>>,
    },
    Handle(usize),
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::new)
}

/// API names: one of `NAMES` in one of 16 namespaces.
fn api_name(namespace: u8, name: &Text) -> String {
    let name = name.pick(&NAMES);
    match namespace % 16 {
        0 => name.to_owned(),
        n if name.trim() == name && !name.is_empty() => format!("{name}.{n}"),
        _ => name.to_owned(),
    }
}

fn publish(namespace: u8, name: &Text, version: &Text, provider: &Text, functions: &[Function]) {
    let registry = registry();
    let decl = Declaration {
        name: api_name(namespace, name),
        version: version.pick(&VERSIONS).to_owned(),
        provider: provider.pick(&PROVIDERS).to_owned(),
        functions: functions
            .iter()
            .take(12)
            .map(|f| FunctionDecl {
                name: f.name.get(&FUNCTION_NAMES).to_owned(),
                signature: f.signature.get(&SIGNATURES).to_owned(),
                since: f.since.get(&SINCES).to_owned(),
                address: functions::address(f.address),
                flags: match f.flags {
                    0..=199 => 0,
                    200..=249 => abi::CAPREG_DEPRECATED,
                    other => u32::from(other) << 24,
                },
            })
            .collect(),
    };
    let before = registry.versions(&decl.name);
    match registry.publish(decl.clone()) {
        Ok(api) => {
            let new = !before.iter().any(|v| std::ptr::eq(*v, api));
            assert!(
                valid_name(&decl.name) && valid_name(&decl.provider),
                "{decl:?}"
            );
            assert_eq!(api.name(), decl.name);
            assert_eq!(api.provider(), decl.provider);
            assert_eq!(api.functions().len(), decl.functions.len());
            for (f, d) in api.functions().iter().zip(&decl.functions) {
                assert_eq!(f.name(), d.name);
                assert!(f.since() <= api.version());
                // An existing version with the same content is returned as it is: its
                // addresses are the first publisher's (the registry compares names,
                // signatures, `since` and flags, not addresses).
                if new {
                    assert_eq!(f.address() as usize, d.address as usize);
                }
                let parsed = Signature::parse(&d.signature).expect("published, so it parsed");
                assert_eq!(f.signature(), parsed.to_string());
                assert_eq!(api.function(&d.name).map(|g| g.name()), Some(f.name()));
            }
            // Publishing the same declaration again is a no-op.
            let again = registry
                .publish(decl.clone())
                .expect("published once, so again");
            assert!(std::ptr::eq(again, api));
            let after = registry.versions(&decl.name);
            assert!(after.iter().any(|v| std::ptr::eq(*v, api)));
            assert!(after.windows(2).all(|w| w[0].version() < w[1].version()));
            assert!(after.len() == before.len() || after.len() == before.len() + 1);
            // One provider a major.
            for v in &after {
                if v.version().major == api.version().major {
                    assert_eq!(v.provider(), api.provider());
                }
            }
        }
        Err(e) => {
            check_error(&e);
            let code = e.code();
            if code == abi::CAPREG_ERR_CONFLICT {
                // Someone holds this major: another provider, or this version with other content.
                assert!(!before.is_empty(), "conflict with nothing: {e}");
            } else {
                assert_eq!(code, abi::CAPREG_ERR_BAD_ARGUMENT, "{e}");
            }
            assert_eq!(registry.versions(&decl.name).len(), before.len());
        }
    }
}

/// What resolve must do, by its documented rules, item by item.
enum Expected<'a> {
    Bad,
    Unresolved {
        missing: Vec<&'a str>,
        mismatched: Vec<&'a str>,
    },
    Resolved,
}

fn expected<'a>(api: &PublishedApi, requester: &str, items: &[ImportItem<'a>]) -> Expected<'a> {
    if !valid_name(requester) {
        return Expected::Bad;
    }
    let (mut missing, mut mismatched) = (Vec::new(), Vec::new());
    for item in items {
        if item.name.is_empty() {
            return Expected::Bad;
        }
        let Some(f) = api.function(item.name) else {
            if !item.optional {
                missing.push(item.name);
            }
            continue;
        };
        let published = Signature::parse(f.signature()).expect("published, so it parses");
        if item.signature == f.signature() {
            continue;
        }
        // (The registry takes the published text as is without parsing it: it parsed to
        // the same signature when published.)
        match Signature::parse(item.signature) {
            Ok(wanted) if wanted == published => {}
            Ok(_) => mismatched.push(item.name),
            Err(_) => return Expected::Bad,
        }
    }
    if missing.is_empty() && mismatched.is_empty() {
        Expected::Resolved
    } else {
        Expected::Unresolved {
            missing,
            mismatched,
        }
    }
}

fn resolve(api: &'static PublishedApi, requester: &str, items: &[ImportItem]) {
    let registry = registry();
    let result = registry.resolve(api, requester, items, Some("^1"));
    match (expected(api, requester, items), result) {
        (Expected::Resolved, Ok(resolution)) => {
            assert_eq!(resolution.pointers.len(), items.len());
            for (item, pointer) in items.iter().zip(&resolution.pointers) {
                match api.function(item.name) {
                    Some(f) => assert_eq!(pointer.map(|p| p as usize), Some(f.address() as usize)),
                    None => assert!(item.optional && pointer.is_none()),
                }
            }
            for name in &resolution.deprecated {
                assert!(api.function(name).is_some_and(|f| f.deprecated()));
            }
        }
        (Expected::Bad, Err(e)) => {
            assert_eq!(e.code(), abi::CAPREG_ERR_BAD_ARGUMENT, "{e}");
            check_error(&e);
        }
        (
            Expected::Unresolved {
                missing,
                mismatched,
            },
            Err(e),
        ) => {
            let code = e.code();
            if missing.is_empty() {
                assert_eq!(code, abi::CAPREG_ERR_SIGNATURE_MISMATCH, "{e}");
            } else {
                assert_eq!(code, abi::CAPREG_ERR_MISSING_FUNCTION, "{e}");
            }
            let named = e.functions();
            for name in missing.iter().chain(&mismatched) {
                assert!(named.contains(name), "{e} does not name {name:?}");
            }
            check_error(&e);
        }
        (Expected::Resolved, Err(e)) => panic!("should resolve, but: {e}"),
        (_, Ok(_)) => panic!(
            "resolved what it should not: {:?}",
            cut(&format!("{items:?}"))
        ),
    }
}

fuzz_target!(|ops: Vec<Op>| {
    for op in ops.iter().take(16) {
        match op {
            Op::Publish {
                namespace,
                name,
                version,
                provider,
                functions,
            } => publish(*namespace, name, version, provider, functions),
            Op::Request {
                namespace,
                name,
                requirement,
                requester,
            } => {
                let api = api_name(*namespace, name);
                let (requirement, requester) =
                    (requirement.get(&REQUIREMENTS), requester.get(&REQUESTERS));
                check_request(registry(), &api, requirement, requester);
            }
            Op::Resolve {
                namespace,
                name,
                which,
                requester,
                items,
            } => {
                let versions = registry().versions(&api_name(*namespace, name));
                if versions.is_empty() {
                    continue;
                }
                let api = versions[usize::from(*which) % versions.len()];
                let items: Vec<ImportItem> = items
                    .iter()
                    .take(16)
                    .map(|item| ImportItem {
                        name: item.name.get(&FUNCTION_NAMES),
                        signature: item.signature.get(&SIGNATURES),
                        optional: item.optional,
                    })
                    .collect();
                resolve(api, requester.get(&REQUESTERS), &items);
            }
            Op::Handle(address) => {
                // A pointer the registry never handed out is refused, never read.
                let handle = *address as *const abi::capreg_api;
                let known = registry().apis().iter().any(|api| api.handle() == handle);
                if !known {
                    let e = registry().api_from_handle(handle, "resolve").unwrap_err();
                    assert_eq!(e.code(), abi::CAPREG_ERR_BAD_ARGUMENT);
                }
            }
        }
    }
});
