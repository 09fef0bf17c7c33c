use std::ffi::{c_long, c_void};

use super::*;

fn canon(text: &str) -> String {
    Signature::parse(text)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string()
}

#[test]
fn rust_form_round_trips() {
    for s in [
        "fn(*mut i64, usize) -> i32",
        "fn()",
        "fn(*const void, usize) -> u64",
        "fn(*mut i64, usize, fn(i64) -> i64) -> usize",
        "fn(*mut PyObject) -> *mut PyObject",
        "fn(*const *const u8)",
    ] {
        assert_eq!(canon(s), s);
    }
}

#[test]
fn rust_form_accepts_decorations() {
    assert_eq!(
        canon("unsafe extern \"C\" fn(a: i64, b: i64) -> i64"),
        "fn(i64, i64) -> i64"
    );
    assert_eq!(
        canon("fn(Option<extern \"C\" fn(i32)>) -> ()"),
        "fn(fn(i32))"
    );
    assert_eq!(canon("fn(*mut ffi::PyObject)"), "fn(*mut PyObject)");
    assert_eq!(canon("fn(c_int, c_double) -> c_void"), "fn(i32, f64)");
}

#[test]
fn c_spellings_normalise() {
    assert_eq!(
        canon("uint64_t (const void *, size_t)"),
        "fn(*const void, usize) -> u64"
    );
    assert_eq!(
        Signature::parse("uint64_t (const void *, size_t)"),
        Signature::parse("unsigned long long (const void *data, size_t n)")
    );
    assert_eq!(canon("unsigned PY_LONG_LONG (void)"), "fn() -> u64");
    assert_eq!(canon("int (Py_ssize_t)"), "fn(isize) -> i32");
    assert_ne!(
        Signature::parse("int (Py_ssize_t)"),
        Signature::parse("int (int)")
    );
    assert_eq!(
        canon("PyObject *(PyObject *)"),
        "fn(*mut PyObject) -> *mut PyObject"
    );
    assert_eq!(
        canon("struct _object *(struct _typeobject *)"),
        "fn(*mut PyTypeObject) -> *mut PyObject"
    );
    assert_eq!(
        canon("void (const char * const *argv, int argc)"),
        "fn(*const *const i8, i32)"
    );
    assert_eq!(canon("char *(char * const p)"), "fn(*mut i8) -> *mut i8");
    assert_eq!(
        canon("size_t (int64_t *, size_t, int64_t (*)(int64_t))"),
        "fn(*mut i64, usize, fn(i64) -> i64) -> usize"
    );
    assert_eq!(
        canon("void (void (*cb)(void *), void *)"),
        "fn(fn(*mut void), *mut void)"
    );
    assert_eq!(
        canon("short (unsigned char, signed char, long long int)"),
        "fn(u8, i8, i64) -> i16"
    );
    assert_eq!(
        canon("double (const double v[], size_t)"),
        "fn(*const f64, usize) -> f64"
    );
    assert_eq!(canon("void (char *names[4])"), "fn(*mut *mut i8)");
}

#[test]
fn long_follows_the_platform() {
    let long = canon("long (unsigned long)");
    if std::mem::size_of::<c_long>() == 8 {
        assert_eq!(long, "fn(u64) -> i64");
    } else {
        assert_eq!(long, "fn(u32) -> i32");
    }
}

#[test]
fn malformed_signatures_say_why() {
    for (bad, why) in [
        ("", "empty"),
        ("int (((", "expected a type"),
        ("fn(i32", "expected ','"),
        ("int (int", "expected ','"),
        ("fn(void)", "not a parameter type"),
        ("int (void, int)", "not a parameter type"),
        ("long double (void)", "not a C type"),
        ("unsigned float (void)", "not a C type"),
        ("fn() -> i32 extra", "after the end"),
        ("extern \"Rust\" fn()", "only extern \"C\""),
        ("int ($)", "unexpected character"),
        ("*x (void)", "expected a type"),
    ] {
        let err = Signature::parse(bad).expect_err(bad);
        assert!(err.to_string().contains(why), "{bad}: {err}");
        assert!(err.to_string().contains(bad), "{bad}: {err}");
    }
}

