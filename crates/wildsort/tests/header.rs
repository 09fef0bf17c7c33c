//! `headers/wildsort.h` is generated from the declaration; this test fails when it is stale
//! (regenerate with `UPDATE_HEADERS=1 cargo test -p wildsort --test header`) and checks that it
//! compiles as C99 and C++11 with -Wall -Wextra -pedantic -Werror.

use std::path::{Path, PathBuf};

const REGENERATE: &str = "UPDATE_HEADERS=1 cargo test -p wildsort --test header";

fn headers() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../headers")
}

#[test]
fn header_is_fresh() {
    let expected = capreg_header::c_header_with_contract(
        &wildsort::WILDSORT_1,
        REGENERATE,
        &wildsort::header_contract(),
    );
    capreg_header::check_fresh(&headers().join("wildsort.h"), &expected, REGENERATE)
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn header_compiles_as_c99_and_cxx11() {
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wildsort-header");
    capreg_header::check_compiles(&[&headers()], "", "wildsort.h", "Wildsort_API", &work)
        .unwrap_or_else(|e| panic!("{e}"));
}
