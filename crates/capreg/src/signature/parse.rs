//! The parser of both spellings: tokens, then a recursive-descent reader of capreg's own form
//! and of C declarations, normalising C's names for this platform.

use std::ffi::{c_char, c_long};
use std::fmt;

use super::{Signature, Type, MAX_SIGNATURE_BYTES, MAX_TYPE_DEPTH};

/// Parses a whole signature in either spelling; the error is the problem, without the text.
/// The limits are checked first: the length before tokenizing, the depth before each recursion.
pub(super) fn signature(text: &str) -> Result<Signature, String> {
    if text.len() > MAX_SIGNATURE_BYTES {
        return Err(format!(
            "it is {} bytes long, over capreg's limit of {MAX_SIGNATURE_BYTES} bytes for a signature",
            text.len()
        ));
    }
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let sig = if parser.starts_rust_form() {
        parser.rust_fn_type()
    } else {
        parser.c_signature()
    }?;
    if let Some(tok) = parser.peek() {
        return Err(format!("unexpected '{tok}' after the end"));
    }
    // The canonical form of a C spelling can be twice as long (`int*` is `*mut i32`): it must
    // stay within the limit too, or capreg could not read back what it prints.
    let canonical = canonical_len(&sig);
    if canonical > MAX_SIGNATURE_BYTES {
        return Err(format!(
            "its canonical form is {canonical} bytes long, over capreg's limit of \
             {MAX_SIGNATURE_BYTES} bytes for a signature"
        ));
    }
    Ok(sig)
}

/// The length of `sig`'s canonical form, counted without building it.
fn canonical_len(sig: &Signature) -> usize {
    struct Count(usize);
    impl fmt::Write for Count {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0 += s.len();
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing to a counter cannot fail.
    let _ = fmt::write(&mut count, format_args!("{sig}"));
    count.0
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Ident(String),
    Punct(&'static str),
    Str(String),
}

/// A word, string or run of words as an error message quotes it: cut after 40 characters (the
/// message quotes the text too, cut), so that no input makes a message kilobytes long.
fn shown(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((end, _)) => format!("{}...", &s[..end]),
        None => s.to_owned(),
    }
}

impl fmt::Display for Token {
    /// As an error message quotes it (see [`shown`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Ident(s) => f.write_str(&shown(s)),
            Token::Punct(p) => f.write_str(p),
            Token::Str(s) => write!(f, "\"{}\"", shown(s)),
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    const PUNCTS: [&str; 12] = ["->", "::", ":", "(", ")", ",", "*", "<", ">", "[", "]", "&"];
    let mut tokens = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            tokens.push(Token::Ident(rest[..end].to_owned()));
            rest = &rest[end..];
        } else if c == '"' {
            let end = rest[1..]
                .find('"')
                .ok_or_else(|| "unterminated string".to_owned())?;
            tokens.push(Token::Str(rest[1..1 + end].to_owned()));
            rest = &rest[end + 2..];
        } else if let Some(p) = PUNCTS.iter().find(|p| rest.starts_with(**p)) {
            tokens.push(Token::Punct(p));
            rest = &rest[p.len()..];
        } else {
            return Err(format!("unexpected character '{c}'"));
        }
    }
    if tokens.is_empty() {
        return Err("it is empty".to_owned());
    }
    Ok(tokens)
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// How many pointer and function-pointer levels enclose the type being read.
    depth: usize,
}

type Parsed<T> = Result<T, String>;

/// The error for a type nested deeper than [`MAX_TYPE_DEPTH`].
fn too_deep() -> String {
    format!(
        "a type is nested more than {MAX_TYPE_DEPTH} levels deep (pointers and function pointers), \
         over capreg's limit"
    )
}

