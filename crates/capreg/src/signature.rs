//! Signatures: a small type language, parsed and compared structurally, never as text.
//!
//! Two spellings are accepted and both parse to the same [`Signature`]:
//! - capreg's own form, as Rust writes it: `fn(*mut i64, usize) -> i32` (also with `unsafe`,
//!   `extern "C"` and `Option<...>` around function pointers);
//! - C declarations: `int (int64_t *, size_t)`, `uint64_t (const void *data, size_t n)`,
//!   `PyObject *(PyObject *)`, `int64_t (*)(int64_t)` for a callback parameter.
//!
//! C spellings are normalised for the platform this code runs on: `long` is `i64` on LP64,
//! `Py_ssize_t` is `isize`, `char` is `i8` or `u8` as `c_char` is. The canonical form printed in
//! every message is capreg's own (`fn(*const void, usize) -> u64`; a `void` return is omitted).
//!
//! This module is the type model; `parse` reads both spellings into it, and `derive` builds it
//! from Rust types ([`CType`], [`ExternFn`]).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};

mod derive;
mod parse;
#[cfg(test)]
mod tests;

pub use derive::{CType, ExternFn};

/// The longest signature text capreg reads, in bytes. Real ones are under 300; the limit keeps
/// a caller from making the registry tokenize (and keep in its cache) megabytes. It bounds the
/// canonical form too (which can be twice as long as a C spelling): every signature capreg
/// accepts prints as a text it reads back.
pub const MAX_SIGNATURE_BYTES: usize = 4096;

/// The deepest a type may nest: levels of pointers and function pointers around one type
/// (`*mut *mut i8` is 2, a callback `fn(*mut u8)` as a parameter is 2). Real signatures stay
/// under 5. Checked before the parser recurses, it bounds the stack every reader of a [`Type`]
/// needs — the parser, `Display`, `Drop`, `Eq` — to a few KiB, safe on a 64 KiB thread stack.
pub const MAX_TYPE_DEPTH: usize = 16;

/// A type of the signature language.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Void,
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
    /// `*const T` (`mutable == false`) or `*mut T`.
    Ptr {
        mutable: bool,
        pointee: Box<Type>,
    },
    /// An opaque named type: `PyObject`, `wildsort_ctx`, ...
    Named(String),
    /// A (nullable) C function pointer.
    Fn(Box<Signature>),
}

/// A C function's parameter and return types.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Signature {
    pub params: Vec<Type>,
    pub ret: Type,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Type::Void => "void",
            Type::Bool => "bool",
            Type::I8 => "i8",
            Type::I16 => "i16",
            Type::I32 => "i32",
            Type::I64 => "i64",
            Type::U8 => "u8",
            Type::U16 => "u16",
            Type::U32 => "u32",
            Type::U64 => "u64",
            Type::Isize => "isize",
            Type::Usize => "usize",
            Type::F32 => "f32",
            Type::F64 => "f64",
            Type::Ptr { mutable, pointee } => {
                let kind = if *mutable { "mut" } else { "const" };
                return write!(f, "*{kind} {pointee}");
            }
            Type::Named(name) => name,
            Type::Fn(sig) => return sig.fmt(f),
        };
        f.write_str(name)
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("fn(")?;
        for (i, param) in self.params.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{param}")?;
        }
        f.write_str(")")?;
        if self.ret != Type::Void {
            write!(f, " -> {}", self.ret)?;
        }
        Ok(())
    }
}

/// Why a signature did not parse: the text, where, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub signature: String,
    pub problem: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A long text is cut at a character boundary: the message stays readable, and the
        // problem already says how long it was.
        const SHOWN: usize = 200;
        let text = &self.signature;
        match text.char_indices().nth(SHOWN) {
            Some((cut, _)) => write!(
                f,
                "malformed signature \"{}...\" ({} bytes): {}",
                &text[..cut],
                text.len(),
                self.problem
            ),
            None => write!(f, "malformed signature \"{text}\": {}", self.problem),
        }
    }
}

impl std::error::Error for ParseError {}

impl Signature {
    /// Parses either spelling (see the module docs).
    pub fn parse(text: &str) -> Result<Signature, ParseError> {
        let fail = |problem: String| ParseError {
            signature: text.to_owned(),
            problem,
        };
        parse::signature(text).map_err(fail)
    }

    /// Parses through a process-wide cache: a consumer's signature strings are parsed once.
    /// Only signatures that parse are kept (a malformed one is cheap to refuse again), and the
    /// cache holds at most [`SIGNATURE_CACHE_BYTES`] (texts and parsed types counted), so no
    /// caller can grow it without bound: once full, it is emptied and fills again.
    pub fn parse_cached(text: &str) -> Result<Arc<Signature>, ParseError> {
        let cache = CACHE.get_or_init(Default::default);
        if let Some(hit) = cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .map
            .get(text)
        {
            return Ok(hit.clone());
        }
        let parsed = Arc::new(Signature::parse(text)?);
        let cost = cached_bytes(text, &parsed);
        let mut cache = cache.write().unwrap_or_else(|e| e.into_inner());
        if cache.bytes + cost > SIGNATURE_CACHE_BYTES {
            *cache = Cache::default();
        }
        if cache.map.insert(text.to_owned(), parsed.clone()).is_none() {
            cache.bytes += cost;
        }
        Ok(parsed)
    }
}

/// The signatures [`Signature::parse_cached`] keeps, and what they cost.
#[derive(Default)]
struct Cache {
    map: HashMap<String, Arc<Signature>>,
    bytes: usize,
}

static CACHE: OnceLock<RwLock<Cache>> = OnceLock::new();

/// The most memory [`Signature::parse_cached`] keeps, in bytes (an estimate that errs high).
pub const SIGNATURE_CACHE_BYTES: usize = 4 << 20;

/// What one cache entry costs, erring high: the text twice (the key, and the names the parsed
/// tree copies from it), two `Type`s per node (the node and its allocation's overhead), and the
/// map's own share.
fn cached_bytes(text: &str, sig: &Signature) -> usize {
    fn nodes(ty: &Type) -> usize {
        match ty {
            Type::Ptr { pointee, .. } => 1 + nodes(pointee),
            Type::Fn(sig) => 1 + signature_nodes(sig),
            _ => 1,
        }
    }
    fn signature_nodes(sig: &Signature) -> usize {
        1 + nodes(&sig.ret) + sig.params.iter().map(nodes).sum::<usize>()
    }
    2 * text.len() + signature_nodes(sig) * 2 * std::mem::size_of::<Type>() + 128
}
