//! Resolving the recorded frames of the orders a check reports.
//!
//! A record's frames are offsets into the executable named by its header
//! (see [`image`](super::image)). They are resolved against that file with
//! `addr2line`, each executable loaded once per check, and only when its
//! build id is still the recorded one: a rebuilt or removed executable
//! would name the wrong functions, so its frames are shown as recorded,
//! with the reason.
//!
//! Resolving needs the `cli` feature (the tool's), so that a test crate
//! that only records does not build addr2line's loader; without it the
//! frames stay addresses, and say why.

use std::collections::HashMap;
use std::io;
use std::path::Path;

use super::image::identify;
use super::merge::Evidence;
use crate::report::Backtrace;

/// The executables loaded so far, by path and recorded build id.
#[derive(Default)]
pub(super) struct Symbolizer {
    binaries: HashMap<(String, Option<String>), Result<Binary, String>>,
}

/// An executable whose debug information is loaded.
#[cfg_attr(not(feature = "cli"), allow(dead_code))]
struct Binary {
    #[cfg(feature = "cli")]
    loader: addr2line::Loader,
    /// Added to a recorded offset to give an address of the file.
    #[cfg(feature = "cli")]
    first_vaddr: u64,
}

impl Symbolizer {
    /// Resolves the frames of `evidence` into its backtrace, or notes why
    /// they stay addresses.
    pub(super) fn resolve(&mut self, evidence: &mut Evidence) {
        if evidence.edge.frames.is_empty() || !evidence.edge.backtrace.is_empty() {
            return;
        }
        let Some(process) = evidence.process.clone() else {
            evidence.unresolved = Some("its file has no usable header to name the executable".to_owned());
            return;
        };
        let key = (process.exe.clone(), process.build_id.clone());
        let binary =
            self.binaries.entry(key).or_insert_with(|| Binary::load(&process.exe, process.build_id.as_deref()));
        match binary {
            Ok(binary) => evidence.edge.backtrace = binary.resolve(&evidence.edge.frames).lines(),
            Err(reason) => evidence.unresolved = Some(reason.clone()),
        }
    }
}

impl Binary {
    /// Loads `exe` if it is still the build `build_id`.
    fn load(exe: &str, build_id: Option<&str>) -> Result<Binary, String> {
        let path = Path::new(exe);
        let identity = identify(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => format!("the executable {exe} is gone"),
            _ => format!("cannot read the executable {exe}: {e}"),
        })?;
        let Some(recorded) = build_id else {
            return Err(format!("the record names no build of {exe} to check it against"));
        };
        if identity.build_id != recorded {
            return Err(format!(
                "the executable {exe} has changed since it was recorded (build {recorded}, now {})",
                identity.build_id
            ));
        }
        Binary::open(exe, identity.first_vaddr)
    }

    #[cfg(feature = "cli")]
    fn open(exe: &str, first_vaddr: u64) -> Result<Binary, String> {
        let loader =
            addr2line::Loader::new(exe).map_err(|e| format!("cannot load the debug information of {exe}: {e}"))?;
        Ok(Binary { loader, first_vaddr })
    }

    #[cfg(not(feature = "cli"))]
    fn open(_exe: &str, _first_vaddr: u64) -> Result<Binary, String> {
        Err("resolving needs lockorder's `cli` feature; `lockorder check` resolves them".to_owned())
    }

    #[cfg(not(feature = "cli"))]
    fn resolve(&self, _offsets: &[u64]) -> Backtrace {
        Backtrace::default()
    }

    /// The trimmed stack of the return addresses at `offsets`.
    #[cfg(feature = "cli")]
    fn resolve(&self, offsets: &[u64]) -> Backtrace {
        let mut symbols = Vec::new();
        for &offset in offsets {
            // A return address: the call is the instruction before it.
            let probe = (offset + self.first_vaddr).saturating_sub(1);
            let before = symbols.len();
            if let Ok(mut frames) = self.loader.find_frames(probe) {
                while let Ok(Some(frame)) = frames.next() {
                    let function = frame.function.as_ref().and_then(|f| f.raw_name().ok()).map(|name| demangle(&name));
                    let (file, line) = match frame.location {
                        Some(location) => (location.file.map(std::path::PathBuf::from), location.line),
                        None => (None, None),
                    };
                    symbols.push((function, file, line));
                }
            }
            if symbols.len() == before {
                // No debug information here: the symbol table may still
                // name the function.
                symbols.push((self.loader.find_symbol(probe).map(demangle), None, None));
            }
        }
        Backtrace::trimmed(symbols.into_iter())
    }
}

/// A symbol's name as backtraces show it: demangled, without its hash.
#[cfg(feature = "cli")]
fn demangle(name: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(name))
}
