//! The signature parser on generated types: a tree drawn with `arbitrary`, whose nodes can stand
//! for many nesting levels at once (`*mut ` repeated 30,000 times, 30,000 nested callbacks), so
//! the deep inputs a byte fuzzer never writes come at once. Each tree is spelled three ways:
//! capreg's canonical form (as `Display` prints it), a decorated Rust form (`Option<unsafe
//! extern "C" fn(a: c_int) -> ()>`, paths, aliases) and, where C can say it, a C declaration.
//! Within the documented limits (`MAX_TYPE_DEPTH` levels, `MAX_SIGNATURE_BYTES` bytes) each
//! spelling parses to the tree; beyond them each is refused with the limit named, never a crash.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use capreg::signature::{MAX_SIGNATURE_BYTES, MAX_TYPE_DEPTH};
use capreg::{Signature, Type};
use capreg_fuzz::{check_parsed, cut, signature_depth};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq)]
enum Scalar {
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    Isize,
    Usize,
    F32,
    F64,
}

impl Scalar {
    fn ty(self) -> Type {
        match self {
            Scalar::Bool => Type::Bool,
            Scalar::I8 => Type::I8,
            Scalar::I16 => Type::I16,
            Scalar::I32 => Type::I32,
            Scalar::I64 => Type::I64,
            Scalar::U8 => Type::U8,
            Scalar::U16 => Type::U16,
            Scalar::U32 => Type::U32,
            Scalar::U64 => Type::U64,
            Scalar::Isize => Type::Isize,
            Scalar::Usize => Type::Usize,
            Scalar::F32 => Type::F32,
            Scalar::F64 => Type::F64,
        }
    }

    /// Rust spellings: the canonical name first, then `core::ffi` aliases (x86_64 Linux: LP64,
    /// signed `char`).
    fn rust(self) -> &'static [&'static str] {
        match self {
            Scalar::Bool => &["bool"],
            Scalar::I8 => &["i8", "c_schar", "c_char", "char"],
            Scalar::I16 => &["i16", "c_short"],
            Scalar::I32 => &["i32", "c_int"],
            Scalar::I64 => &["i64", "c_longlong", "c_long"],
            Scalar::U8 => &["u8", "c_uchar"],
            Scalar::U16 => &["u16", "c_ushort"],
            Scalar::U32 => &["u32", "c_uint"],
            Scalar::U64 => &["u64", "c_ulonglong", "c_ulong"],
            Scalar::Isize => &["isize"],
            Scalar::Usize => &["usize"],
            Scalar::F32 => &["f32", "c_float"],
            Scalar::F64 => &["f64", "c_double"],
        }
    }

    /// C spellings, as <stdint.h>, <stddef.h> and Python.h write them.
    fn c(self) -> &'static [&'static str] {
        match self {
            Scalar::Bool => &["bool", "_Bool"],
            Scalar::I8 => &["int8_t", "signed char", "char"],
            Scalar::I16 => &["short", "int16_t", "short int", "signed short"],
            Scalar::I32 => &["int", "int32_t", "signed", "signed int"],
            Scalar::I64 => &["int64_t", "long long", "long", "long long int"],
            Scalar::U8 => &["uint8_t", "unsigned char", "Py_UCS1"],
            Scalar::U16 => &["uint16_t", "unsigned short", "Py_UCS2"],
            Scalar::U32 => &["uint32_t", "unsigned", "unsigned int", "Py_UCS4"],
            Scalar::U64 => &[
                "uint64_t",
                "unsigned long long",
                "unsigned PY_LONG_LONG",
                "unsigned long",
            ],
            Scalar::Isize => &[
                "Py_ssize_t",
                "ssize_t",
                "intptr_t",
                "ptrdiff_t",
                "Py_hash_t",
            ],
            Scalar::Usize => &["size_t", "uintptr_t"],
            Scalar::F32 => &["float"],
            Scalar::F64 => &["double"],
        }
    }
}

/// Opaque names, and how each may be spelled: (canonical, Rust spellings, C spellings).
const NAMED: [(&str, &[&str], &[&str]); 4] = [
    (
        "PyObject",
        &[
            "PyObject",
            "ffi::PyObject",
            "pyo3::ffi::PyObject",
            "_object",
        ],
        &["PyObject", "struct _object"],
    ),
    (
        "PyTypeObject",
        &["PyTypeObject", "ffi::PyTypeObject", "_typeobject"],
        &["PyTypeObject", "struct _typeobject"],
    ),
    (
        "wildsort_ctx",
        &["wildsort_ctx"],
        &["wildsort_ctx", "struct wildsort_ctx"],
    ),
    (
        "Py_buffer",
        &["Py_buffer", "ffi::Py_buffer"],
        &["Py_buffer", "union Py_buffer"],
    ),
];

