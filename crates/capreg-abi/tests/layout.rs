//! The header and the Rust structs cannot drift: this test writes a C program that checks every
//! size, alignment, field offset and constant of `headers/capreg.h` against the values Rust
//! computes here, compiles it as C99 and as C++11 with `-Wall -Wextra -pedantic -Werror`, and
//! runs it.

use std::fmt::Write as _;
use std::mem::{align_of, offset_of, size_of};
use std::path::{Path, PathBuf};
use std::process::Command;

use capreg_abi::*;

macro_rules! layout {
    ($out:ident, $ty:ident { $($field:ident),* $(,)? }) => {{
        check(&mut $out, &format!("sizeof({})", stringify!($ty)), size_of::<$ty>());
        check(&mut $out, &format!("CAPREG_ALIGNOF({})", stringify!($ty)), align_of::<$ty>());
        $(check(&mut $out, &format!("offsetof({}, {})", stringify!($ty), stringify!($field)), offset_of!($ty, $field));)*
    }};
}

fn check(out: &mut String, c_expr: &str, rust_value: usize) {
    let n = out.matches("typedef char").count();
    writeln!(
        out,
        "typedef char capreg_check_{n}[({c_expr}) == {rust_value}u ? 1 : -1]; /* {c_expr} */"
    )
    .unwrap();
}

fn program() -> String {
    let mut out = String::from(
        "#include <stddef.h>\n#include <string.h>\n#include \"capreg.h\"\n\
         #ifdef __cplusplus\n#define CAPREG_ALIGNOF(T) alignof(T)\n#else\n\
         #define CAPREG_ALIGNOF(T) offsetof(struct { char c; T t; }, t)\n#endif\n",
    );
    layout!(out, capreg_error { code, message });
    layout!(
        out,
        capreg_function {
            name,
            signature,
            since,
            address,
            flags
        }
    );
    layout!(
        out,
        capreg_api_decl {
            size,
            flags,
            name,
            version,
            provider,
            functions,
            n_functions
        }
    );
    layout!(
        out,
        capreg_import_item {
            name,
            signature,
            flags
        }
    );
    layout!(
        out,
        capreg_api_info {
            name,
            version,
            provider,
            file,
            n_functions
        }
    );
    layout!(
        out,
        capreg_function_info {
            name,
            signature,
            since,
            flags
        }
    );
    layout!(
        out,
        capreg_registry {
            magic,
            abi_major,
            abi_minor,
            size,
            reserved,
            publish,
            request,
            resolve,
            describe,
            describe_function,
            import_py,
            publish_py,
        }
    );
    check(&mut out, "sizeof(capreg_fn)", size_of::<capreg_fn>());
    check(
        &mut out,
        "CAPREG_REGISTRY_SIZE_1_0",
        CAPREG_REGISTRY_SIZE_1_0 as usize,
    );
    check(&mut out, "CAPREG_MESSAGE_CAPACITY", CAPREG_MESSAGE_CAPACITY);
    for (name, value) in [
        ("CAPREG_MAGIC", CAPREG_MAGIC as usize),
        ("CAPREG_ABI_MAJOR", CAPREG_ABI_MAJOR as usize),
        ("CAPREG_ABI_MINOR", CAPREG_ABI_MINOR as usize),
        ("CAPREG_OK", CAPREG_OK as usize),
        ("CAPREG_OPTIONAL", CAPREG_OPTIONAL as usize),
        ("CAPREG_DEPRECATED", CAPREG_DEPRECATED as usize),
    ]
    .into_iter()
    .chain(CAPREG_ERRORS.iter().map(|e| (e.c_name, e.code as usize)))
    {
        check(&mut out, name, value);
    }
    out += "int main(void)\n{\n    int bad = 0;\n";
    for (c_name, rust) in [
        ("CAPREG_MODULE", CAPREG_MODULE),
        ("CAPREG_CAPSULE_ATTR", CAPREG_CAPSULE_ATTR),
        ("CAPREG_CAPSULE_NAME", CAPREG_CAPSULE_NAME.to_str().unwrap()),
        ("CAPREG_LIBRARY_SYMBOL", CAPREG_LIBRARY_SYMBOL),
    ] {
        writeln!(out, "    bad |= strcmp({c_name}, \"{rust}\") != 0;").unwrap();
    }
    out += "    return bad;\n}\n";
    out
}

fn headers() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../headers")
}

fn compile_and_run(compiler: &str, std: &str, ext: &str) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("layout-{std}"));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join(format!("abi_layout.{ext}"));
    let binary = dir.join("abi_layout");
    std::fs::write(&source, program()).unwrap();
    let out = Command::new(compiler)
        .args([
            &format!("-std={std}"),
            "-Wall",
            "-Wextra",
            "-pedantic",
            "-Werror",
            "-I",
        ])
        .arg(headers())
        .arg(&source)
        .arg("-o")
        .arg(&binary)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {compiler}: {e}"));
    assert!(
        out.status.success(),
        "{compiler} -std={std} rejected capreg.h or a layout check:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = Command::new(&binary).status().unwrap();
    assert!(
        status.success(),
        "a string constant of capreg.h differs from capreg-abi ({std})"
    );
}

#[test]
fn header_matches_rust_as_c99() {
    compile_and_run("gcc", "c99", "c");
}

#[test]
fn header_matches_rust_as_cxx11() {
    compile_and_run("g++", "c++11", "cpp");
}

#[test]
fn a_drifted_header_fails_the_check() {
    // The check itself must be able to fail: a wrong expectation does not compile.
    let mut out = String::from("#include <stddef.h>\n#include \"capreg.h\"\n");
    check(
        &mut out,
        "sizeof(capreg_error)",
        size_of::<capreg_error>() + 8,
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("layout-drift");
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("drift.c");
    std::fs::write(&source, out).unwrap();
    let status = Command::new("gcc")
        .args(["-std=c99", "-fsyntax-only", "-I"])
        .arg(headers())
        .arg(&source)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success());
}
