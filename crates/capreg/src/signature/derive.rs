//! Signatures derived from Rust types: a declaration or import table states its functions as
//! Rust function pointer types, and their signatures come from those, so they cannot drift.

use std::ffi::c_void;

use super::{Signature, Type};

/// A Rust type that has a meaning in the signature language. Implemented for the scalars,
/// raw pointers, `c_void`, C-ABI function pointers and (through [`opaque_type!`](crate::opaque_type))
/// opaque named types, so a signature can only be derived from types that cross a C boundary.
pub trait CType {
    fn c_type() -> Type;
}

macro_rules! scalar_ctype {
    ($($rust:ty => $variant:expr),* $(,)?) => {
        $(impl CType for $rust {
            fn c_type() -> Type {
                $variant
            }
        })*
    };
}

scalar_ctype! {
    () => Type::Void, c_void => Type::Void, bool => Type::Bool,
    i8 => Type::I8, i16 => Type::I16, i32 => Type::I32, i64 => Type::I64,
    u8 => Type::U8, u16 => Type::U16, u32 => Type::U32, u64 => Type::U64,
    isize => Type::Isize, usize => Type::Usize, f32 => Type::F32, f64 => Type::F64,
}

impl<T: CType + ?Sized> CType for *const T {
    fn c_type() -> Type {
        Type::Ptr {
            mutable: false,
            pointee: Box::new(T::c_type()),
        }
    }
}

impl<T: CType + ?Sized> CType for *mut T {
    fn c_type() -> Type {
        Type::Ptr {
            mutable: true,
            pointee: Box::new(T::c_type()),
        }
    }
}

/// A C-ABI function pointer type: what a declaration may publish and an import may bind.
///
/// # Safety
/// Implementors must be function pointer types with the C calling convention, so that
/// converting to and from [`capreg_abi::capreg_fn`] preserves the function.
pub unsafe trait ExternFn: Copy + Send + Sync + 'static {
    fn signature() -> Signature;
    /// Erases the type, as the C ABI carries it.
    fn erase(self) -> capreg_abi::capreg_fn;
    /// Restores the type.
    ///
    /// # Safety
    /// `f` must be a function whose real signature is `Self::signature()`.
    unsafe fn restore(f: unsafe extern "C" fn()) -> Self;
}

impl<F: ExternFn> CType for Option<F> {
    fn c_type() -> Type {
        Type::Fn(Box::new(F::signature()))
    }
}

macro_rules! extern_fn_impls {
    ($($arg:ident),*) => {
        extern_fn_impls!(@one [extern "C" fn($($arg),*) -> R] $($arg),*);
        extern_fn_impls!(@one [unsafe extern "C" fn($($arg),*) -> R] $($arg),*);
    };
    (@one [$($fnty:tt)*] $($arg:ident),*) => {
        // SAFETY: a C-ABI function pointer type; fn pointers are all the same size.
        unsafe impl<R: CType + 'static, $($arg: CType + 'static),*> ExternFn for $($fnty)* {
            fn signature() -> Signature {
                Signature { params: vec![$($arg::c_type()),*], ret: R::c_type() }
            }
            fn erase(self) -> capreg_abi::capreg_fn {
                // SAFETY: function pointer to function pointer of the same size; the C ABI only
                // carries it, and `restore` gives it back its type.
                Some(unsafe { std::mem::transmute::<Self, unsafe extern "C" fn()>(self) })
            }
            unsafe fn restore(f: unsafe extern "C" fn()) -> Self {
                // SAFETY: the caller promises `f` has this type (checked by signature at resolve).
                unsafe { std::mem::transmute::<unsafe extern "C" fn(), Self>(f) }
            }
        }
        impl<R: CType + 'static, $($arg: CType + 'static),*> CType for $($fnty)* {
            fn c_type() -> Type {
                Type::Fn(Box::new(<Self as ExternFn>::signature()))
            }
        }
    };
}

extern_fn_impls!();
extern_fn_impls!(A);
extern_fn_impls!(A, B);
extern_fn_impls!(A, B, C);
extern_fn_impls!(A, B, C, D);
extern_fn_impls!(A, B, C, D, E);
extern_fn_impls!(A, B, C, D, E, F);
extern_fn_impls!(A, B, C, D, E, F, G);
extern_fn_impls!(A, B, C, D, E, F, G, H);
extern_fn_impls!(A, B, C, D, E, F, G, H, I);
extern_fn_impls!(A, B, C, D, E, F, G, H, I, J);
extern_fn_impls!(A, B, C, D, E, F, G, H, I, J, K);
extern_fn_impls!(A, B, C, D, E, F, G, H, I, J, K, L);

/// Declares that a Rust type stands for an opaque named C type in signatures:
/// `capreg::opaque_type!(WildsortCtx = "wildsort_ctx");`
#[macro_export]
macro_rules! opaque_type {
    ($($rust:ty = $name:literal),* $(,)?) => {
        $(impl $crate::signature::CType for $rust {
            fn c_type() -> $crate::signature::Type {
                $crate::signature::Type::Named(::std::string::String::from($name))
            }
        })*
    };
}