const VOID_RUST: [&str; 4] = ["void", "c_void", "core::ffi::c_void", "()"];

/// How many levels a node stands for: mostly a few, sometimes just past the limit in the few
/// hundreds or thousands, rarely tens of thousands (the inputs that once overflowed the stack).
#[derive(Debug, Clone, Copy)]
struct Levels(usize);

impl<'a> Arbitrary<'a> for Levels {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let b: u8 = u.arbitrary()?;
        Ok(Levels(match b {
            0..=199 => 1 + usize::from(b) % 20,
            200..=247 => 1 + usize::from(b - 200) * 25,
            248..=254 => 1 + usize::from(u.arbitrary::<u16>()?) % 4000,
            // The 30,000 levels: refused for their length alone.
            255 => 30_000 + usize::from(u.arbitrary::<u16>()?) % 1000,
        }))
    }
}

#[derive(Arbitrary, Debug)]
enum Gen {
    /// A scalar, and which of its spellings to use.
    Scalar(Scalar, u8),
    Named(u8, u8),
    /// `levels` pointers to void, all `*mut` or all `*const`.
    VoidPtr {
        mutable: bool,
        levels: Levels,
        spelling: u8,
    },
    /// `levels` pointers to `pointee`; bit `i % 32` of `mutable` says whether level `i`
    /// (outermost first) is `*mut`.
    Ptr {
        mutable: u32,
        levels: Levels,
        pointee: Box<Gen>,
    },
    Fn(Box<GenSig>),
    /// `levels` callbacks nested around `inner`: `fn(fn(...fn(inner)))`, or when `returning`,
    /// `fn() -> fn() -> ... inner`.
    FnChain {
        levels: Levels,
        returning: bool,
        inner: Box<Gen>,
    },
}

#[derive(Arbitrary, Debug)]
struct GenSig {
    params: Vec<Gen>,
    ret: Option<Gen>,
    /// Decorations of the Rust form: Option<>, unsafe, extern "C", parameter names, `-> ()`,
    /// a trailing comma; and the parameter names of the C form.
    deco: u8,
}

fn pick<'s>(options: &[&'s str], i: u8) -> &'s str {
    options[usize::from(i) % options.len()]
}

// ---- depth and size, without building anything ----

fn depth(g: &Gen) -> usize {
    match g {
        Gen::Scalar(..) | Gen::Named(..) => 0,
        Gen::VoidPtr { levels, .. } => levels.0,
        Gen::Ptr {
            levels, pointee, ..
        } => levels.0 + depth(pointee),
        Gen::Fn(sig) => 1 + sig_depth(sig),
        Gen::FnChain { levels, inner, .. } => levels.0 + depth(inner),
    }
}

fn sig_depth(sig: &GenSig) -> usize {
    sig.params
        .iter()
        .chain(&sig.ret)
        .map(depth)
        .max()
        .unwrap_or(0)
}

/// All levels of all nodes: bounds the length of every spelling (at most ~25 bytes a level).
fn total_levels(g: &Gen) -> usize {
    match g {
        Gen::Scalar(..) | Gen::Named(..) => 1,
        Gen::VoidPtr { levels, .. } => levels.0,
        Gen::Ptr {
            levels, pointee, ..
        } => levels.0 + total_levels(pointee),
        Gen::Fn(sig) => 1 + sig_total(sig),
        Gen::FnChain { levels, inner, .. } => levels.0 + total_levels(inner),
    }
}

fn sig_total(sig: &GenSig) -> usize {
    sig.params.iter().chain(&sig.ret).map(total_levels).sum()
}

// ---- the tree ----

fn ty(g: &Gen) -> Type {
    match g {
        Gen::Scalar(s, _) => s.ty(),
        Gen::Named(i, _) => Type::Named(NAMED[usize::from(*i) % NAMED.len()].0.to_owned()),
        Gen::VoidPtr {
            mutable, levels, ..
        } => (0..levels.0).fold(Type::Void, |t, _| Type::Ptr {
            mutable: *mutable,
            pointee: Box::new(t),
        }),
        Gen::Ptr {
            mutable,
            levels,
            pointee,
        } => (0..levels.0).rev().fold(ty(pointee), |t, i| Type::Ptr {
            mutable: mutable >> (i % 32) & 1 == 1,
            pointee: Box::new(t),
        }),
        Gen::Fn(sig) => Type::Fn(Box::new(signature(sig))),
        Gen::FnChain {
            levels,
            returning,
            inner,
        } => (0..levels.0).fold(ty(inner), |t, _| {
            Type::Fn(Box::new(if *returning {
                Signature {
                    params: vec![],
                    ret: t,
                }
            } else {
                Signature {
                    params: vec![t],
                    ret: Type::Void,
                }
            }))
        }),
    }
}

