//! What each consumer asked for and what it got: the memory behind `python -m capreg check`.
//!
//! One entry per (kind, requester, API, requirement or version), updated in place, so a consumer
//! that resolves in a loop costs one lock and one hash lookup per call, never a new entry.

use std::collections::hash_map::{DefaultHasher, Entry as MapEntry};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

/// At most this many distinct entries are kept; later new ones are counted, not stored.
const CAPACITY: usize = 4096;

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
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.seq += 1;
        let seq = state.seq;
        let len = state.entries.len();
        match state.entries.entry(key) {
            MapEntry::Occupied(mut e) => {
                let entry = e.get_mut();
                entry.seq = seq;
                match ok {
                    true if entry.error.is_none() => {}
                    true => (entry.outcome, entry.error) = (Some(describe()), None),
                    false => (entry.outcome, entry.error) = (None, Some(describe())),
                }
            }
            MapEntry::Vacant(e) if len < CAPACITY => {
                let (outcome, error) = if ok {
                    (Some(describe()), None)
                } else {
                    (None, Some(describe()))
                };
                e.insert(JournalEntry {
                    seq,
                    kind,
                    requester: requester.to_owned(),
                    api: api.to_owned(),
                    detail: detail.to_owned(),
                    outcome,
                    error,
                });
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
