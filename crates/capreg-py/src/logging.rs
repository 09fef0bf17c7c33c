//! Observability: tracing events go to stderr when `CAPREG_LOG` is set (`debug`, `info`, ...)
//! and to Python's `logging` under the logger `capreg`.
//!
//! Forwarding to Python needs the GIL. A thread that already holds it (marked by [`GilMarker`])
//! forwards every event the `capreg` logger is enabled for; any other thread forwards only
//! warnings and errors, so eight threads resolving without the GIL never contend for it.

use std::cell::Cell;
use std::fmt::Write as _;

use pyo3::prelude::*;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

thread_local! {
    static HOLDS_GIL: Cell<u32> = const { Cell::new(0) };
}

/// Marks the current thread as holding the GIL for as long as it lives.
pub struct GilMarker(());

impl GilMarker {
    pub fn new() -> GilMarker {
        HOLDS_GIL.with(|c| c.set(c.get() + 1));
        GilMarker(())
    }
}

impl Drop for GilMarker {
    fn drop(&mut self) {
        HOLDS_GIL.with(|c| c.set(c.get().saturating_sub(1)));
    }
}

pub fn install() {
    let stderr_level = std::env::var("CAPREG_LOG")
        .ok()
        .and_then(|v| v.trim().parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::OFF);
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(stderr_level),
        )
        .with(PythonLogging.with_filter(LevelFilter::DEBUG));
    // Only the first install wins; a second import in the same process keeps the first.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

struct PythonLogging;

impl<S: Subscriber> Layer<S> for PythonLogging {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let level = *event.metadata().level();
        let attached = HOLDS_GIL.with(|c| c.get() > 0);
        if !attached && level > Level::WARN {
            return;
        }
        let mut text = Text::default();
        event.record(&mut text);
        // Not attachable (finalizing, not initialised): the event is dropped, never a crash.
        let _ = Python::try_attach(|py| {
            // Keep any exception the caller is about to raise.
            let pending = PyErr::take(py);
            let _ = forward(py, level, &text.0);
            if let Some(e) = pending {
                e.restore(py);
            }
        });
    }
}

fn forward(py: Python<'_>, level: Level, text: &str) -> PyResult<()> {
    let py_level = match level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        _ => 5,
    };
    // Don't import `logging` just to drop a debug line: if nobody imported it, nobody listens.
    let modules = py.import("sys")?.getattr("modules")?;
    let logging = match modules.get_item("logging") {
        Ok(m) => m,
        Err(_) if py_level >= 30 => py.import("logging")?.into_any(),
        Err(_) => return Ok(()),
    };
    let logger = logging.call_method1("getLogger", ("capreg",))?;
    // A library's logger gets a NullHandler (the logging HOWTO's advice): without a configured
    // handler, Python's last-resort handler would print every failed request to stderr, even
    // ones the caller catches. A configured root handler still receives everything.
    static NULL_HANDLER: std::sync::Once = std::sync::Once::new();
    NULL_HANDLER.call_once(|| {
        let _ = logging
            .getattr("NullHandler")
            .and_then(|h| h.call0())
            .and_then(|h| logger.call_method1("addHandler", (h,)));
    });
    if logger
        .call_method1("isEnabledFor", (py_level,))?
        .is_truthy()?
    {
        logger.call_method1("log", (py_level, text))?;
    }
    Ok(())
}

/// `message key=value key=value`, as the stderr format writes it.
#[derive(Default)]
struct Text(String);

impl Visit for Text {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}