impl Parser {
    /// Runs `read` one nesting level deeper, refusing to go past [`MAX_TYPE_DEPTH`] levels, so
    /// that no input can overflow the stack (of this parser, or of `Type`'s Drop and Display).
    fn nested<T>(&mut self, levels: usize, read: impl FnOnce(&mut Self) -> Parsed<T>) -> Parsed<T> {
        if self.depth + levels > MAX_TYPE_DEPTH {
            return Err(too_deep());
        }
        self.depth += levels;
        let result = read(self);
        self.depth -= levels;
        result
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_is(&self, punct: &str) -> bool {
        matches!(self.peek(), Some(Token::Punct(p)) if *p == punct)
    }

    fn peek_ident(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Ident(w)) if w == word)
    }

    fn eat(&mut self, punct: &str) -> bool {
        let hit = self.peek_is(punct);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn eat_ident(&mut self, word: &str) -> bool {
        let hit = self.peek_ident(word);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn expect(&mut self, punct: &str) -> Parsed<()> {
        if self.eat(punct) {
            Ok(())
        } else {
            Err(match self.peek() {
                Some(tok) => format!("expected '{punct}', found '{tok}'"),
                None => format!("expected '{punct}', found the end"),
            })
        }
    }

    fn ident(&mut self) -> Parsed<String> {
        match self.peek().cloned() {
            Some(Token::Ident(word)) if !word.starts_with(|c: char| c.is_ascii_digit()) => {
                self.pos += 1;
                Ok(word)
            }
            Some(tok) => Err(format!("expected a type, found '{tok}'")),
            None => Err("expected a type, found the end".to_owned()),
        }
    }

    fn starts_rust_form(&self) -> bool {
        ["fn", "unsafe", "extern", "Option"]
            .iter()
            .any(|w| self.peek_ident(w))
    }

    // ---- capreg's own (Rust) form ----

    /// `[Option<] [unsafe] [extern "C"] fn(T, ...) [-> T] [>]`. `Option<>` is the same nullable
    /// pointer, so it adds no nesting level: the `Option<`s are counted in a loop, not recursed.
    fn rust_fn_type(&mut self) -> Parsed<Signature> {
        let mut options = 0;
        while self.eat_ident("Option") {
            self.expect("<")?;
            options += 1;
        }
        let sig = self.rust_bare_fn_type()?;
        for _ in 0..options {
            self.expect(">")?;
        }
        Ok(sig)
    }

    /// `[unsafe] [extern "C"] fn(T, ...) [-> T]`
    fn rust_bare_fn_type(&mut self) -> Parsed<Signature> {
        self.eat_ident("unsafe");
        if self.eat_ident("extern") {
            match self.peek().cloned() {
                Some(Token::Str(abi)) if abi == "C" || abi == "C-unwind" => self.pos += 1,
                Some(Token::Str(abi)) => {
                    return Err(format!(
                        "only extern \"C\" crosses, not \"{}\"",
                        shown(&abi)
                    ))
                }
                _ => {}
            }
        }
        if !self.eat_ident("fn") {
            return Err("expected 'fn'".to_owned());
        }
        self.expect("(")?;
        let mut params = Vec::new();
        while !self.eat(")") {
            if !params.is_empty() {
                self.expect(",")?;
                if self.eat(")") {
                    break;
                }
            }
            // Parameter names are allowed: `fn(data: *const u8, len: usize)`.
            if matches!(self.tokens.get(self.pos + 1), Some(Token::Punct(":")))
                && matches!(self.peek(), Some(Token::Ident(_)))
            {
                self.pos += 2;
            }
            let ty = self.rust_type()?;
            if ty == Type::Void {
                return Err(
                    "'void' is not a parameter type; write fn() for no parameters".to_owned(),
                );
            }
            params.push(ty);
        }
        let ret = if self.eat("->") {
            self.rust_type()?
        } else {
            Type::Void
        };
        Ok(Signature { params, ret })
    }

    fn rust_type(&mut self) -> Parsed<Type> {
        if self.eat("*") {
            let mutable = if self.eat_ident("mut") {
                true
            } else if self.eat_ident("const") {
                false
            } else {
                return Err("expected 'const' or 'mut' after '*'".to_owned());
            };
            let pointee = self.nested(1, Self::rust_type)?;
            return Ok(Type::Ptr {
                mutable,
                pointee: Box::new(pointee),
            });
        }
        if self.eat("(") {
            self.expect(")")?;
            return Ok(Type::Void);
        }
        if self.starts_rust_form() {
            return Ok(Type::Fn(Box::new(self.nested(1, Self::rust_fn_type)?)));
        }
        // A path: keep the last segment (`ffi::PyObject` is `PyObject`).
        let mut name = self.ident()?;
        while self.eat("::") {
            name = self.ident()?;
        }
        match rust_scalar(&name) {
            Some(scalar) => Ok(scalar),
            None => opaque(name),
        }
    }

    // ---- C declarations ----

    /// `RET ( PARAMS )`, where RET may be a pointer type.
    fn c_signature(&mut self) -> Parsed<Signature> {
        let base = self.c_base_type()?;
        let (ret, _) = self.c_pointers(base)?;
        self.expect("(")?;
        let params = self.c_params()?;
        Ok(Signature { params, ret })
    }

    /// After `(`: `void )`, `)`, or `decl, decl, ... )`.
    fn c_params(&mut self) -> Parsed<Vec<Type>> {
        let mut params = Vec::new();
        if self.peek_ident("void")
            && matches!(self.tokens.get(self.pos + 1), Some(Token::Punct(")")))
        {
            self.pos += 2;
            return Ok(params);
        }
        while !self.eat(")") {
            if !params.is_empty() {
                self.expect(",")?;
            }
            let ty = self.c_param()?;
            if ty == Type::Void {
                return Err(
                    "'void' is not a parameter type; write (void) for no parameters".to_owned(),
                );
            }
            params.push(ty);
        }
        Ok(params)
    }

    /// One parameter: base type, pointers, an optional name, `[]`, or a function pointer
    /// declarator `(*name)(params)`.
    fn c_param(&mut self) -> Parsed<Type> {
        let base = self.c_base_type()?;
        let (ty, next_const) = self.c_pointers(base)?;
        if self.eat("(") {
            // `ty` is the callback's return type, one level deeper than the parameter (as in
            // capreg's form, `fn() -> *mut i8`): its pointers were counted one level short.
            if self.depth + 1 + pointer_depth(&ty) > MAX_TYPE_DEPTH {
                return Err(too_deep());
            }
            self.expect("*")?;
            while self.eat_ident("const") {}
            if matches!(self.peek(), Some(Token::Ident(_))) {
                self.pos += 1;
            }
            self.expect(")")?;
            self.expect("(")?;
            let params = self.nested(1, Self::c_params)?;
            return Ok(Type::Fn(Box::new(Signature { params, ret: ty })));
        }
        if let Some(Token::Ident(_)) = self.peek() {
            self.pos += 1; // the parameter's name
        }
        if self.eat("[") {
            while !self.eat("]") {
                if self.peek().is_none() {
                    return Err("unterminated '['".to_owned());
                }
                self.pos += 1;
            }
            // An array parameter is a pointer to its element.
            if self.depth + pointer_depth(&ty) >= MAX_TYPE_DEPTH {
                return Err(too_deep());
            }
            return Ok(Type::Ptr {
                mutable: !next_const,
                pointee: Box::new(ty),
            });
        }
        Ok(ty)
    }

    /// `*`s with their `const`s: `const char * const *` is `*const *const i8`. Also returns
    /// whether a pointer to the result would point to const (for `T name[]`).
    fn c_pointers(&mut self, (base, base_const): (Type, bool)) -> Parsed<(Type, bool)> {
        let mut ty = base;
        let mut pointee_const = base_const;
        let mut levels = 0;
        while self.eat("*") {
            levels += 1;
            if self.depth + levels > MAX_TYPE_DEPTH {
                return Err(too_deep());
            }
            ty = Type::Ptr {
                mutable: !pointee_const,
                pointee: Box::new(ty),
            };
            pointee_const = false;
            while self.eat_ident("const")
                || self.eat_ident("restrict")
                || self.eat_ident("volatile")
            {
                pointee_const = true;
            }
        }
        Ok((ty, pointee_const))
    }

    /// Specifiers and qualifiers up to the first `*`, `(`, `,`, `)` or parameter name.
    /// Returns the type and whether it was `const`.
    fn c_base_type(&mut self) -> Parsed<(Type, bool)> {
        let mut is_const = false;
        let mut words: Vec<String> = Vec::new();
        let mut named: Option<String> = None;
        while let Some(Token::Ident(word)) = self.peek().cloned() {
            if word.starts_with(|c: char| c.is_ascii_digit()) {
                break;
            }
            match word.as_str() {
                "const" => is_const = true,
                "volatile" | "restrict" => {}
                "struct" | "union" | "enum" => {
                    self.pos += 1;
                    let tag = self.ident()?;
                    named = Some(tag);
                    continue;
                }
                "signed" | "unsigned" | "short" | "long" | "int" | "char" | "float" | "double"
                | "void" | "_Bool" | "bool" => words.push(word),
                // Python.h's `PY_LONG_LONG` is `long long`, also after `unsigned` (cython#5284).
                "PY_LONG_LONG" => words.extend(["long".to_owned(), "long".to_owned()]),
                _ if named.is_none() && words.is_empty() => named = Some(word),
                // Anything after a complete type is the parameter's name.
                _ => break,
            }
            self.pos += 1;
        }
        let ty = match (named, words.is_empty()) {
            (Some(name), true) => match c_typedef(&name) {
                Some(scalar) => scalar,
                None => opaque(name)?,
            },
            (Some(name), false) => {
                return Err(format!(
                    "'{}' cannot be combined with '{}'",
                    shown(&words.join(" ")),
                    shown(&name)
                ))
            }
            (None, false) => c_builtin(&words)?,
            (None, true) => {
                return Err(match self.peek() {
                    Some(tok) => format!("expected a type, found '{tok}'"),
                    None => "expected a type, found the end".to_owned(),
                })
            }
        };
        Ok((ty, is_const))
    }
}

/// C's own integer and floating types, normalised for this platform.
fn c_builtin(words: &[String]) -> Parsed<Type> {
    let count = |w: &str| words.iter().filter(|x| *x == w).count();
    let (unsigned, signed) = (count("unsigned"), count("signed"));
    let (longs, shorts, ints, chars) = (count("long"), count("short"), count("int"), count("char"));
    let (voids, floats, doubles, bools) = (
        count("void"),
        count("float"),
        count("double"),
        count("_Bool") + count("bool"),
    );
    let bad = || Err(format!("'{}' is not a C type", shown(&words.join(" "))));
    if unsigned + signed > 1 || ints > 1 || chars > 1 || shorts > 1 || longs > 2 {
        return bad();
    }
    let sign_words = unsigned + signed;
    if voids + floats + doubles + bools > 0 {
        let plain =
            sign_words + shorts + ints + chars == 0 && voids + floats + doubles + bools == 1;
        return match () {
            _ if plain && voids == 1 && longs == 0 => Ok(Type::Void),
            _ if plain && floats == 1 && longs == 0 => Ok(Type::F32),
            _ if plain && bools == 1 && longs == 0 => Ok(Type::Bool),
            // `long double` has no portable ABI: refused rather than guessed.
            _ if plain && doubles == 1 && longs == 0 => Ok(Type::F64),
            _ => bad(),
        };
    }
    let unsigned = unsigned == 1;
    if chars == 1 {
        if shorts + longs + ints > 0 {
            return bad();
        }
        return Ok(match (sign_words, unsigned) {
            (0, _) => c_char_type(),
            (_, true) => Type::U8,
            (_, false) => Type::I8,
        });
    }
    let bits = match (shorts, longs) {
        (1, 0) => 16,
        (0, 0) => 32,
        (0, 1) => 8 * std::mem::size_of::<c_long>(),
        (0, 2) => 64,
        _ => return bad(),
    };
    Ok(int_type(bits, unsigned))
}

fn int_type(bits: usize, unsigned: bool) -> Type {
    match (bits, unsigned) {
        (8, false) => Type::I8,
        (16, false) => Type::I16,
        (32, false) => Type::I32,
        (8, true) => Type::U8,
        (16, true) => Type::U16,
        (32, true) => Type::U32,
        (_, false) => Type::I64,
        (_, true) => Type::U64,
    }
}

/// `char` is `i8` or `u8`, as this platform's `c_char` is.
fn c_char_type() -> Type {
    if c_char::MIN == 0 {
        Type::U8
    } else {
        Type::I8
    }
}

/// Typedef names from `<stdint.h>`, `<stddef.h>` and Python.h that are really scalars.
fn c_typedef(name: &str) -> Option<Type> {
    Some(match name {
        "int8_t" => Type::I8,
        "int16_t" => Type::I16,
        "int32_t" => Type::I32,
        "int64_t" => Type::I64,
        "uint8_t" | "Py_UCS1" => Type::U8,
        "uint16_t" | "Py_UCS2" => Type::U16,
        "uint32_t" | "Py_UCS4" => Type::U32,
        "uint64_t" => Type::U64,
        "size_t" | "uintptr_t" => Type::Usize,
        "ssize_t" | "Py_ssize_t" | "Py_hash_t" | "intptr_t" | "ptrdiff_t" => Type::Isize,
        _ => return rust_scalar(name),
    })
}

/// capreg's own scalar names, and Rust's `core::ffi` aliases.
fn rust_scalar(name: &str) -> Option<Type> {
    Some(match name {
        "void" | "c_void" => Type::Void,
        "bool" => Type::Bool,
        "i8" | "c_schar" => Type::I8,
        "i16" | "c_short" => Type::I16,
        "i32" | "c_int" => Type::I32,
        "i64" | "c_longlong" => Type::I64,
        "u8" | "c_uchar" => Type::U8,
        "u16" | "c_ushort" => Type::U16,
        "u32" | "c_uint" => Type::U32,
        "u64" | "c_ulonglong" => Type::U64,
        "isize" => Type::Isize,
        "usize" => Type::Usize,
        "f32" | "c_float" => Type::F32,
        "f64" | "c_double" => Type::F64,
        "char" | "c_char" => c_char_type(),
        "c_long" => int_type(8 * std::mem::size_of::<c_long>(), false),
        "c_ulong" => int_type(8 * std::mem::size_of::<c_long>(), true),
        _ => return None,
    })
}

/// An opaque named type. CPython's struct tags name the same types as its typedefs. The words
/// that start capreg's form of a function pointer are no type names: `fn(fn)` would not read
/// back.
fn opaque(name: String) -> Parsed<Type> {
    Ok(Type::Named(match name.as_str() {
        "_object" => "PyObject".to_owned(),
        "_typeobject" => "PyTypeObject".to_owned(),
        "fn" | "unsafe" | "extern" | "Option" => {
            return Err(format!("'{}' is not a type name", shown(&name)))
        }
        _ => name,
    }))
}

/// How many pointer levels `ty` has at its top.
fn pointer_depth(ty: &Type) -> usize {
    let mut depth = 0;
    let mut at = ty;
    while let Type::Ptr { pointee, .. } = at {
        depth += 1;
        at = pointee;
    }
    depth
}
