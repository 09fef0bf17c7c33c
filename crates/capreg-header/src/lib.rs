//! capreg-header: per-API C headers, generated from a provider's Rust declaration
//! ([`capreg::declare_api!`]), and the checks a provider's tests run on them.
//!
//! A build-time tool, kept out of the runtime crate `capreg` (it runs the C compiler), as PyO3
//! keeps `pyo3-build-config` apart: providers take it as a dev-dependency. A provider keeps its
//! header in `headers/<api>.h` and a test that compares it with [`c_header`]'s output and compiles
//! it (see `crates/wildsort/tests/header.rs`), so a stale header fails CI.
//! The header gives C consumers one typedef per function, a struct of typed pointers, the API's
//! name and version, and one `<Api>_Import(&api, "^1.0", "consumer")` call.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use capreg::abi::CAPREG_DEPRECATED;
use capreg::{ApiDeclaration, Signature, Type};

/// The C spelling of a type, as capreg's C parser reads it back to the same type.
fn c_type(ty: &Type, named: &mut BTreeSet<String>) -> String {
    match ty {
        Type::Void => "void".into(),
        Type::Bool => "bool".into(),
        Type::I8 => "int8_t".into(),
        Type::I16 => "int16_t".into(),
        Type::I32 => "int32_t".into(),
        Type::I64 => "int64_t".into(),
        Type::U8 => "uint8_t".into(),
        Type::U16 => "uint16_t".into(),
        Type::U32 => "uint32_t".into(),
        Type::U64 => "uint64_t".into(),
        Type::Isize => "ptrdiff_t".into(),
        Type::Usize => "size_t".into(),
        Type::F32 => "float".into(),
        Type::F64 => "double".into(),
        // East const composes for any depth: `*const *mut u8` is `uint8_t * const *`... read
        // right to left: pointer to const pointer to uint8_t.
        Type::Ptr { mutable, pointee } => {
            let inner = c_type(pointee, named);
            if *mutable {
                format!("{inner} *")
            } else {
                format!("{inner} const *")
            }
        }
        Type::Named(name) => {
            named.insert(name.clone());
            name.clone()
        }
        Type::Fn(sig) => format!("{} (*)({})", c_type(&sig.ret, named), c_params(sig, named)),
    }
}

fn c_params(sig: &Signature, named: &mut BTreeSet<String>) -> String {
    if sig.params.is_empty() {
        return "void".into();
    }
    sig.params
        .iter()
        .map(|p| c_type(p, named))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `wildsort` -> (`Wildsort`, `WILDSORT`, `wildsort`): the prefixes of a header's names.
fn prefixes(api: &str) -> (String, String, String) {
    let ident: String = api
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut camel = String::new();
    for part in ident.split('_').filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            camel.extend(first.to_uppercase());
            camel.extend(chars);
        }
    }
    (camel, ident.to_uppercase(), ident.to_lowercase())
}

