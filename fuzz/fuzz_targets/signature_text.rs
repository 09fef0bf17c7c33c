//! The signature parser on arbitrary text, both spellings (run with fuzz/signature.dict):
//! no text crashes it, a refused text gets a message, and a text that parses round-trips
//! through its printed form (`check_parsed`).
#![no_main]

use capreg::Signature;
use capreg_fuzz::{check_parsed, check_refused};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = Signature::parse(&text);
    match &parsed {
        Ok(sig) => check_parsed(&text, sig),
        Err(e) => check_refused(&text, &e.to_string()),
    }
    // The cache gives what the parser gives. Short texts only: the cache keeps up to 65,536
    // entries, and that many long ones would be most of the fuzzer's memory limit.
    if text.len() <= 256 {
        let cached = Signature::parse_cached(&text).map(|sig| (*sig).clone());
        assert_eq!(
            cached, parsed,
            "{text:?}: the cache disagrees with the parser"
        );
    }
});
