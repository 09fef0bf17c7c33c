//! `headers/capreg.h`'s result-code block is generated from [`CAPREG_ERRORS`], the one list of
//! error codes: this test fails when the block is stale (regenerate it with
//! `UPDATE_HEADERS=1 cargo test -p capreg-abi --test error_codes`, which rewrites that block and
//! nothing else) or when capreg.h defines a `CAPREG_ERR_*` anywhere else. `tests/layout.rs`
//! compiles the header against the same values, and `tests/test_error_codes.py` holds the
//! registry's exception classes to the list.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use capreg_abi::{ErrorCode, CAPREG_ERRORS, CAPREG_OK};

const REGENERATE: &str = "UPDATE_HEADERS=1 cargo test -p capreg-abi --test error_codes";
const TITLE: &str =
    "/* ---- Result codes ---------------------------------------------------------------------- */\n";
const NEXT_TITLE: &str = "/* ---- Flags ";

fn capreg_h() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../headers/capreg.h")
}

/// The result-code block of capreg.h, from its title down to the next section's: one `#define`
/// per code with its meaning, the comments aligned.
fn block() -> String {
    let mut out = format!(
        "{TITLE}/* Generated from CAPREG_ERRORS in crates/capreg-abi/src/lib.rs, the one list of error\n \
         * codes; do not edit: {REGENERATE} */\n\n#define CAPREG_OK {CAPREG_OK}\n"
    );
    let define = |e: &ErrorCode| format!("#define {} {}", e.c_name, e.code);
    let width = CAPREG_ERRORS.iter().map(|e| define(e).len()).max().unwrap();
    for e in CAPREG_ERRORS {
        writeln!(out, "{:width$} /* {} */", define(e), e.meaning).unwrap();
    }
    out + "\n"
}

#[test]
fn the_list_is_well_formed() {
    for (i, e) in CAPREG_ERRORS.iter().enumerate() {
        assert_eq!(
            e.code as usize,
            i + 1,
            "{e:?}: codes run 1, 2, ... in order"
        );
        assert!(e.c_name.starts_with("CAPREG_ERR_"), "{e:?}");
        assert!(e.python_class.ends_with("Error"), "{e:?}");
        assert_eq!(ErrorCode::of(e.code), Some(e));
        for other in &CAPREG_ERRORS[..i] {
            assert!(
                other.c_name != e.c_name && other.python_class != e.python_class,
                "{other:?} and {e:?} share a name"
            );
        }
    }
    assert_eq!(ErrorCode::of(CAPREG_OK), None);
    for line in block().lines() {
        assert!(line.len() <= 100, "capreg.h line over 100 columns: {line}");
    }
}

#[test]
fn capreg_h_result_codes_are_fresh() {
    let path = capreg_h();
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text
        .find(TITLE)
        .expect("capreg.h has a result-code section");
    let end = start
        + text[start..]
            .find(NEXT_TITLE)
            .expect("a section follows it");
    let expected = block();
    if std::env::var_os("UPDATE_HEADERS").is_some() && text[start..end] != expected {
        let updated = format!("{}{expected}{}", &text[..start], &text[end..]);
        std::fs::write(&path, updated).unwrap();
        return capreg_h_result_codes_are_fresh();
    }
    assert!(
        text[start..end] == expected,
        "the result codes of {} are stale: regenerate them with {REGENERATE}",
        path.display()
    );
    let defined = text.matches("#define CAPREG_ERR_").count();
    assert_eq!(
        defined,
        CAPREG_ERRORS.len(),
        "capreg.h defines a CAPREG_ERR_* outside its generated block: add codes to CAPREG_ERRORS"
    );
}
