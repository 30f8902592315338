//! Resolved, trimmed backtraces for reports.
//!
//! Stacks are captured unresolved by the engine (cheap) and resolved here,
//! only when a report is built. Frames of lockorder itself, of the backtrace
//! machinery and of the Rust runtime are trimmed so that a report shows the
//! user's code.

use std::fmt;

use once_cell::sync::OnceCell;

/// A resolved backtrace of one acquisition, trimmed to the user's frames.
///
/// # Examples
///
/// ```
/// # if lockorder::enabled() {
/// use lockorder::sync::Mutex;
///
/// let violation = std::sync::Arc::new(std::sync::Mutex::new(None));
/// let seen = violation.clone();
/// // Run a re-acquisition under a handler that keeps the report, and
/// // catch the panic the default policy raises.
/// lockorder::set_handler(move |v| *seen.lock().unwrap() = Some(v.clone()));
/// let lock = Mutex::new(());
/// let _guard = lock.lock().unwrap();
/// let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| lock.lock()));
/// lockorder::clear_handler();
/// let v = violation.lock().unwrap().take().unwrap();
/// assert!(v.edges()[0].backtrace().functions().count() > 0);
/// # }
/// ```
#[derive(Clone, Default)]
pub struct Backtrace {
    frames: Vec<Frame>,
    /// The stack runs a thread-local's destructor, where a panic aborts the
    /// process.
    in_thread_local_destructor: bool,
}

#[derive(Clone)]
struct Frame {
    function: String,
    file: Option<String>,
    line: Option<u32>,
}

/// Symbol prefixes that belong to this crate, its backtrace machinery or the
/// runtime (Rust's, the test harness's, tokio's scheduler) rather than to
/// the program being debugged.
const HIDDEN_PREFIXES: &[&str] = &[
    "lockorder::",
    "<lockorder::",
    "backtrace::",
    "<backtrace::",
    "std::",
    "<std::",
    "core::",
    "<core::",
    "alloc::",
    "<alloc::",
    "test::",
    "<test::",
    // The executor: tokio's runtime (`block_on`, schedulers, the task
    // harness), `LocalSet` and the machinery under them; not the futures
    // a task awaits (`yield_now`, `sleep`, ..), which are the user's await.
    "tokio::runtime::",
    "<tokio::runtime::",
    "tokio::task::local::",
    "<tokio::task::local::",
    "tokio::task::coop::",
    "<tokio::task::coop::",
    "tokio::loom::",
    "tokio::util::",
    "<tokio::util::",
    "tokio::macros::",
    "__rust",
    "_start",
    "__libc",
    "start_thread",
    "clone",
    "rust_begin_unwind",
    // The test harness calling a test function.
    "<fn()",
];

/// Frames below this one are the runtime's thread or test start-up.
const STACK_BOTTOM: &str = "__rust_begin_short_backtrace";

/// Functions that run thread-local destructors (std's, glibc's, macOS's),
/// and only those: std's `thread_local::native::` also holds the
/// initializers (`Storage::get_or_init`), where a panic is fine.
const THREAD_LOCAL_DESTRUCTORS: &[&str] = &[
    "thread_local::abort_on_dtor_unwind",
    "thread_local::native::lazy::destroy",
    "thread_local::native::eager::destroy",
    "thread_local::os::destroy_value",
    "thread_local::destructors::",
    "thread_local::guard::",
    "thread_local::key::windows::run_dtors",
    "thread_local::key::xous::run_dtors",
    "__call_tls_dtors",
    "_tlv_exit",
];

/// A stack captured unresolved, resolved (and trimmed) the first time a
/// report needs it. Shared by every edge and report that shows it.
pub(crate) struct Trace {
    raw: backtrace::Backtrace,
    resolved: OnceCell<Backtrace>,
}

impl Trace {
    /// Captures the current stack, unresolved (cheap).
    #[inline(never)]
    pub(crate) fn capture() -> Trace {
        Trace { raw: capture_raw(), resolved: OnceCell::new() }
    }

    /// A stack captured elsewhere, not resolved yet.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn from_raw(raw: backtrace::Backtrace) -> Trace {
        Trace { raw, resolved: OnceCell::new() }
    }

    /// The return address of each frame, innermost first, unresolved.
    #[cfg_attr(not(feature = "record"), allow(dead_code))]
    pub(crate) fn addresses(&self) -> impl Iterator<Item = usize> + '_ {
        self.raw.frames().iter().map(|f| f.ip() as usize)
    }

    /// The trimmed, resolved stack.
    pub(crate) fn resolved(&self) -> &Backtrace {
        self.resolved.get_or_init(|| Backtrace::resolve(&self.raw))
    }
}

