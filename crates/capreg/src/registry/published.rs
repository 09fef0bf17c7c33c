//! The published model: a provider's [`Declaration`] as handed in, and the [`PublishedApi`] the
//! registry builds from it (checked, parsed, kept as C strings too, never freed), with the
//! [`Resolution`] a consumer's import table gets.

use std::ffi::CString;

use capreg_abi as abi;
use rustc_hash::FxHashMap;
use semver::Version;

use super::inputs::{check_length, check_name, parse_version, MAX_NAME_BYTES, MAX_VERSION_BYTES};
use crate::error::Error;
use crate::signature::Signature;

/// One version of one API, as a provider declares it (owned; the registry copies it).
#[derive(Clone, Debug)]
pub struct Declaration {
    pub name: String,
    pub version: String,
    pub provider: String,
    pub functions: Vec<FunctionDecl>,
}

/// One function of a [`Declaration`].
#[derive(Clone, Debug)]
pub struct FunctionDecl {
    pub name: String,
    pub signature: String,
    pub since: String,
    pub address: unsafe extern "C" fn(),
    pub flags: u32,
}

/// One entry of a consumer's import table.
#[derive(Clone, Copy, Debug)]
pub struct ImportItem<'a> {
    pub name: &'a str,
    pub signature: &'a str,
    pub optional: bool,
}

/// A published function. Its strings are kept as C strings too, for `describe`.
#[derive(Debug)]
pub struct PublishedFunction {
    pub(super) name: CString,
    pub(super) raw_signature: String,
    pub(super) signature: Signature,
    pub(super) canonical: CString,
    pub(super) since: Version,
    pub(super) since_c: CString,
    pub(super) flags: u32,
    pub(super) address: unsafe extern "C" fn(),
}

impl PublishedFunction {
    pub fn name(&self) -> &str {
        self.name.to_str().unwrap_or_default()
    }
    /// The canonical signature.
    pub fn signature(&self) -> &str {
        self.canonical.to_str().unwrap_or_default()
    }
    pub fn since(&self) -> &Version {
        &self.since
    }
    pub fn deprecated(&self) -> bool {
        self.flags & abi::CAPREG_DEPRECATED != 0
    }
    pub fn address(&self) -> unsafe extern "C" fn() {
        self.address
    }
    pub fn info(&self) -> abi::capreg_function_info {
        abi::capreg_function_info {
            name: self.name.as_ptr(),
            signature: self.canonical.as_ptr(),
            since: self.since_c.as_ptr(),
            flags: self.flags,
        }
    }
}

/// A published API version; `&'static` because it is never unpublished.
#[derive(Debug)]
pub struct PublishedApi {
    pub(super) name: CString,
    pub(super) version: Version,
    pub(super) version_c: CString,
    pub(super) provider: CString,
    pub(super) file: CString,
    pub(super) functions: Vec<PublishedFunction>,
    /// Function name -> position; FxHash: names are short and chosen by the provider.
    pub(super) index: FxHashMap<String, usize>,
}

impl PublishedApi {
    pub fn name(&self) -> &str {
        self.name.to_str().unwrap_or_default()
    }
    pub fn version(&self) -> &Version {
        &self.version
    }
    pub fn provider(&self) -> &str {
        self.provider.to_str().unwrap_or_default()
    }
    /// The file its functions were loaded from, or "" when it cannot be told.
    pub fn file(&self) -> &str {
        self.file.to_str().unwrap_or_default()
    }
    /// Every file its functions live in, each once, in the order of the functions; "" stands
    /// for functions whose file cannot be told. [`file`](Self::file) is the first function's.
    /// Asked once per publish by a registry that checks identity (`dladdr` for each function,
    /// the path made canonical once per file).
    pub fn files(&self) -> Vec<String> {
        let mut loaded: Vec<Option<String>> = Vec::new();
        for f in &self.functions {
            let name = loaded_from(f.address);
            if !loaded.contains(&name) {
                loaded.push(name);
            }
        }
        let mut files: Vec<String> = Vec::with_capacity(loaded.len());
        for name in loaded {
            let file = name.map(|n| canonical(&n)).unwrap_or_default();
            if !files.contains(&file) {
                files.push(file);
            }
        }
        files
    }
    pub fn functions(&self) -> &[PublishedFunction] {
        &self.functions
    }
    pub fn function(&self, name: &str) -> Option<&PublishedFunction> {
        self.index.get(name).map(|&i| &self.functions[i])
    }
    /// The opaque handle C callers hold.
    pub fn handle(&'static self) -> *const abi::capreg_api {
        (self as *const PublishedApi).cast()
    }
    pub fn info(&self) -> abi::capreg_api_info {
        abi::capreg_api_info {
            name: self.name.as_ptr(),
            version: self.version_c.as_ptr(),
            provider: self.provider.as_ptr(),
            file: self.file.as_ptr(),
            n_functions: self.functions.len(),
        }
    }
}

/// The outcome of a successful resolve.
#[derive(Debug)]
pub struct Resolution {
    /// One entry per import item, in order; `None` only for an absent optional item.
    pub pointers: Vec<abi::capreg_fn>,
    /// Names of the deprecated functions resolved, for the caller to warn about.
    pub deprecated: Vec<&'static str>,
}

