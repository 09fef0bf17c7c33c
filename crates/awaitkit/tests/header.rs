//! `headers/awaitkit.h` is generated from the declaration; this test fails when it is stale
//! (regenerate with `UPDATE_HEADERS=1 cargo test -p awaitkit --no-default-features --test header`) and checks that it
//! compiles as C99 and C++11 with -Wall -Wextra -pedantic -Werror (after Python.h).
//! `--no-default-features` turns off `extension-module`, so the test binary links libpython.

use std::path::{Path, PathBuf};
use std::process::Command;

fn headers() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../headers")
}

/// Python.h's directory, from the interpreter PyO3 builds for (`PYO3_PYTHON`, else `python3`).
fn python_include() -> String {
    let python = std::env::var("PYO3_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(python)
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['include'])",
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn header_is_fresh() {
    let path = headers().join("awaitkit.h");
    let generated = capreg::header::c_header(
        &_awaitkit::AWAITKIT_1,
        "UPDATE_HEADERS=1 cargo test -p awaitkit --no-default-features --test header",
    );
    // The API's contract goes right after the generated banner.
    let at = generated.find("*/\n").map_or(0, |i| i + 3);
    let expected = format!(
        "{}{}{}",
        &generated[..at],
        _awaitkit::HEADER_CONTRACT,
        &generated[at..]
    );
    if std::env::var_os("UPDATE_HEADERS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{} is stale: regenerate it with UPDATE_HEADERS=1 cargo test -p awaitkit --no-default-features --test header",
        path.display()
    );
}

#[test]
fn header_compiles_as_c99_and_cxx11() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("awaitkit-header");
    std::fs::create_dir_all(&dir).unwrap();
    for (compiler, std, ext) in [("gcc", "c99", "c"), ("g++", "c++11", "cpp")] {
        let source = dir.join(format!("use.{ext}"));
        std::fs::write(
            &source,
            "#include <Python.h>\n#include \"awaitkit.h\"\nint main(void) { Awaitkit_API api; (void)api; return 0; }\n",
        )
        .unwrap();
        let out = Command::new(compiler)
            .args([
                &format!("-std={std}"),
                "-Wall",
                "-Wextra",
                "-pedantic",
                "-Werror",
                "-fsyntax-only",
                "-I",
            ])
            .arg(headers())
            .arg("-I")
            .arg(python_include())
            .arg(&source)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{compiler} -std={std}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