#[test]
fn derived_from_rust_types() {
    type Sort = unsafe extern "C" fn(*mut i64, usize) -> i32;
    assert_eq!(Sort::signature().to_string(), "fn(*mut i64, usize) -> i32");
    type Cb = extern "C" fn(*const c_void, Option<extern "C" fn(i64) -> i64>);
    assert_eq!(
        Cb::signature().to_string(),
        "fn(*const void, fn(i64) -> i64)"
    );
    assert_eq!(
        Signature::parse(&Sort::signature().to_string()).unwrap(),
        Signature::parse("int (int64_t *, size_t)").unwrap()
    );
}

#[test]
fn cache_returns_same_result() {
    let a = Signature::parse_cached("int (int)").unwrap();
    let b = Signature::parse_cached("int (int)").unwrap();
    assert_eq!(a, b);
    assert!(Signature::parse_cached("int (((").is_err());
}

/// Inputs that once overflowed the stack: each is refused with the limit named, and a type at
/// the limit still parses.
#[test]
fn limits_refuse_deep_and_long_signatures() {
    let deep = |n: usize, unit: &str, tail: &str, close: &str| {
        format!("{}{tail}{}", unit.repeat(n), close.repeat(n))
    };
    let cases = [
        format!("fn({}i32)", "*mut ".repeat(MAX_TYPE_DEPTH + 1)),
        format!("fn({})", deep(MAX_TYPE_DEPTH + 1, "Option<fn(", "", ")>")),
        format!("fn({})", deep(MAX_TYPE_DEPTH + 1, "fn(", "", ")")),
        format!(
            "int ({})",
            deep(MAX_TYPE_DEPTH + 1, "int (*)(", "void", ")")
        ),
        format!("int (int {})", "*".repeat(MAX_TYPE_DEPTH + 1)),
        format!("int (int {} x[])", "*".repeat(MAX_TYPE_DEPTH)),
    ];
    for text in &cases {
        let err = Signature::parse(text).unwrap_err().to_string();
        assert!(
            err.contains(&format!("{MAX_TYPE_DEPTH} levels")),
            "{}: {err}",
            &text[..40.min(text.len())]
        );
        assert!(
            err.len() < 500,
            "the message quotes at most 200 characters: {err}"
        );
    }
    for long in [
        format!("int ({})", "int, ".repeat(2000) + "int"),
        format!("fn({}i32)", "*mut ".repeat(30_000)),
    ] {
        let err = Signature::parse(&long).unwrap_err().to_string();
        assert!(
            err.contains(&format!("{} bytes long", long.len()))
                && err.contains(&format!("limit of {MAX_SIGNATURE_BYTES} bytes"))
                && err.len() < 500,
            "{err}"
        );
    }
    let at_limit = format!("fn({}i32)", "*mut ".repeat(MAX_TYPE_DEPTH));
    let parsed = Signature::parse(&at_limit).unwrap();
    assert_eq!(Signature::parse(&parsed.to_string()).unwrap(), parsed);
    let c_at_limit = format!("int (int {})", "*".repeat(MAX_TYPE_DEPTH));
    assert!(Signature::parse(&c_at_limit).is_ok());
}

/// The parser, Display and Drop of the deepest accepted type fit in a 64 KiB thread stack.
#[test]
fn the_deepest_signatures_fit_a_small_stack() {
    let texts = [
        format!("fn({}i32)", "*mut ".repeat(MAX_TYPE_DEPTH)),
        format!(
            "fn({}i32{})",
            "Option<fn(".repeat(MAX_TYPE_DEPTH),
            ")>".repeat(MAX_TYPE_DEPTH)
        ),
        format!(
            "int ({}void{})",
            "int (*)(".repeat(MAX_TYPE_DEPTH),
            ")".repeat(MAX_TYPE_DEPTH)
        ),
        format!("fn({}i32)", "*mut ".repeat(100_000)),
    ];
    std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || {
            for text in &texts {
                if let Ok(sig) = Signature::parse(text) {
                    let again = Signature::parse(&sig.to_string()).unwrap();
                    assert_eq!(again, sig);
                }
            }
        })
        .unwrap()
        .join()
        .unwrap();
}

