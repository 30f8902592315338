//! How a [`ViolationKind::HeldAcrossAwait`] report reads: a blocking lock
//! held by a task that is suspended, seen either at the suspension (in a
//! `scope`) or when something else runs on the task's thread.

use std::fmt;

use super::{Suspension, Violation};
#[cfg(doc)]
use crate::ViolationKind;

impl Violation {
    pub(super) fn write_held_across_await(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.edges.iter().map(|e| e.from.to_string()).collect();
        let names = names.join(", ");
        let what = if self.edges.len() == 1 { "a blocking lock" } else { "blocking locks" };
        let (holder, other) = match self.suspension.as_deref() {
            Some(Suspension { holder, next, contended }) => {
                let runs = if *contended { "asks for it" } else { "runs" };
                writeln!(
                    f,
                    "lockorder: potential deadlock: {holder} is suspended at an .await while it holds {names}, {what}, \
                     and {next} {runs} on its thread `{}`",
                    self.thread
                )?;
                (holder.clone(), next.clone())
            }
            None => {
                writeln!(
                    f,
                    "lockorder: potential deadlock: {} is suspended at an .await while it holds {names}, {what}",
                    self.who_suspended()
                )?;
                ("this task".to_owned(), format!("another task on thread `{}`", self.thread))
            }
        };
        writeln!(f)?;
        writeln!(f, "    held across await: {names}")?;
        writeln!(f)?;
        for (i, e) in self.edges.iter().enumerate() {
            writeln!(f, "  [{}] {}  (held across an .await)", i + 1, e.from)?;
            writeln!(f, "      {holder} holds {} (acquired at {}) and is suspended", e.from, e.from_acquired_at)?;
        }
        match self.suspension.as_deref() {
            Some(Suspension { next, .. }) => {
                let attempt = self.attempt();
                writeln!(f, "      {next} then acquires {} at {}", attempt.to, attempt.to_acquired_at)?;
                writeln!(f, "      backtrace of {next}'s acquisition:")?;
            }
            None => writeln!(f, "      backtrace of the await:")?,
        }
        write!(f, "{}", self.attempt().backtrace())?;
        writeln!(f)?;
        writeln!(f, "  locks held by {holder} (on thread `{}`):", self.thread)?;
        for held in &self.held {
            writeln!(f, "      {} ({}, acquired at {})", held.lock, held.access, held.acquired_at)?;
        }
        writeln!(f)?;
        let first = &self.edges[0].from;
        let rows = [
            (format!("lock {first}"), String::new()),
            (format!(".await (suspended, {first} still locked)"), String::new()),
            (String::new(), format!("lock {first} (blocks the thread)")),
            ("(never polled again: its thread is blocked)".to_owned(), String::new()),
        ];
        let width = rows.iter().map(|r| r.0.len()).chain([holder.len()]).max().unwrap_or(0) + 6;
        writeln!(f, "  possible deadlock scenario:")?;
        writeln!(f)?;
        writeln!(f, "      {holder:<width$}{other}")?;
        writeln!(f, "      {:<width$}{}", "-".repeat(holder.len()), "-".repeat(other.len()))?;
        for (left, right) in rows {
            writeln!(f, "{}", format!("      {left:<width$}{right}").trim_end())?;
        }
        writeln!(f)?;
        writeln!(f, "      *** DEADLOCK ***")
    }

    /// The suspended task of a report made at its suspension.
    fn who_suspended(&self) -> String {
        match self.task {
            Some(task) => format!("{task} on thread `{}`", self.thread),
            None => format!("a task on thread `{}`", self.thread),
        }
    }
}