fn signature(sig: &GenSig) -> Signature {
    Signature {
        params: sig.params.iter().map(ty).collect(),
        ret: sig.ret.as_ref().map(ty).unwrap_or(Type::Void),
    }
}

// ---- capreg's form: canonical (`plain`) or decorated ----

fn rust(g: &Gen, plain: bool, out: &mut String) {
    match g {
        Gen::Scalar(s, i) => out.push_str(if plain {
            s.rust()[0]
        } else {
            pick(s.rust(), *i)
        }),
        Gen::Named(n, i) => {
            let (canonical, spellings, _) = NAMED[usize::from(*n) % NAMED.len()];
            out.push_str(if plain {
                canonical
            } else {
                pick(spellings, *i)
            })
        }
        Gen::VoidPtr {
            mutable,
            levels,
            spelling,
        } => {
            out.push_str(&(if *mutable { "*mut " } else { "*const " }).repeat(levels.0));
            out.push_str(if plain {
                "void"
            } else {
                pick(&VOID_RUST, *spelling)
            });
        }
        Gen::Ptr {
            mutable,
            levels,
            pointee,
        } => {
            for i in 0..levels.0 {
                out.push_str(if mutable >> (i % 32) & 1 == 1 {
                    "*mut "
                } else {
                    "*const "
                });
            }
            rust(pointee, plain, out);
        }
        Gen::Fn(sig) => rust_sig(sig, plain, out),
        Gen::FnChain {
            levels,
            returning: true,
            inner,
        } => {
            out.push_str(&"fn() -> ".repeat(levels.0));
            rust(inner, plain, out);
        }
        Gen::FnChain { levels, inner, .. } => {
            let (open, close) = if plain {
                ("fn(", ")")
            } else {
                ("Option<unsafe extern \"C\" fn(", ")>")
            };
            out.push_str(&open.repeat(levels.0));
            rust(inner, plain, out);
            out.push_str(&close.repeat(levels.0));
        }
    }
}

fn rust_sig(sig: &GenSig, plain: bool, out: &mut String) {
    let deco = if plain { 0 } else { sig.deco };
    let on = |bit: u8| deco & (1 << bit) != 0;
    if on(0) {
        out.push_str("Option<");
    }
    if on(1) {
        out.push_str("unsafe ");
    }
    if on(2) {
        out.push_str(if on(6) {
            "extern \"C-unwind\" "
        } else {
            "extern \"C\" "
        });
    }
    out.push_str("fn(");
    for (i, param) in sig.params.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if on(3) {
            out.push_str(&format!("p{i}: "));
        }
        rust(param, plain, out);
    }
    if on(5) && !sig.params.is_empty() {
        out.push(',');
    }
    out.push(')');
    match &sig.ret {
        Some(ret) => {
            out.push_str(" -> ");
            rust(ret, plain, out);
        }
        None if on(4) => out.push_str(" -> ()"),
        None => {}
    }
    if on(0) {
        out.push('>');
    }
}

// ---- C declarations, where C can say the type ----

/// `base` under pointer levels `muts` (innermost first): `const char * const *`. With `array`,
/// the outermost level is written as an array parameter `a[]`.
fn c_chain(base: &str, muts: &[bool], array: bool, out: &mut String) {
    if muts.first() == Some(&false) {
        out.push_str("const ");
    }
    out.push_str(base);
    for (j, _) in muts.iter().enumerate() {
        let last = j + 1 == muts.len();
        out.push_str(if last && array { " a[]" } else { " *" });
        if muts.get(j + 1) == Some(&false) {
            out.push_str(" const");
        }
    }
}

/// A type with no function pointer in it, as C writes it (base and pointers); None otherwise.
fn c_object(g: &Gen, muts: &mut Vec<bool>) -> Option<String> {
    match g {
        Gen::Scalar(s, i) => Some(pick(s.c(), *i).to_owned()),
        Gen::Named(n, i) => Some(pick(NAMED[usize::from(*n) % NAMED.len()].2, *i).to_owned()),
        Gen::VoidPtr {
            mutable, levels, ..
        } => {
            muts.extend(std::iter::repeat_n(*mutable, levels.0));
            Some("void".to_owned())
        }
        Gen::Ptr {
            mutable,
            levels,
            pointee,
        } => {
            let base = c_object(pointee, muts)?;
            muts.extend((0..levels.0).rev().map(|i| mutable >> (i % 32) & 1 == 1));
            Some(base)
        }
        Gen::Fn(_) | Gen::FnChain { .. } => None,
    }
}

