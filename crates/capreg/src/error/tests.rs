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

/// What a squatter publishing `wildsort` from `/site/squat/_x.so` looks like to an error.
fn squatter(origin: Origin) -> Found {
    Found {
        api: "wildsort".into(),
        version: "2.0.0".into(),
        provider: "libwildsort".into(),
        file: "/site/squat/_x.so".into(),
        origin,
    }
}

fn owned() -> Claim {
    Claim::Owned {
        owner: "wildsort._library:PATH".into(),
        file: "/site/wildsort/libwildsort.so".into(),
        distribution: "wildsort".into(),
        entry_point: "wildsort = wildsort._library:PATH".into(),
    }
}

#[test]
fn identity_names_both_parties_and_both_files() {
    let err = Error::Identity {
        publishing: squatter(Origin::Distribution("squat".into())),
        publisher: Some("squat._x".into()),
        claim: owned(),
    };
    assert_eq!(err.code(), abi::CAPREG_ERR_CONFLICT);
    assert_eq!(err.api(), Some("wildsort"));
    assert_eq!(err.provider(), Some("libwildsort"));
    assert_eq!(
        err.found().map(|f| f.file.as_str()),
        Some("/site/squat/_x.so")
    );
    let msg = err.to_string();
    for needle in [
        "API 'wildsort' 2.0.0 cannot be published as 'libwildsort'",
        "its functions are in /site/squat/_x.so (the module 'squat._x')",
        "the name 'wildsort' belongs to the distribution 'wildsort'",
        "its entry point 'wildsort = wildsort._library:PATH' (group 'capreg.apis')",
        "provider 'wildsort._library:PATH' (file /site/wildsort/libwildsort.so)",
        "Fix: pip uninstall squat (the distribution that ships /site/squat/_x.so); if you build \
         'squat._x', make it publish under an API name of its own.",
    ] {
        assert!(msg.contains(needle), "{needle} not in {msg}");
    }
}

#[test]
fn identity_fixes_say_what_to_remove_when_no_pip_command_can() {
    // One distribution ships the owner and the squatter: uninstalling it removes both.
    let same = Error::Identity {
        publishing: squatter(Origin::Distribution("wildsort".into())),
        publisher: None,
        claim: owned(),
    }
    .to_string();
    assert!(
        same.contains(
            "Fix: 'wildsort' ships both: make the module or library that /site/squat/_x.so is \
             publish under an API name of its own, or point the entry point 'wildsort' at it, and \
             reinstall 'wildsort'."
        ),
        "{same}"
    );
    assert!(!same.contains("pip uninstall"), "{same}");
    // A stale copy no distribution installed: delete the file.
    let stale = Error::Identity {
        publishing: squatter(Origin::Unlisted),
        publisher: None,
        claim: Claim::NotItsFile {
            file: "/site/wildsort/libwildsort.so".into(),
            folder: None,
            why: None,
        },
    }
    .to_string();
    for needle in [
        "its functions are in /site/squat/_x.so, but 'libwildsort' is the file /site/wildsort/libwildsort.so.",
        "if it should not publish 'wildsort' at all: delete /site/squat/_x.so (no installed \
         distribution lists it in its RECORD).",
    ] {
        assert!(stale.contains(needle), "{needle} not in {stale}");
    }
    let unchecked = Error::Identity {
        publishing: squatter(Origin::Unknown),
        publisher: None,
        claim: Claim::Unchecked {
            why: "Python is not running".into(),
            fix: "publish while the interpreter runs".into(),
        },
    }
    .to_string();
    assert!(
        unchecked.contains(
            "capreg could not check that its functions (in /site/squat/_x.so) are the code of \
             'libwildsort': Python is not running.\n  Fix: publish while the interpreter runs"
        ),
        "{unchecked}"
    );
}

#[test]
fn long_messages_are_cut_visibly() {
    let long = "é".repeat(5000);
    let cut = fit_message(&long, 4095);
    assert!(cut.len() <= 4095);
    assert!(cut.ends_with("more bytes cut]"));
    assert_eq!(fit_message("short", 4095), "short");
}
