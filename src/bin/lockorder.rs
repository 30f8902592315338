//! `lockorder`: checks the lock-order records of many processes for cycles
//! between lock classes, and draws them.
//!
//! The logic lives in `lockorder::record`; this file parses arguments,
//! prints, and chooses the exit status.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use clap::{Parser, Subcommand};
use lockorder::record::Merged;

const EXIT_STATUS: &str = "\
Exit status:
  0  no cycle between lock classes (check), or the picture was written (dot)
  1  check found at least one cycle
  2  usage error, or the record directory could not be read (missing,
     not a directory, or no *.jsonl record files), or output failed

Damaged lines in record files are reported on standard error as
`file:line: message`, skipped, and do not change the exit status.";

/// Checks the lock-order records that test processes wrote with
/// LOCKORDER_RECORD=<dir>, and draws them.
#[derive(Debug, Parser)]
#[command(name = "lockorder", version, after_help = EXIT_STATUS)]
struct Cli {
    #[command(subcommand)]
    command: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Merge the record files in DIR and report every cycle between lock
    /// classes, with the tests that saw each order.
    #[command(after_help = EXIT_STATUS)]
    Check {
        /// The directory the tests wrote their records to.
        dir: PathBuf,
    },
    /// Write a Graphviz DOT picture of the class graph in DIR, cycles in red.
    ///
    /// The DOT text goes to FILE with --output, else to standard output
    /// unless --svg is given.
    #[command(after_help = EXIT_STATUS)]
    Dot {
        /// The directory the tests wrote their records to.
        dir: PathBuf,
        /// Write the DOT text to FILE.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also render the picture to FILE as SVG with Graphviz `dot`.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
    },
}

/// The exit status of a usage or directory error.
const FAILURE: u8 = 2;

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Action::Check { dir } => check(&dir),
        Action::Dot { dir, output, svg } => dot(&dir, output.as_deref(), svg.as_deref()),
    };
    result.unwrap_or_else(|message| {
        eprintln!("lockorder: error: {message}");
        ExitCode::from(FAILURE)
    })
}

fn check(dir: &Path) -> Result<ExitCode, String> {
    let merged = read(dir)?;
    let cycles = merged.cycles();
    let mut out = io::stdout().lock();
    let mut print = || -> io::Result<()> {
        for cycle in &cycles {
            writeln!(out, "{cycle}")?;
        }
        writeln!(out, "{}", merged.summary())?;
        out.flush()
    };
    print().map_err(|e| format!("cannot write the report: {e}"))?;
    Ok(if cycles.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn dot(dir: &Path, output: Option<&Path>, svg: Option<&Path>) -> Result<ExitCode, String> {
    let text = read(dir)?.picture().to_string();
    match output {
        Some(path) => fs::write(path, &text).map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None if svg.is_none() => {
            let mut out = io::stdout().lock();
            out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(|e| format!("cannot write: {e}"))?;
        }
        None => {}
    }
    if let Some(svg) = svg {
        render_svg(&text, svg)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads `dir`, printing each problem met to standard error.
fn read(dir: &Path) -> Result<Merged, String> {
    let merged = Merged::read_dir(dir).map_err(|e| e.to_string())?;
    for problem in merged.problems() {
        eprintln!("{problem}");
    }
    Ok(merged)
}

/// Runs `dot -Tsvg -o <svg>` on the DOT text.
fn render_svg(text: &str, svg: &Path) -> Result<(), String> {
    let mut child = Command::new("dot").arg("-Tsvg").arg("-o").arg(svg).stdin(Stdio::piped()).spawn().map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            "cannot render SVG: Graphviz `dot` is not installed (not found on PATH); \
             write the DOT text with --output and render it elsewhere"
                .to_owned()
        } else {
            format!("cannot run Graphviz `dot`: {e}")
        }
    })?;
    let written = child.stdin.take().expect("stdin is piped").write_all(text.as_bytes());
    let status = child.wait().map_err(|e| format!("cannot run Graphviz `dot`: {e}"))?;
    written.map_err(|e| format!("cannot send the picture to Graphviz `dot`: {e}"))?;
    if !status.success() {
        return Err(format!("Graphviz `dot -Tsvg` failed ({status})"));
    }
    Ok(())
}