/// The current stack, unresolved: where every captured stack comes from.
///
/// Under Miri it is empty. Miri's unwinder names every frame as it
/// captures, which made a test that records a few orders take ten times as
/// long, and its stacks show interpreter frames that no test looks at. The
/// capture is the backtrace crate's code, not ours; everything that keeps,
/// shares, resolves and trims the stacks still runs (over no frames).
#[inline(always)]
pub(crate) fn capture_raw() -> backtrace::Backtrace {
    if cfg!(miri) {
        Vec::<backtrace::BacktraceFrame>::new().into()
    } else {
        backtrace::Backtrace::new_unresolved()
    }
}

impl fmt::Debug for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Trace")
    }
}

impl Backtrace {
    fn resolve(captured: &backtrace::Backtrace) -> Backtrace {
        if captured.frames().is_empty() {
            // Nothing to resolve, and no working directory to ask for (as
            // under Miri, whose isolation refuses `getcwd`).
            return Backtrace::default();
        }
        let mut captured = captured.clone();
        captured.resolve();
        let symbols = captured.frames().iter().flat_map(|frame| frame.symbols()).map(|symbol| {
            let function = symbol.name().map(|name| format!("{name:#}"));
            (function, symbol.filename().map(std::path::Path::to_path_buf), symbol.lineno())
        });
        Backtrace::trimmed(symbols)
    }

    /// The frames of `symbols` (function, file, line; innermost first,
    /// inlined frames each their own), trimmed to the user's code: above
    /// the runtime's start-up, without this crate's frames, the backtrace
    /// machinery's and the runtime's, and with files shown relative to the
    /// working directory when under it.
    pub(crate) fn trimmed(
        symbols: impl Iterator<Item = (Option<String>, Option<std::path::PathBuf>, Option<u32>)>,
    ) -> Backtrace {
        let here = std::env::current_dir().ok();
        let mut frames = Vec::new();
        let mut in_thread_local_destructor = false;
        for (function, file, line) in symbols {
            let Some(function) = function else { continue };
            if function.contains(STACK_BOTTOM) {
                break;
            }
            if THREAD_LOCAL_DESTRUCTORS.iter().any(|f| function.contains(f)) {
                in_thread_local_destructor = true;
                continue;
            }
            if HIDDEN_PREFIXES.iter().any(|p| function.starts_with(p)) {
                continue;
            }
            frames.push(Frame {
                function,
                file: file.map(|f| {
                    let relative = here.as_deref().and_then(|here| f.strip_prefix(here).ok());
                    relative.unwrap_or(&f).display().to_string()
                }),
                line,
            });
        }
        Backtrace { frames, in_thread_local_destructor }
    }

    /// Whether the stack runs a thread-local's destructor.
    pub(crate) fn in_thread_local_destructor(&self) -> bool {
        self.in_thread_local_destructor
    }

    /// The function names of the frames, innermost first.
    pub fn functions(&self) -> impl Iterator<Item = &str> + '_ {
        self.frames.iter().map(|f| f.function.as_str())
    }

    /// One line per frame, `function (file:line)` when the place is known.
    #[cfg_attr(not(feature = "record"), allow(dead_code))]
    pub(crate) fn lines(&self) -> Vec<String> {
        let line = |f: &Frame| match (&f.file, f.line) {
            (Some(file), Some(line)) => format!("{} ({file}:{line})", f.function),
            _ => f.function.clone(),
        };
        self.frames.iter().map(line).collect()
    }

    /// Whether trimming left no frame (for example when debug symbols are
    /// missing).
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }
}

impl fmt::Display for Backtrace {
    /// One numbered line per frame, with its file and line when known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.frames.is_empty() {
            return writeln!(f, "        (no frames outside lockorder and the runtime)");
        }
        for (i, frame) in self.frames.iter().enumerate() {
            write!(f, "      {i:>3}: {}", frame.function)?;
            if let (Some(file), Some(line)) = (&frame.file, frame.line) {
                write!(f, "\n             at {file}:{line}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Backtrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.functions()).finish()
    }
}
