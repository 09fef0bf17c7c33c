//! `headers/awaitkit.h` is generated from the declaration (with the API's contract after the
//! banner); this test fails when it is stale and checks that it compiles as C99 and C++11 with
//! -Wall -Wextra -pedantic -Werror (after Python.h).
//! `--no-default-features` turns off `extension-module`, so the test binary links libpython.

use std::path::{Path, PathBuf};
use std::process::Command;

const REGENERATE: &str =
    "UPDATE_HEADERS=1 cargo test -p awaitkit --no-default-features --test header";

fn headers() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../headers")
}

/// Python.h's directory, from the interpreter PyO3 builds for (`PYO3_PYTHON`, else `python3`).
fn python_include() -> PathBuf {
    let python = std::env::var("PYO3_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(python)
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['include'])",
        ])
        .output()
        .unwrap();
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

#[test]
fn header_is_fresh() {
    let expected = capreg_header::c_header_with_contract(
        &_awaitkit::AWAITKIT_1,
        REGENERATE,
        _awaitkit::HEADER_CONTRACT,
    );
    capreg_header::check_fresh(&headers().join("awaitkit.h"), &expected, REGENERATE)
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn header_compiles_as_c99_and_cxx11() {
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("awaitkit-header");
    let includes = [headers(), python_include()];
    let dirs: Vec<&Path> = includes.iter().map(PathBuf::as_path).collect();
    capreg_header::check_compiles(
        &dirs,
        "#include <Python.h>",
        "awaitkit.h",
        "Awaitkit_API",
        &work,
    )
    .unwrap_or_else(|e| panic!("{e}"));
}