pub(super) fn same_content(a: &PublishedApi, b: &PublishedApi) -> bool {
    a.functions.len() == b.functions.len()
        && a.functions.iter().zip(&b.functions).all(|(x, y)| {
            x.name == y.name
                && x.signature == y.signature
                && x.since == y.since
                && x.flags == y.flags
        })
}

pub(super) fn build_published(decl: Declaration) -> Result<PublishedApi, Error> {
    let bad = |problem: String| Error::bad("publish", problem);
    check_name("publish", "API name", &decl.name)?;
    check_name("publish", "provider", &decl.provider)?;
    let who = format!("'{}' publishing API '{}'", decl.provider, decl.name);
    check_length(
        "publish",
        format_args!("version of {who}"),
        &decl.version,
        MAX_VERSION_BYTES,
    )?;
    let version = parse_version(&decl.version).map_err(|e| {
        bad(format!(
            "{who}: malformed version \"{}\": {e}",
            decl.version
        ))
    })?;
    let mut functions = Vec::with_capacity(decl.functions.len());
    let mut index = FxHashMap::with_capacity_and_hasher(decl.functions.len(), Default::default());
    for (i, f) in decl.functions.into_iter().enumerate() {
        if f.name.is_empty() {
            return Err(bad(format!(
                "{who} {version}: function {i} has an empty name"
            )));
        }
        check_length(
            "publish",
            format_args!("name of function {i} of {who} {version}"),
            &f.name,
            MAX_NAME_BYTES,
        )?;
        check_length(
            "publish",
            format_args!("'since' of function '{}' of {who} {version}", f.name),
            &f.since,
            MAX_VERSION_BYTES,
        )?;
        if index.insert(f.name.clone(), i).is_some() {
            return Err(bad(format!(
                "{who} {version}: function '{}' is declared twice",
                f.name
            )));
        }
        let signature = Signature::parse(&f.signature)
            .map_err(|e| bad(format!("{who} {version}: function '{}': {e}", f.name)))?;
        let since = parse_version(&f.since).map_err(|e| {
            bad(format!(
                "{who} {version}: function '{}': malformed 'since' version \"{}\": {e}",
                f.name, f.since
            ))
        })?;
        if since > version {
            return Err(bad(format!(
                "{who} {version}: function '{}' says it was added in {since}, after this version",
                f.name
            )));
        }
        if f.flags & !abi::CAPREG_DEPRECATED != 0 {
            return Err(bad(format!(
                "{who} {version}: function '{}' has unknown flags {:#x}",
                f.name, f.flags
            )));
        }
        let nul = |s: &str, what: &str| {
            CString::new(s).map_err(|_| bad(format!("{who} {version}: {what} contains a NUL byte")))
        };
        functions.push(PublishedFunction {
            name: nul(&f.name, "a function name")?,
            canonical: nul(&signature.to_string(), "a signature")?,
            raw_signature: f.signature,
            signature,
            since_c: nul(&since.to_string(), "a version")?,
            since,
            flags: f.flags,
            address: f.address,
        });
    }
    let file = functions
        .first()
        .map(|f| file_of(f.address))
        .unwrap_or_default();
    let c =
        |s: &str| CString::new(s).map_err(|_| bad(format!("{who}: a name contains a NUL byte")));
    Ok(PublishedApi {
        name: c(&decl.name)?,
        version_c: c(&version.to_string())?,
        version,
        provider: c(&decl.provider)?,
        file: c(&file)?,
        functions,
        index,
    })
}

/// The shared object a function lives in (`dladdr`), or "" if the platform can't tell.
pub(super) fn file_of(address: unsafe extern "C" fn()) -> String {
    loaded_from(address)
        .map(|name| canonical(&name))
        .unwrap_or_default()
}

/// The path the dynamic loader gives for the object `address` lives in (`dladdr`), as it
/// gives it; `None` if it cannot tell (not a loaded object's code, or not a unix platform).
fn loaded_from(address: unsafe extern "C" fn()) -> Option<String> {
    #[cfg(unix)]
    {
        let mut info = std::mem::MaybeUninit::<libc::Dl_info>::zeroed();
        // SAFETY: dladdr only reads the address and fills `info`; zeroed is a valid Dl_info.
        let found = unsafe { libc::dladdr(address as *const libc::c_void, info.as_mut_ptr()) };
        if found != 0 {
            // SAFETY: dladdr succeeded, so `info` is initialised.
            let info = unsafe { info.assume_init() };
            if !info.dli_fname.is_null() {
                // SAFETY: dli_fname is a NUL-terminated path owned by the dynamic loader.
                let name = unsafe { std::ffi::CStr::from_ptr(info.dli_fname) };
                return name.to_str().ok().map(str::to_owned);
            }
        }
    }
    let _ = address;
    None
}

/// `path` with every link resolved, or as given if that fails.
fn canonical(path: &str) -> String {
    let path = std::path::Path::new(path);
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}
