use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::published::file_of;
use super::*;

// Cannot panic: empty.
extern "C" fn f1() {}
// Cannot panic: empty.
extern "C" fn f2() {}

fn address(f: extern "C" fn()) -> unsafe extern "C" fn() {
    f
}

fn function(name: &str, signature: &str, since: &str) -> FunctionDecl {
    FunctionDecl {
        name: name.into(),
        signature: signature.into(),
        since: since.into(),
        address: address(f1),
        flags: 0,
    }
}

fn decl(name: &str, version: &str, provider: &str, functions: Vec<FunctionDecl>) -> Declaration {
    Declaration {
        name: name.into(),
        version: version.into(),
        provider: provider.into(),
        functions,
    }
}

fn mathkit(version: &str) -> Declaration {
    decl(
        "mathkit",
        version,
        "mathkit._native",
        vec![
            function("add", "fn(i64, i64) -> i64", "1.0"),
            function("clamp", "int (Py_ssize_t)", "1.0"),
        ],
    )
}

fn no_discovery(_: &str) -> Result<Discovered, DiscoveryFailure> {
    Ok(Discovered::Undeclared("no discovery in this test".into()))
}

fn item<'a>(name: &'a str, signature: &'a str) -> ImportItem<'a> {
    ImportItem {
        name,
        signature,
        optional: false,
    }
}

