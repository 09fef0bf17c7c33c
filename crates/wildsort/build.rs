//! libwildsort keeps worker threads between sorts (src/pool.rs): unloading the library under
//! them would leave them running code that is gone, so it is marked never to be unloaded.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
    }
}