/// The C header for `decl`. `regenerate` is the command the banner tells readers to run.
pub fn c_header(decl: &ApiDeclaration, regenerate: &str) -> String {
    let (camel, upper, lower) = prefixes(decl.name);
    let mut named = BTreeSet::new();
    let functions: Vec<(&str, Signature, &str, bool)> = decl
        .functions
        .iter()
        .map(|f| {
            (
                f.name,
                (f.signature)(),
                f.since,
                f.flags & CAPREG_DEPRECATED != 0,
            )
        })
        .collect();
    let mut typedefs = String::new();
    for (name, sig, since, deprecated) in &functions {
        let ret = match &sig.ret {
            // A function returning a function pointer would need a typedef of its own.
            Type::Fn(_) => format!("{lower}_{name}_result"),
            other => c_type(other, &mut named),
        };
        if let Type::Fn(inner) = &sig.ret {
            let _ = writeln!(
                typedefs,
                "typedef {} (*{lower}_{name}_result)({});",
                c_type(&inner.ret, &mut named),
                c_params(inner, &mut named)
            );
        }
        let note = if *deprecated { ", deprecated" } else { "" };
        let _ = writeln!(typedefs, "/* {name}: {sig} (since {since}{note}) */");
        let _ = writeln!(
            typedefs,
            "typedef {ret} (*{lower}_{name}_fn)({});",
            c_params(sig, &mut named)
        );
    }
    let opaque: String = named
        .iter()
        .filter(|n| !matches!(n.as_str(), "PyObject" | "PyTypeObject"))
        .map(|n| format!("typedef struct {n} {n};\n"))
        .collect();
    let needs_python = named.iter().any(|n| n == "PyObject" || n == "PyTypeObject");
    let fields: String = functions
        .iter()
        .map(|(name, ..)| format!("    {lower}_{name}_fn {name};\n"))
        .collect();
    let items: String = functions
        .iter()
        .map(|(name, sig, ..)| format!("        {{\"{name}\", \"{sig}\", 0}},\n"))
        .collect();
    let assigns: String = functions
        .iter()
        .enumerate()
        .map(|(i, (name, ..))| format!("    api->{name} = ({lower}_{name}_fn)out[{i}];\n"))
        .collect();
    let n = functions.len();
    let python_note = if needs_python {
        "\n * Its signatures use PyObject: include Python.h before this header.\n"
    } else {
        "\n"
    };
    format!(
        "/*
 * {lower}.h -- the C API '{api}' {version}, for consumers that reach it through capreg.
 *
 * GENERATED from the Rust declaration of '{api}' by capreg-header. Do not edit:
 * {regenerate}
 *{python_note} * Use (the GIL held, e.g. in a module's init; Python.h and capreg.h first):
 *
 *     static {camel}_API {lower};
 *     if ({camel}_Import(&{lower}, \"^{major}.{minor}\", \"mypkg._native\") < 0)
 *         return NULL;   // a capreg.ResolutionError (an ImportError) is set
 *     {lower}.{first}(...);
 */
#ifndef {upper}_H
#define {upper}_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif
#include \"capreg.h\"

#ifdef __cplusplus
extern \"C\" {{
#endif

#define {upper}_API_NAME \"{api}\"
#define {upper}_API_VERSION \"{version}\"

{opaque}{typedefs}
/* Every function of {api} {version}, resolved by name and checked by signature. */
typedef struct {camel}_API {{
{fields}}} {camel}_API;

#ifdef Py_PYTHON_H
/* Resolves every function of '{api}' matching `requirement` into *api. Returns 0, or -1 with a
 * capreg.ResolutionError set that names `consumer`, the version found and the fix. */
static inline int {camel}_Import({camel}_API *api, const char *requirement, const char *consumer)
{{
    static const capreg_import_item items[{n}] = {{
{items}    }};
    capreg_fn out[{n}];
    if (capreg_import({upper}_API_NAME, requirement, consumer, items, {n}, out) < 0)
        return -1;
{assigns}    return 0;
}}
#endif /* Py_PYTHON_H */

#ifdef __cplusplus
}}
#endif

#endif /* {upper}_H */
",
        api = decl.name,
        version = decl.version,
        major = semver::Version::parse(decl.version)
            .map(|v| v.major)
            .unwrap_or(0),
        minor = semver::Version::parse(decl.version)
            .map(|v| v.minor)
            .unwrap_or(0),
        first = functions.first().map(|f| f.0).unwrap_or("function"),
    )
}

/// [`c_header`] with the API's contract (a C comment the typedefs cannot say: ownership,
/// return codes) right after the generated banner.
pub fn c_header_with_contract(decl: &ApiDeclaration, regenerate: &str, contract: &str) -> String {
    let generated = c_header(decl, regenerate);
    let at = generated.find("*/\n").map_or(0, |i| i + 3);
    format!("{}{contract}{}", &generated[..at], &generated[at..])
}

/// A provider's header test: with `UPDATE_HEADERS` set, (re)writes `path`; then fails, saying
/// how to regenerate it, when the file differs from `expected`.
pub fn check_fresh(path: &Path, expected: &str, regenerate: &str) -> Result<(), String> {
    if std::env::var_os("UPDATE_HEADERS").is_some() {
        std::fs::write(path, expected)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    match std::fs::read_to_string(path) {
        Ok(actual) if actual == expected => Ok(()),
        _ => Err(format!(
            "{} is stale: regenerate it with {regenerate}",
            path.display()
        )),
    }
}

/// A provider's header test: compiles a C99 and a C++11 file that includes `prelude` (e.g.
/// `#include <Python.h>`) and `header` and declares an `api_struct`, with
/// `-Wall -Wextra -pedantic -Werror`, in `work_dir`.
pub fn check_compiles(
    include_dirs: &[&Path],
    prelude: &str,
    header: &str,
    api_struct: &str,
    work_dir: &Path,
) -> Result<(), String> {
    std::fs::create_dir_all(work_dir).map_err(|e| e.to_string())?;
    for (compiler, std, ext) in [("gcc", "c99", "c"), ("g++", "c++11", "cpp")] {
        let source = work_dir.join(format!("use_{std}.{ext}"));
        let text = format!("{prelude}\n#include \"{header}\"\nint main(void) {{ {api_struct} api; (void)api; return 0; }}\n");
        std::fs::write(&source, text).map_err(|e| e.to_string())?;
        let mut command = Command::new(compiler);
        command.args([
            &format!("-std={std}"),
            "-Wall",
            "-Wextra",
            "-pedantic",
            "-Werror",
            "-fsyntax-only",
        ]);
        for dir in include_dirs {
            command.arg("-I").arg(dir);
        }
        let out = command
            .arg(&source)
            .output()
            .map_err(|e| format!("cannot run {compiler}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{compiler} -std={std} rejected {header}:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_spellings_parse_back_to_the_same_signature() {
        for text in [
            "fn(*mut i64, usize) -> i32",
            "fn(*const *mut u8, isize) -> f64",
            "fn(*mut i64, usize, fn(i64) -> i64) -> usize",
            "fn(*mut PyObject) -> *mut PyObject",
            "fn() -> bool",
            "fn(*const void)",
        ] {
            let sig = Signature::parse(text).unwrap();
            let mut named = BTreeSet::new();
            let c = format!(
                "{} ({})",
                c_type(&sig.ret, &mut named),
                c_params(&sig, &mut named)
            );
            assert_eq!(Signature::parse(&c).unwrap(), sig, "{text} -> {c}");
        }
    }

    #[test]
    fn prefixes_are_c_identifiers() {
        assert_eq!(
            prefixes("wildsort"),
            ("Wildsort".into(), "WILDSORT".into(), "wildsort".into())
        );
        assert_eq!(
            prefixes("await-kit.v2"),
            (
                "AwaitKitV2".into(),
                "AWAIT_KIT_V2".into(),
                "await_kit_v2".into()
            )
        );
    }
}
