//! The rendering of a [`ClassCycle`], in the manner of the crate's
//! [`Violation`](crate::Violation) report.

use std::fmt;

use super::cycles::ClassCycle;
use super::merge::Evidence;

/// Frames of a backtrace shown per report of an order; the rest are
/// counted.
const SHOWN_FRAMES: usize = 16;

impl fmt::Display for ClassCycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "lockorder: potential deadlock between lock classes")?;
        writeln!(f)?;
        let mut line: Vec<&str> = self.classes().map(|c| c.label.as_str()).collect();
        line.push(&self.edges()[0].from().label);
        writeln!(f, "    cycle: {}", line.join(" -> "))?;
        if self.is_within_one_class() {
            writeln!(f)?;
            writeln!(
                f,
                "    a lock of class {} was acquired while another lock of the same class was held;",
                self.edges()[0].from()
            )?;
            writeln!(f, "    two threads doing so with two such locks in opposite orders deadlock.")?;
            writeln!(f, "    If the nesting is intended, give the inner lock a nesting level (a subclass).")?;
        }
        writeln!(f)?;
        for (i, edge) in self.edges().iter().enumerate() {
            let processes = count_files(edge.evidence());
            let seen = if processes == 1 { "1 process".to_owned() } else { format!("{processes} processes") };
            writeln!(f, "  [{}] {} -> {}  (seen by {seen})", i + 1, edge.from(), edge.to())?;
            for evidence in edge.evidence() {
                write_evidence(f, evidence)?;
            }
            writeln!(f)?;
        }
        write_scenario(f, self)
    }
}

fn write_evidence(f: &mut fmt::Formatter<'_>, evidence: &Evidence) -> fmt::Result {
    let edge = evidence.edge();
    match &edge.test {
        Some(test) => write!(f, "      - test `{test}` on thread `{}`", edge.thread)?,
        None => write!(f, "      - thread `{}`", edge.thread)?,
    }
    match evidence.process() {
        Some(process) => writeln!(f, ", process {} ({})", process.pid, process.exe)?,
        None => writeln!(f, ", an unknown process (its file has no usable header)")?,
    }
    writeln!(
        f,
        "        held {} (acquired at {}) and then acquired {} at {}",
        edge.from, edge.from_site, edge.to, edge.to_site
    )?;
    writeln!(f, "        recorded at {}:{}", evidence.file().display(), evidence.line())?;
    if let Some(reason) = evidence.unresolved() {
        writeln!(f, "        backtrace, unresolved ({reason}): offsets into the executable")?;
        for (i, offset) in edge.frames.iter().take(SHOWN_FRAMES).enumerate() {
            writeln!(f, "        {i:>3}: {offset:#x}")?;
        }
        if edge.frames.len() > SHOWN_FRAMES {
            writeln!(f, "             ... {} more frames", edge.frames.len() - SHOWN_FRAMES)?;
        }
        return Ok(());
    }
    if edge.backtrace.is_empty() {
        return writeln!(f, "        no backtrace recorded");
    }
    writeln!(f, "        backtrace:")?;
    for (i, frame) in edge.backtrace.iter().take(SHOWN_FRAMES).enumerate() {
        writeln!(f, "        {i:>3}: {frame}")?;
    }
    if edge.backtrace.len() > SHOWN_FRAMES {
        writeln!(f, "             ... {} more frames", edge.backtrace.len() - SHOWN_FRAMES)?;
    }
    Ok(())
}

/// One row per order: who holds which class and waits for the next.
fn write_scenario(f: &mut fmt::Formatter<'_>, cycle: &ClassCycle) -> fmt::Result {
    writeln!(f, "  possible deadlock scenario:")?;
    writeln!(f)?;
    if let [edge] = cycle.edges() {
        let who = edge.evidence().first().map(who).unwrap_or_else(|| "a thread".to_owned());
        writeln!(f, "      {who} holds one lock of class {} and waits for another;", edge.from())?;
        writeln!(f, "      another thread holds that other lock and waits for the first")?;
    } else {
        for edge in cycle.edges() {
            let who = edge.evidence().first().map(who).unwrap_or_else(|| "a thread".to_owned());
            writeln!(f, "      {who} holds {} and waits for {}", edge.from(), edge.to())?;
        }
    }
    writeln!(f)?;
    writeln!(f, "      *** DEADLOCK ***")
}

/// `test `name``, or `thread `name`` when the test is not known.
fn who(evidence: &Evidence) -> String {
    match &evidence.edge().test {
        Some(test) => format!("test `{test}`"),
        None => format!("thread `{}`", evidence.edge().thread),
    }
}

/// How many distinct files (one per process) the evidence comes from.
fn count_files(evidence: &[Evidence]) -> usize {
    let mut files: Vec<_> = evidence.iter().map(Evidence::file).collect();
    files.sort();
    files.dedup();
    files.len()
}
