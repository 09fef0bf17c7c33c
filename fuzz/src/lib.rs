//! What the fuzz targets share: the nesting depth of a type as capreg's limit counts it, and the
//! checks every parsed signature must pass.

use capreg::signature::{MAX_SIGNATURE_BYTES, MAX_TYPE_DEPTH};
use capreg::{Signature, Type};

/// Levels of pointers and function pointers around the deepest type in `ty`, as
/// [`MAX_TYPE_DEPTH`] counts them (`*mut *mut i8` is 2; a callback `fn(*mut u8)` is 2).
pub fn type_depth(ty: &Type) -> usize {
    match ty {
        Type::Ptr { pointee, .. } => 1 + type_depth(pointee),
        Type::Fn(sig) => 1 + signature_depth(sig),
        _ => 0,
    }
}

/// The deepest of a signature's parameter and return types.
pub fn signature_depth(sig: &Signature) -> usize {
    sig.params
        .iter()
        .chain([&sig.ret])
        .map(type_depth)
        .max()
        .unwrap_or(0)
}

/// `text` cut to at most 300 bytes, for a message.
pub fn cut(text: &str) -> &str {
    &text[..text.floor_char_boundary(300)]
}

/// The round-trip property of a signature that parsed from `text`: within the limits, and its
/// printed (canonical) form parses back to the same signature and prints the same.
pub fn check_parsed(text: &str, sig: &Signature) {
    let text = cut(text);
    let depth = signature_depth(sig);
    assert!(
        depth <= MAX_TYPE_DEPTH,
        "{text:?} parsed to a type {depth} levels deep, over the limit"
    );
    let printed = sig.to_string();
    let again = Signature::parse(&printed).unwrap_or_else(|e| {
        panic!(
            "{text:?} parsed, but its printed form {:?} does not parse: {e}",
            cut(&printed)
        )
    });
    assert_eq!(
        &again,
        sig,
        "{text:?}: its printed form {:?} parses to another signature",
        cut(&printed)
    );
    assert_eq!(
        again.to_string(),
        printed,
        "the canonical form is not a fixed point"
    );
    assert!(
        !sig.params.contains(&Type::Void),
        "{text:?}: void as a parameter"
    );
}

/// A refused signature's message: it names the limit it broke, and stays short however long
/// the text (or any word in it).
pub fn check_refused(text: &str, message: &str) {
    let short = cut(text);
    assert!(
        message.chars().count() < 600,
        "{short:?}: a message of {} characters",
        message.chars().count()
    );
    assert!(
        message.starts_with("malformed signature \""),
        "{short:?}: {message}"
    );
    if text.len() > MAX_SIGNATURE_BYTES {
        assert!(
            message.contains(&format!("limit of {MAX_SIGNATURE_BYTES} bytes")),
            "{short:?} is over the length limit, but: {message}"
        );
    }
}

/// Checks that hold for every error: a message, a C code, and accessors that do not panic.
pub fn check_error(e: &capreg::Error) {
    let message = e.to_string();
    assert!(!message.is_empty());
    let code = e.code();
    assert!((1..=10).contains(&code), "code {code}: {message}");
    let _ = (
        e.api(),
        e.requester(),
        e.requirement(),
        e.found(),
        e.provider(),
    );
    let _ = e.functions();
}

/// Every `extern "C"` function the registry fuzz targets publish: they are never called.
pub mod functions {
    // Cannot panic: empty.
    pub extern "C" fn f1() {}
    // Cannot panic: empty.
    pub extern "C" fn f2() {}
    // Cannot panic: empty.
    pub extern "C" fn f3() {}

    /// One of them, as a declaration takes it.
    pub fn address(i: u8) -> unsafe extern "C" fn() {
        [f1 as extern "C" fn(), f2, f3][usize::from(i) % 3]
    }
}

/// API and requester names the registry takes: non-empty, no surrounding space, no control
/// characters.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= capreg::registry::MAX_NAME_BYTES
        && name.trim() == name
        && !name.chars().any(char::is_control)
}

/// A request against what `registry` holds, `semver` (the crate the registry uses) as the
/// oracle: the highest published version that matches, an error exactly when none does, and
/// a bad-argument error for a bad name or requirement. Discovery finds nothing.
pub fn check_request(
    registry: &capreg::Registry,
    api: &str,
    requirement: &str,
    requester: &str,
) -> Option<&'static capreg::PublishedApi> {
    use capreg::abi;
    let mut discover = |api: &str| -> Result<capreg::Discovered, capreg::DiscoveryFailure> {
        Ok(capreg::Discovered::Undeclared(format!(
            "nothing for '{api}'"
        )))
    };
    let result = registry.request(api, requirement, requester, &mut discover);
    let valid = valid_name(api)
        && valid_name(requester)
        && requirement.len() <= capreg::registry::MAX_REQUIREMENT_BYTES
        && !requirement.trim().is_empty();
    let Some(req) = semver::VersionReq::parse(requirement)
        .ok()
        .filter(|_| valid)
    else {
        let e = result.expect_err("a bad request was served");
        assert_eq!(
            e.code(),
            abi::CAPREG_ERR_BAD_ARGUMENT,
            "{requirement:?}: {e}"
        );
        check_error(&e);
        return None;
    };
    let best = registry
        .versions(api)
        .into_iter()
        .filter(|v| req.matches(v.version()))
        .max_by(|a, b| a.version().cmp(b.version()));
    match (result, best) {
        (Ok(got), Some(best)) => {
            assert!(
                std::ptr::eq(got, best),
                "{requirement:?} got {}, the highest match is {}",
                got.version(),
                best.version()
            );
            assert_eq!(got.name(), api);
            let from_handle = registry.api_from_handle(got.handle(), "resolve").unwrap();
            assert!(std::ptr::eq(from_handle, got));
            Some(got)
        }
        (Ok(got), None) => panic!("{requirement:?} got {}, no match", got.version()),
        (Err(e), Some(best)) => panic!("{requirement:?} matches {}, but: {e}", best.version()),
        (Err(e), None) => {
            let code = e.code();
            assert!(
                code == abi::CAPREG_ERR_NOT_FOUND || code == abi::CAPREG_ERR_VERSION_MISMATCH,
                "{requirement:?}: {e}"
            );
            check_error(&e);
            None
        }
    }
}
