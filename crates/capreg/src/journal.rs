//! What each consumer asked for and what it got: the memory behind `python -m capreg check`.
//!
//! One entry per (kind, requester, API, requirement or version), updated in place, so a consumer
//! that resolves in a loop costs one lock and one hash lookup per call, never a new entry. It is
//! bounded in entries ([`CAPACITY`]) and in bytes ([`JOURNAL_BYTES`]); beyond, new entries are
//! counted, not kept.

use std::collections::hash_map::{DefaultHasher, Entry as MapEntry};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

/// At most this many distinct entries are kept; later new ones are counted, not stored.
const CAPACITY: usize = 4096;

/// At most this many bytes of entries are kept (strings and the entry itself): names and
/// requirements come from callers, and each is already within its length limit, but thousands
/// of distinct ones must not hold more than this. A message kept is cut to [`MESSAGE_BYTES`].
pub const JOURNAL_BYTES: usize = 4 << 20;

/// The longest outcome or error message an entry keeps (as a C `capreg_error` holds).
const MESSAGE_BYTES: usize = 4096;

/// What an entry costs, erring high.
fn cost(entry: &JournalEntry) -> usize {
    std::mem::size_of::<JournalEntry>()
        + 64
        + entry.requester.len()
        + entry.api.len()
        + entry.detail.len()
        + entry.outcome.as_ref().map_or(0, String::len)
        + entry.error.as_ref().map_or(0, String::len)
}

/// A name or requirement as an entry keeps it: those over their limits were refused, and the
/// entry says so without holding all of them.
fn kept_name(text: &str) -> String {
    if text.len() <= 300 {
        text.to_owned()
    } else {
        crate::error::fit_message(text, 300)
    }
}

/// A message as an entry keeps it.
fn kept(message: String) -> String {
    if message.len() <= MESSAGE_BYTES {
        message
    } else {
        crate::error::fit_message(&message, MESSAGE_BYTES)
    }
}

/// One remembered request or resolve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalEntry {
    /// Grows with every record; tells what happened after a point in time.
    pub seq: u64,
    /// `"request"` or `"resolve"`.
    pub kind: &'static str,
    pub requester: String,
    pub api: String,
    /// The requirement (request) or the version resolved against (resolve).
    pub detail: String,
    /// What the request found (`"1.4.0 from 'provider'"`) or how many functions resolved.
    pub outcome: Option<String>,
    /// The error message, when it failed.
    pub error: Option<String>,
}

#[derive(Default)]
pub struct Journal {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    seq: u64,
    dropped: u64,
    bytes: usize,
    entries: HashMap<u64, JournalEntry>,
}

impl Journal {
    /// Records a success (`ok`) or failure; `describe` (the outcome or the error message) is
    /// called only when the entry changes.
    pub fn record(
        &self,
        kind: &'static str,
        requester: &str,
        api: &str,
        detail: &str,
        ok: bool,
        describe: &dyn Fn() -> String,
    ) {
        let mut hasher = DefaultHasher::new();
        (kind, requester, api, detail).hash(&mut hasher);
        let key = hasher.finish();
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let state = &mut *guard;
        state.seq += 1;
        let seq = state.seq;
        let (len, bytes) = (state.entries.len(), state.bytes);
        let message = || kept(describe());
        match state.entries.entry(key) {
            MapEntry::Occupied(mut e) => {
                let entry = e.get_mut();
                entry.seq = seq;
                let before = cost(entry);
                match ok {
                    true if entry.error.is_none() => {}
                    true => (entry.outcome, entry.error) = (Some(message()), None),
                    false => (entry.outcome, entry.error) = (None, Some(message())),
                }
                if bytes - before + cost(entry) > JOURNAL_BYTES {
                    // Full: the entry stays, its message does not.
                    let note = Some("(not kept: the journal is full)".to_owned());
                    match ok {
                        true => entry.outcome = note,
                        false => entry.error = note,
                    }
                }
                let after = cost(entry);
                state.bytes = bytes - before + after;
            }
            MapEntry::Vacant(e) if len < CAPACITY => {
                let (outcome, error) = if ok {
                    (Some(message()), None)
                } else {
                    (None, Some(message()))
                };
                let entry = JournalEntry {
                    seq,
                    kind,
                    requester: kept_name(requester),
                    api: kept_name(api),
                    detail: kept_name(detail),
                    outcome,
                    error,
                };
                let added = cost(&entry);
                if bytes + added <= JOURNAL_BYTES {
                    e.insert(entry);
                    state.bytes = bytes + added;
                } else {
                    state.dropped += 1;
                }
            }
            MapEntry::Vacant(_) => state.dropped += 1,
        }
    }

    /// The latest sequence number: entries recorded later have a larger `seq`.
    pub fn seq(&self) -> u64 {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).seq
    }

    /// Every entry recorded (or updated) after `since`, oldest first.
    pub fn since(&self, since: u64) -> Vec<JournalEntry> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut entries: Vec<_> = state
            .entries
            .values()
            .filter(|e| e.seq > since)
            .cloned()
            .collect();
        entries.sort_by_key(|e| e.seq);
        entries
    }
}