/// Distinct signatures worth several times the cache's bound leave it within the bound, and
/// malformed ones are not kept at all.
#[test]
fn the_cache_is_bounded_in_bytes() {
    let padding = "i32, ".repeat(700);
    for i in 0..400 {
        let text = format!("fn({padding}T{i})");
        assert!(Signature::parse_cached(&text).is_ok());
        assert!(Signature::parse_cached(&format!("fn({padding}T{i}")).is_err());
        let bytes = CACHE.get().unwrap().read().unwrap().bytes;
        assert!(bytes <= SIGNATURE_CACHE_BYTES, "{bytes} bytes kept");
    }
    let cache = CACHE.get().unwrap().read().unwrap();
    assert!(cache.map.keys().all(|text| text.ends_with(')')));
}

/// What fuzz/signature_tree and fuzz/signature_text found: every signature the parser accepts
/// is within the limits as documented and prints as a text it reads back.
#[test]
fn every_accepted_signature_reads_back() {
    // `Option<>` adds no level of its own: 16 nested `Option<fn(` are 16 levels, as `fn(` are.
    let options = format!(
        "fn({}i32{})",
        "Option<fn(".repeat(MAX_TYPE_DEPTH),
        ")>".repeat(MAX_TYPE_DEPTH)
    );
    let parsed = Signature::parse(&options).unwrap();
    assert_eq!(Signature::parse(&parsed.to_string()).unwrap(), parsed);
    // A C callback's return type sits one level below the parameter, as `fn() -> *mut ...`.
    let c = format!("void (void {}(*)(void))", "*".repeat(MAX_TYPE_DEPTH));
    let err = Signature::parse(&c).unwrap_err().to_string();
    assert!(err.contains(&format!("{MAX_TYPE_DEPTH} levels")), "{err}");
    let c = format!("void (void {}(*)(void))", "*".repeat(MAX_TYPE_DEPTH - 1));
    let parsed = Signature::parse(&c).unwrap();
    assert_eq!(Signature::parse(&parsed.to_string()).unwrap(), parsed);
    // The words that start capreg's form are no type names (`fn(fn)` would not read back).
    for text in [
        "int (fn)",
        "B (struct Option)",
        "fn(ffi::fn)",
        "int (unsafe x)",
    ] {
        let err = Signature::parse(text).unwrap_err().to_string();
        assert!(err.contains("is not a type name"), "{text}: {err}");
    }
    // A C spelling within the length limit whose canonical form is not.
    let c = format!("void ({})", vec!["int*"; 800].join(","));
    assert!(c.len() <= MAX_SIGNATURE_BYTES);
    let err = Signature::parse(&c).unwrap_err().to_string();
    assert!(
        err.contains("canonical form is 8") && err.contains("limit of 4096 bytes"),
        "{err}"
    );
}

/// A long word or string in the text is quoted cut, as the text is: no message is kilobytes.
#[test]
fn messages_quote_long_words_cut() {
    let long = "x".repeat(3000);
    for text in [
        format!("fn() \"{long}\""),
        format!("extern \"{long}\" fn()"),
        format!("int ({long} {long})"),
        format!("int (struct {long} int)"),
        format!("{} (void)", "long ".repeat(700)),
        format!("{long} {long} (void)"),
    ] {
        let err = Signature::parse(&text).unwrap_err().to_string();
        assert!(err.len() < 600, "{} bytes: {err}", err.len());
    }
}
