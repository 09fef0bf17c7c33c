//! `headers/wildsort.h` is generated from the declaration; this test fails when it is stale
//! (regenerate with `UPDATE_HEADERS=1 cargo test -p wildsort --test header`) and checks that it
//! compiles as C99 and C++11 with -Wall -Wextra -pedantic -Werror.

use std::path::{Path, PathBuf};
use std::process::Command;

fn headers() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../headers")
}

#[test]
fn header_is_fresh() {
    let path = headers().join("wildsort.h");
    let expected = capreg::header::c_header(
        &wildsort::WILDSORT_1,
        "UPDATE_HEADERS=1 cargo test -p wildsort --test header",
    );
    if std::env::var_os("UPDATE_HEADERS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{} is stale: regenerate it with UPDATE_HEADERS=1 cargo test -p wildsort --test header",
        path.display()
    );
}

#[test]
fn header_compiles_as_c99_and_cxx11() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wildsort-header");
    std::fs::create_dir_all(&dir).unwrap();
    for (compiler, std, ext) in [("gcc", "c99", "c"), ("g++", "c++11", "cpp")] {
        let source = dir.join(format!("use.{ext}"));
        std::fs::write(
            &source,
            "#include \"wildsort.h\"\nint main(void) { Wildsort_API api; (void)api; return 0; }\n",
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