fn c_param(g: &Gen, index: usize, names: bool, out: &mut String) -> Option<()> {
    match g {
        Gen::Fn(sig) => {
            c_return(sig.ret.as_ref(), out)?;
            out.push_str(if names { " (*cb)(" } else { " (*)(" });
            c_params(sig, out)?;
            out.push(')');
        }
        Gen::FnChain {
            levels,
            returning: false,
            inner,
        } => {
            out.push_str(&"void (*)(".repeat(levels.0));
            c_param(inner, 0, names, out)?;
            out.push_str(&")".repeat(levels.0));
        }
        Gen::FnChain { .. } => return None,
        _ => {
            let mut muts = Vec::new();
            let base = c_object(g, &mut muts)?;
            // Every other named pointer parameter is written as an array.
            let array = names && !muts.is_empty() && index % 2 == 1;
            c_chain(&base, &muts, array, out);
            if names && !array {
                out.push_str(&format!(" p{index}"));
            }
        }
    }
    Some(())
}

fn c_return(ret: Option<&Gen>, out: &mut String) -> Option<()> {
    match ret {
        None => out.push_str("void"),
        Some(g) => {
            let mut muts = Vec::new();
            let base = c_object(g, &mut muts)?;
            c_chain(&base, &muts, false, out);
        }
    }
    Some(())
}

fn c_params(sig: &GenSig, out: &mut String) -> Option<()> {
    if sig.params.is_empty() {
        out.push_str("void");
    }
    for (i, param) in sig.params.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        c_param(param, i, sig.deco & 8 != 0, out)?;
    }
    Some(())
}

fn c_sig(sig: &GenSig) -> Option<String> {
    let mut out = String::new();
    c_return(sig.ret.as_ref(), &mut out)?;
    out.push_str(" (");
    c_params(sig, &mut out)?;
    out.push(')');
    Some(out)
}

// ---- the property ----

/// `text` spells a signature `depth` levels deep, whose canonical form is `canonical` bytes
/// long; `expected` is its tree when within the depth limit. Within the limits it parses to the
/// tree; beyond one it is refused, naming it.
fn check(spelling: &str, text: &str, depth: usize, canonical: usize, expected: Option<&Signature>) {
    let result = Signature::parse(text);
    let short = cut(text);
    let refused = |limit: &str| match &result {
        Ok(_) => panic!("{spelling} {short:?} is over the {limit} limit, yet parsed"),
        Err(e) => e.to_string(),
    };
    if text.len() > MAX_SIGNATURE_BYTES {
        let e = refused("length");
        assert!(
            e.contains(&format!("limit of {MAX_SIGNATURE_BYTES} bytes")),
            "{e}"
        );
    } else if depth > MAX_TYPE_DEPTH {
        let e = refused("depth");
        assert!(
            e.contains(&format!("{MAX_TYPE_DEPTH} levels")),
            "{spelling} {short:?}: {e}"
        );
    } else if canonical > MAX_SIGNATURE_BYTES {
        let e = refused("canonical length");
        assert!(e.contains("canonical form"), "{spelling} {short:?}: {e}");
    } else {
        let sig = result.unwrap_or_else(|e| panic!("{spelling} {short:?} refused: {e}"));
        assert_eq!(Some(&sig), expected, "{spelling} {short:?}");
        check_parsed(text, &sig);
    }
}

fuzz_target!(|data: &[u8]| {
    let u = Unstructured::new(data);
    let Ok(gen) = GenSig::arbitrary_take_rest(u) else {
        return;
    };
    // Spellings stay under ~1 MB, whatever the levels drawn (one node of 30,000 levels).
    if sig_total(&gen) > 35_000 {
        return;
    }
    let depth = sig_depth(&gen);
    // The tree is built (and printed, compared and dropped) a little past the limit too.
    let tree = (depth <= MAX_TYPE_DEPTH + 48).then(|| signature(&gen));
    if let Some(tree) = &tree {
        assert_eq!(signature_depth(tree), depth);
    }
    let mut plain = String::new();
    rust_sig(&gen, true, &mut plain);
    if let Some(tree) = &tree {
        assert_eq!(
            tree.to_string(),
            plain,
            "Display and the canonical spelling differ"
        );
    }
    let expected = tree.as_ref().filter(|_| depth <= MAX_TYPE_DEPTH);
    check("canonical", &plain, depth, plain.len(), expected);
    let mut decorated = String::new();
    rust_sig(&gen, false, &mut decorated);
    check("decorated", &decorated, depth, plain.len(), expected);
    if let Some(c) = c_sig(&gen) {
        check("C", &c, depth, plain.len(), expected);
    }
});