#[test]
fn request_picks_the_highest_match() {
    let reg = Registry::new();
    for v in ["1.2.0", "1.10.0", "1.3.5"] {
        reg.publish(mathkit(v)).unwrap();
    }
    reg.publish(decl("mathkit", "2.0.0", "mathkit._native", vec![]))
        .unwrap();
    let got = |req: &str| {
        reg.request("mathkit", req, "t", &mut no_discovery)
            .map(|a| a.version().to_string())
    };
    assert_eq!(got("^1").unwrap(), "1.10.0");
    assert_eq!(got("~1.3").unwrap(), "1.3.5");
    assert_eq!(got(">=1.2, <1.4").unwrap(), "1.3.5");
    assert_eq!(got("*").unwrap(), "2.0.0");
    match got("^3") {
        Err(Error::VersionMismatch { found, .. }) => {
            let versions: Vec<_> = found.iter().map(|f| f.version.as_str()).collect();
            assert_eq!(versions, ["1.2.0", "1.3.5", "1.10.0", "2.0.0"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn publishing_again_is_idempotent_but_a_changed_version_is_refused() {
    let reg = Registry::new();
    let first = reg.publish(mathkit("1.0.0")).unwrap();
    let again = reg.publish(mathkit("1.0.0")).unwrap();
    assert!(std::ptr::eq(first, again));
    assert_eq!(reg.versions("mathkit").len(), 1);
    let mut changed = mathkit("1.0.0");
    changed.functions[0].signature = "fn(i32, i32) -> i32".into();
    let err = reg.publish(changed).unwrap_err();
    assert_eq!(err.code(), abi::CAPREG_ERR_CONFLICT);
    assert!(
        err.to_string()
            .contains("already published a different declaration of mathkit 1.0.0"),
        "{err}"
    );
}

#[test]
fn another_provider_cannot_take_a_major() {
    let reg = Registry::new();
    reg.publish(mathkit("1.0.0")).unwrap();
    let err = reg
        .publish(decl("mathkit", "1.5.0", "impostor", vec![]))
        .unwrap_err();
    let msg = err.to_string();
    assert_eq!(err.code(), abi::CAPREG_ERR_CONFLICT);
    for needle in [
        "'impostor' cannot publish API 'mathkit' 1.5.0",
        "mathkit 1.0.0 from 'mathkit._native'",
        "major version 1",
        // No discovery vouched for either, and no finder is set: nothing is guessed.
        "remove whatever installed 'impostor' (capreg cannot tell which file it came from",
        "remove whatever installed 'mathkit._native' (capreg cannot tell which distribution installed its file",
    ] {
        assert!(msg.contains(needle), "{needle} not in {msg}");
    }
    assert!(!msg.contains("pip uninstall"), "{msg}");
    // Another major is free.
    reg.publish(decl("mathkit", "2.0.0", "impostor", vec![]))
        .unwrap();
}

#[test]
fn discovery_that_loaded_runs_once_and_only_when_needed() {
    let reg = Registry::new();
    let calls = AtomicUsize::new(0);
    let mut discover = |_: &str| {
        calls.fetch_add(1, Ordering::SeqCst);
        Ok(Discovered::Loaded("imported ghost_provider".to_owned()))
    };
    let err = reg.request("ghost", "^1", "t", &mut discover).unwrap_err();
    assert!(
        matches!(&err, Error::NotFound { discovery, .. } if discovery == "imported ghost_provider"),
        "{err:?}"
    );
    reg.request("ghost", "^1", "t", &mut discover).unwrap_err();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    reg.publish(mathkit("1.0.0")).unwrap();
    reg.request("mathkit", "^1", "t", &mut discover).unwrap();
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "a published API needs no discovery"
    );
}

#[test]
fn an_undeclared_name_is_not_kept() {
    let reg = Registry::new();
    let calls = AtomicUsize::new(0);
    let mut discover = |_: &str| {
        calls.fetch_add(1, Ordering::SeqCst);
        Ok(Discovered::Undeclared("nobody declares it".to_owned()))
    };
    for i in 0..100 {
        let err = reg
            .request(&format!("ghost{i}"), "^1", "t", &mut discover)
            .unwrap_err();
        assert!(
            matches!(&err, Error::NotFound { discovery, .. } if discovery == "nobody declares it"),
            "{err:?}"
        );
    }
    // Asked each time (the discovery answers from its own cache), and nothing kept.
    assert_eq!(calls.load(Ordering::SeqCst), 100);
    assert!((0..100).all(|i| reg.discovery_note(&format!("ghost{i}")).is_none()));
}

#[test]
fn discovery_can_publish() {
    let reg = Arc::new(Registry::new());
    let inner = reg.clone();
    let mut discover = move |api: &str| {
        inner
            .publish(mathkit("1.1.0"))
            .map(|_| Discovered::Loaded(format!("imported the provider of {api}")))
            .map_err(|e| DiscoveryFailure::Internal {
                problem: e.to_string(),
            })
    };
    assert_eq!(
        reg.request("mathkit", "^1", "t", &mut discover)
            .unwrap()
            .version()
            .to_string(),
        "1.1.0"
    );
    assert_eq!(
        reg.discovery_note("mathkit").unwrap(),
        "imported the provider of mathkit"
    );
}

#[test]
fn provider_load_errors_name_the_requester() {
    let reg = Registry::new();
    let mut discover = |_: &str| {
        Err(DiscoveryFailure::Load {
            provider: "broken._native".into(),
            distribution: Some("broken".into()),
            cause: "ImportError: boom".into(),
        })
    };
    let err = reg
        .request("mathkit", "^1", "the_consumer", &mut discover)
        .unwrap_err();
    assert_eq!(err.code(), abi::CAPREG_ERR_PROVIDER_LOAD);
    assert_eq!(
        (
            err.api(),
            err.requirement(),
            err.requester(),
            err.provider()
        ),
        (
            Some("mathkit"),
            Some("^1"),
            Some("the_consumer"),
            Some("broken._native")
        )
    );
    let msg = err.to_string();
    for needle in [
        "'the_consumer'",
        "\"^1\"",
        "broken._native",
        "ImportError: boom",
        "pip install --force-reinstall broken",
    ] {
        assert!(msg.contains(needle), "{needle} not in {msg}");
    }
}

#[test]
fn resolve_is_all_or_nothing_and_lists_everything() {
    let reg = Registry::new();
    reg.publish(mathkit("1.0.0")).unwrap();
    let mut newer = mathkit("1.3.0");
    newer
        .functions
        .push(function("mul", "fn(i64, i64) -> i64", "1.3"));
    let newer_provider = decl("mathkit", "1.3.0", "mathkit._native", newer.functions);
    reg.publish(newer_provider).unwrap();
    let api = reg
        .request("mathkit", "=1.0.0", "t", &mut no_discovery)
        .unwrap();
    let items = [
        item("add", "long long (long long, long long)"),
        item("mul", "fn(i64, i64) -> i64"),
        item("clamp", "int (int)"),
        item("nope", "fn()"),
    ];
    match reg
        .resolve(api, "consumer", &items, Some("=1.0.0"))
        .unwrap_err()
    {
        Error::Unresolved {
            missing,
            mismatched,
            requirement,
            ..
        } => {
            assert_eq!(requirement.as_deref(), Some("=1.0.0"));
            assert_eq!(
                missing,
                [
                    Missing {
                        name: "mul".into(),
                        introduced_in: Some("1.3.0".into()),
                        last_in: None,
                    },
                    Missing {
                        name: "nope".into(),
                        introduced_in: None,
                        last_in: None,
                    },
                ]
            );
            assert_eq!(
                mismatched,
                [Mismatch {
                    name: "clamp".into(),
                    wanted: "fn(i32) -> i32".into(),
                    found: "fn(isize) -> i32".into()
                }]
            );
        }
        other => panic!("{other:?}"),
    }
    let ok = reg.resolve(api, "consumer", &items[..1], None).unwrap();
    assert_eq!(ok.pointers, [Some(address(f1))]);
}

#[test]
fn optional_and_deprecated_items() {
    let reg = Registry::new();
    let mut d = mathkit("1.0.0");
    d.functions.push(FunctionDecl {
        flags: abi::CAPREG_DEPRECATED,
        address: address(f2),
        ..function("old", "fn()", "1.0")
    });
    reg.publish(d).unwrap();
    let api = reg
        .request("mathkit", "^1", "t", &mut no_discovery)
        .unwrap();
    let items = [
        ImportItem {
            optional: true,
            ..item("absent", "fn()")
        },
        item("old", "void (void)"),
    ];
    let r = reg.resolve(api, "t", &items, None).unwrap();
    assert_eq!(r.pointers, [None, Some(address(f2))]);
    assert_eq!(r.deprecated, ["old"]);
}

#[test]
fn bad_declarations_are_refused_with_reasons() {
    let reg = Registry::new();
    let cases = [
        (decl("", "1.0.0", "p", vec![]), "API name is empty"),
        (decl("x", "one", "p", vec![]), "malformed version \"one\""),
        (decl("x", "1.0.0", "", vec![]), "provider is empty"),
        (
            decl("x", "1.0.0", "p", vec![function("f", "fn()", "2.0")]),
            "added in 2.0.0, after this version",
        ),
        (
            decl("x", "1.0.0", "p", vec![function("f", "int (((", "1.0")]),
            "malformed signature",
        ),
        (
            decl("x", "1.0.0", "p", vec![function("f", "fn()", "soon")]),
            "malformed 'since' version \"soon\"",
        ),
        (
            decl(
                "x",
                "1.0.0",
                "p",
                vec![function("f", "fn()", "1.0"), function("f", "fn()", "1.0")],
            ),
            "declared twice",
        ),
        (
            decl("x", "1.0.0", "p", vec![function("", "fn()", "1.0")]),
            "empty name",
        ),
        (
            decl(
                "x",
                "1.0.0",
                "p",
                vec![FunctionDecl {
                    flags: 0x80,
                    ..function("f", "fn()", "1.0")
                }],
            ),
            "unknown flags",
        ),
    ];
    for (d, why) in cases {
        let err = reg.publish(d).unwrap_err();
        assert_eq!(err.code(), abi::CAPREG_ERR_BAD_ARGUMENT);
        assert!(err.to_string().contains(why), "{why} not in {err}");
    }
    assert!(
        reg.apis().is_empty(),
        "a refused declaration publishes nothing"
    );
}

#[test]
fn handles_are_checked() {
    let reg = Registry::new();
    let api = reg.publish(mathkit("1.0.0")).unwrap();
    assert!(std::ptr::eq(
        reg.api_from_handle(api.handle(), "t").unwrap(),
        api
    ));
    assert!(reg
        .api_from_handle(std::ptr::null(), "t")
        .unwrap_err()
        .to_string()
        .contains("NULL"));
    let bogus = 0x1234 as *const abi::capreg_api;
    assert!(reg
        .api_from_handle(bogus, "t")
        .unwrap_err()
        .to_string()
        .contains("not an API handle"));
    let other = Registry::new();
    assert!(other.api_from_handle(api.handle(), "t").is_err());
}

#[test]
fn journal_keeps_one_entry_per_question() {
    let reg = Registry::new();
    reg.publish(mathkit("1.0.0")).unwrap();
    let before = reg.journal_seq();
    for _ in 0..100 {
        let api = reg
            .request("mathkit", "^1", "c", &mut no_discovery)
            .unwrap();
        reg.resolve(api, "c", &[item("add", "fn(i64, i64) -> i64")], None)
            .unwrap();
    }
    reg.request("mathkit", "^5", "c", &mut no_discovery)
        .unwrap_err();
    let entries = reg.journal_since(before);
    assert_eq!(entries.len(), 3);
    assert_eq!(
        (entries[0].kind, entries[0].outcome.as_deref()),
        ("request", Some("1.0.0 from 'mathkit._native'"))
    );
    assert_eq!(
        (entries[1].kind, entries[1].outcome.as_deref()),
        ("resolve", Some("1 of 1 functions resolved"))
    );
    assert!(entries[2].error.as_deref().unwrap().contains("\"^5\""));
}

#[test]
fn threads_resolve_while_another_publishes() {
    let reg = Arc::new(Registry::new());
    reg.publish(mathkit("1.0.0")).unwrap();
    let readers: Vec<_> = (0..8)
        .map(|_| {
            let reg = reg.clone();
            std::thread::spawn(move || {
                for _ in 0..2_000 {
                    let api = reg
                        .request("mathkit", "^1", "t", &mut no_discovery)
                        .unwrap();
                    let r = reg
                        .resolve(
                            api,
                            "t",
                            &[
                                item("add", "long (long, long)"),
                                item("clamp", "fn(isize) -> i32"),
                            ],
                            None,
                        )
                        .unwrap();
                    assert_eq!(r.pointers, [Some(address(f1)), Some(address(f1))]);
                }
            })
        })
        .collect();
    for i in 0..200 {
        reg.publish(decl(
            &format!("api{i}"),
            "1.0.0",
            "p",
            vec![function("f", "fn()", "1.0")],
        ))
        .unwrap();
    }
    for r in readers {
        r.join().unwrap();
    }
    assert_eq!(reg.apis().len(), 201);
}

#[test]
fn a_conflict_names_the_distributions_the_finder_finds() {
    let reg = Registry::new();
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let file = file_of(address(f1));
    let known = file.clone();
    reg.set_distribution_finder(Box::new(move |f: &str| {
        counter.fetch_add(1, Ordering::SeqCst);
        (f == known).then(|| "mathkit-dist".to_owned())
    }));
    reg.publish(mathkit("1.0.0")).unwrap();
    // The squatter's function lives in the same file here; the provider name differs.
    let err = reg
        .publish(decl("mathkit", "1.5.0", "acme", vec![]))
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("pip uninstall mathkit-dist)")
            || msg.contains("or pip uninstall mathkit-dist"),
        "{msg}"
    );
    // A declaration with no functions has no file: said plainly, not guessed from its name.
    assert!(
        msg.contains(
            "remove whatever installed 'acme' (capreg cannot tell which file it came from"
        ),
        "{msg}"
    );
    let before = asked.load(Ordering::SeqCst);
    reg.publish(decl("mathkit", "1.6.0", "acme", vec![]))
        .unwrap_err();
    assert_eq!(asked.load(Ordering::SeqCst), before, "answers are kept");
    let api = reg.versions("mathkit")[0];
    assert_eq!(reg.distribution(api).as_deref(), Some("mathkit-dist"));
}

#[test]
fn discovery_names_the_distribution_it_followed() {
    let reg = Registry::new();
    reg.set_distribution("mathkit._native", "mathkit-wheel");
    reg.publish(mathkit("1.0.0")).unwrap();
    let err = reg
        .publish(decl("mathkit", "1.5.0", "impostor", vec![]))
        .unwrap_err();
    assert!(
        err.to_string().contains("pip uninstall mathkit-wheel"),
        "{err}"
    );
}

#[test]
fn a_function_removed_in_a_new_major_is_said_to_be_removed() {
    let reg = Registry::new();
    reg.set_distribution("mathkit._native", "acme-dist");
    reg.publish(mathkit("1.4.0")).unwrap();
    reg.publish(decl(
        "mathkit",
        "2.0.0",
        "mathkit._native",
        vec![function("add", "fn(i64, i64) -> i64", "1.0")],
    ))
    .unwrap();
    let api = reg
        .request("mathkit", "^2", "consumer", &mut no_discovery)
        .unwrap();
    let err = reg
        .resolve(
            api,
            "consumer",
            &[item("clamp", "fn(isize) -> i32")],
            Some("^2"),
        )
        .unwrap_err();
    match &err {
        Error::Unresolved { missing, .. } => assert_eq!(
            missing,
            &[Missing {
                name: "clamp".into(),
                introduced_in: Some("1.0.0".into()),
                last_in: Some("1.4.0".into()),
            }]
        ),
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    for needle in [
        "missing 'clamp': not in mathkit 2.0.0; it was removed after mathkit 1.4.0, the last published version that has it (added in 1.0.0)",
        "Fix: 'consumer' asks for mathkit \"^2\" but uses 'clamp', which mathkit 2.0.0 removed",
        "make it require \"^1\" (mathkit 1.4.0 has it) or port it to the mathkit 2 API",
    ] {
        assert!(msg.contains(needle), "{needle} not in {msg}");
    }
    // The old fix installed what is installed already.
    assert!(
        !msg.contains("pip install -U \"acme-dist>=1.0.0\""),
        "{msg}"
    );
    // Without a requirement (resolve from C), the same advice.
    let msg = reg
        .resolve(api, "consumer", &[item("clamp", "fn(isize) -> i32")], None)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains(
            "'consumer' uses 'clamp', which mathkit 2.0.0 removed: make it require \"^1\""
        ),
        "{msg}"
    );
}

#[test]
fn a_newer_minor_than_published_asks_for_an_upgrade_of_the_provider() {
    let reg = Registry::new();
    reg.set_distribution("mathkit._native", "acme-dist");
    reg.publish(mathkit("1.4.0")).unwrap();
    reg.publish(decl("mathkit", "2.0.0", "mathkit._native", vec![]))
        .unwrap();
    let msg = reg
        .request("mathkit", "^1.5", "consumer", &mut no_discovery)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("Fix: 'consumer' asks for a newer 'mathkit' than 1.4.0: pip install -U \"acme-dist>=1.5,<2\""),
        "{msg}"
    );
    assert!(!msg.contains("built for an older"), "{msg}");
    // Every published version newer than allowed: the consumer is the old one.
    let msg = reg
        .request("mathkit", "^0.9", "consumer", &mut no_discovery)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("'consumer' was built for an older 'mathkit'"),
        "{msg}"
    );
}

#[test]
fn names_are_refused_naming_the_requester() {
    let reg = Registry::new();
    for name in ["", " mathkit", "math\nkit"] {
        let err = reg
            .request(name, "^1", "the_consumer", &mut no_discovery)
            .unwrap_err();
        assert_eq!(err.code(), abi::CAPREG_ERR_BAD_ARGUMENT);
        assert!(
            err.to_string()
                .contains("the API name requested by 'the_consumer'"),
            "{err}"
        );
    }
}

#[test]
fn the_journal_says_which_absent_functions_were_optional() {
    let reg = Registry::new();
    reg.publish(mathkit("1.0.0")).unwrap();
    let api = reg
        .request("mathkit", "^1", "c", &mut no_discovery)
        .unwrap();
    let before = reg.journal_seq();
    let optional = |name| ImportItem {
        optional: true,
        ..item(name, "fn()")
    };
    reg.resolve(
        api,
        "c",
        &[item("add", "fn(i64, i64) -> i64"), optional("later")],
        None,
    )
    .unwrap();
    reg.resolve(api, "d", &[optional("a"), optional("b")], None)
        .unwrap();
    let outcomes: Vec<_> = reg
        .journal_since(before)
        .into_iter()
        .map(|e| e.outcome.unwrap())
        .collect();
    assert_eq!(
        outcomes,
        [
            "1 of 2 functions resolved; 'later' is optional and absent",
            "0 of 2 functions resolved; 'a', 'b' are optional and absent"
        ]
    );
}

#[test]
fn a_file_no_distribution_lists_is_said_so() {
    let reg = Registry::new();
    reg.set_distribution_finder(Box::new(|_: &str| None));
    reg.publish(mathkit("1.0.0")).unwrap();
    let msg = reg
        .publish(decl("mathkit", "1.5.0", "acme", vec![]))
        .unwrap_err()
        .to_string();
    let file = file_of(address(f1));
    let plainly = format!(
        "remove whatever installed 'mathkit._native' (no installed distribution lists its file {file} in its RECORD)"
    );
    assert!(msg.contains(&plainly), "{plainly} not in {msg}");
    assert!(!msg.contains("pip uninstall"), "{msg}");
}

#[test]
fn publish_checked_sees_the_version_and_a_refusal_stores_nothing() {
    let reg = Registry::new();
    let mut two = mathkit("1.0.0");
    two.functions[1].address = address(f2);
    let seen = std::sync::Mutex::new(Vec::new());
    let refuse = |api: &PublishedApi| {
        seen.lock().unwrap().push((
            api.name().to_owned(),
            api.provider().to_owned(),
            api.files(),
        ));
        Err(Error::Internal {
            problem: "refused by the check".into(),
        })
    };
    let err = reg.publish_checked(two.clone(), &refuse).unwrap_err();
    assert!(err.to_string().contains("refused by the check"), "{err}");
    // Both functions live in this test binary: one file, named once.
    let file = file_of(address(f1));
    assert!(!file.is_empty());
    assert_eq!(
        *seen.lock().unwrap(),
        [(
            "mathkit".to_owned(),
            "mathkit._native".to_owned(),
            vec![file]
        )]
    );
    assert!(reg.versions("mathkit").is_empty());
    // A malformed declaration is refused before the check runs.
    let mut bad = two.clone();
    bad.version = "1.x".into();
    assert_eq!(
        reg.publish_checked(bad, &refuse).unwrap_err().code(),
        abi::CAPREG_ERR_BAD_ARGUMENT
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
    let api = reg.publish_checked(two, &|_| Ok(())).unwrap();
    assert_eq!(api.version().to_string(), "1.0.0");
}
