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
