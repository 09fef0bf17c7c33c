//! A program with no Python at all: it opens libwildsort — the very file the `wildsort` wheel
//! ships and the Python registry loads — resolves the functions it needs by name and signature
//! with the same version and signature checks, and sorts.
//!
//! Usage: sort-without-python PATH/TO/libwildsort.so [NUMBER...]

use std::process::ExitCode;

capreg::import_api! {
    /// What this program uses of wildsort 1.x.
    struct Wildsort: "wildsort" "^1.0" as "sort-without-python" {
        fn sort_i64: unsafe extern "C" fn(*mut i64, usize) -> i32;
        fn sort_f64: unsafe extern "C" fn(*mut f64, usize) -> i32;
        fn version: extern "C" fn() -> u32;
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(library) = args.next() else {
        eprintln!("usage: sort-without-python PATH/TO/libwildsort.so [NUMBER...]");
        return ExitCode::from(2);
    };
    // SAFETY: the user names a wildsort provider library; loading it runs only its own
    // initialisers.
    let wildsort = match unsafe { Wildsort::from_library(&library) } {
        Ok(api) => api,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let words: Vec<String> = args.collect();
    let mut ints: Vec<i64> = Vec::new();
    let mut floats: Vec<f64> = Vec::new();
    for word in &words {
        match (word.parse::<i64>(), word.parse::<f64>()) {
            (Ok(i), _) => ints.push(i),
            (_, Ok(f)) => floats.push(f),
            _ => {
                eprintln!("not a number: {word}");
                return ExitCode::from(2);
            }
        }
    }
    let v = (wildsort.version)();
    println!(
        "wildsort {}.{}.{} from {library}",
        v >> 16,
        (v >> 8) & 0xff,
        v & 0xff
    );
    // SAFETY: live buffers of exactly those lengths.
    let status = unsafe {
        (wildsort.sort_i64)(ints.as_mut_ptr(), ints.len())
            | (wildsort.sort_f64)(floats.as_mut_ptr(), floats.len())
    };
    if status != 0 {
        eprintln!("wildsort failed with status {status}");
        return ExitCode::FAILURE;
    }
    println!("ints:   {ints:?}");
    println!("floats: {floats:?}");
    ExitCode::SUCCESS
}
