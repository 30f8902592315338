//! The class graph merged from the record files of many processes.
//!
//! Nodes are classes, keyed by id (the first label seen is kept); an edge
//! `from -> to` exists once however many processes saw it, and carries one
//! [`Evidence`] per line that reported it.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};

use super::format::{Class, EdgeLine, ProcessLine};
use super::read::{read_file, record_files, FileRecords};
use super::{Problem, RecordError};
use crate::Picture;

/// One process's report of one order: the line that said it, and what it
/// said.
///
/// # Examples
///
/// See [`ClassCycle`](super::ClassCycle).
#[derive(Clone, Debug)]
pub struct Evidence {
    file: Arc<Path>,
    line: usize,
    pub(super) process: Option<Arc<ProcessLine>>,
    pub(super) edge: EdgeLine,
    /// Why the recorded frames could not be resolved, when they could not.
    pub(super) unresolved: Option<String>,
}

impl Evidence {
    /// The record file the order was read from.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The line of the file (counted from 1).
    pub fn line(&self) -> usize {
        self.line
    }

    /// The process that wrote the file, or `None` when the file's header
    /// was damaged or missing.
    pub fn process(&self) -> Option<&ProcessLine> {
        self.process.as_deref()
    }

    /// The line as written: classes, sites, thread, test and backtrace;
    /// in the evidence of a [`ClassCycle`](super::ClassCycle), with its
    /// recorded [`frames`](EdgeLine::frames) resolved into its
    /// [`backtrace`](EdgeLine::backtrace) when they could be.
    pub fn edge(&self) -> &EdgeLine {
        &self.edge
    }

    /// Why the order's recorded frames were not resolved, in the evidence
    /// of a [`ClassCycle`](super::ClassCycle): the executable is gone, was
    /// rebuilt since (another build id), could not be read, or this build
    /// of lockorder lacks the `cli` feature that resolves. The frames
    /// are then shown as recorded, as offsets into the executable.
    pub fn unresolved(&self) -> Option<&str> {
        self.unresolved.as_deref()
    }
}

/// The lock classes and orders of every record file of a directory, and the
/// problems met reading them.
///
/// # Examples
///
/// ```
/// use lockorder::record::{Class, EdgeLine, Merged, Writer};
///
/// let dir = std::env::temp_dir().join(format!("lockorder-doc-merged-{}", std::process::id()));
/// // Two processes (here: two files), each seeing one order.
/// for (from, to) in [("a", "b"), ("b", "a")] {
///     Writer::create(&dir)?.append(&EdgeLine {
///         from: Class::named(from),
///         to: Class::named(to),
///         from_site: format!("src/{from}.rs:1:1"),
///         to_site: format!("src/{to}.rs:1:1"),
///         thread: "main".into(),
///         test: Some(format!("{from}{to}")),
///         backtrace: Vec::new(),
///         frames: Vec::new(),
///     })?;
/// }
///
/// let merged = Merged::read_dir(&dir).unwrap();
/// assert!(merged.problems().is_empty());
/// let cycles = merged.cycles();
/// assert_eq!(cycles.len(), 1);
/// assert!(cycles[0].to_string().contains("a -> b -> a"));
/// assert_eq!(merged.summary().cycles, 1);
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Merged {
    pub(super) graph: DiGraph<Class, Vec<Evidence>>,
    nodes: HashMap<String, NodeIndex>,
    edges: HashMap<(NodeIndex, NodeIndex), EdgeIndex>,
    files: usize,
    processes: usize,
    problems: Vec<Problem>,
}

impl Merged {
    /// Reads and merges every record file (`*.jsonl`) of `dir`, in file
    /// name order.
    ///
    /// A line that cannot be used (damaged JSON, an unknown `"type"`, a
    /// header of another format version, a truncated last line) becomes a
    /// [`Problem`] and reading goes on; a file whose header is damaged
    /// still contributes its edge lines.
    ///
    /// # Errors
    ///
    /// A [`RecordError`] when `dir` does not exist, is not a directory,
    /// cannot be listed, or holds no `*.jsonl` file.
    ///
    /// # Examples
    ///
    /// See [`Merged`].
    pub fn read_dir(dir: impl AsRef<Path>) -> Result<Merged, RecordError> {
        let mut merged = Merged {
            graph: DiGraph::new(),
            nodes: HashMap::new(),
            edges: HashMap::new(),
            files: 0,
            processes: 0,
            problems: Vec::new(),
        };
        for path in record_files(dir.as_ref())? {
            let records = read_file(&path, &mut merged.problems);
            merged.add_file(records);
        }
        Ok(merged)
    }

    fn add_file(&mut self, records: FileRecords) {
        self.files += 1;
        if records.process.is_some() {
            self.processes += 1;
        }
        for (line, edge) in records.edges {
            let from = self.node(&edge.from);
            let to = self.node(&edge.to);
            let index = *self.edges.entry((from, to)).or_insert_with(|| self.graph.add_edge(from, to, Vec::new()));
            let evidence =
                Evidence { file: records.path.clone(), line, process: records.process.clone(), edge, unresolved: None };
            self.graph[index].push(evidence);
        }
    }

    /// The order `from -> to`, if any process saw it.
    pub(super) fn edge_between(&self, from: NodeIndex, to: NodeIndex) -> Option<EdgeIndex> {
        self.edges.get(&(from, to)).copied()
    }

    fn node(&mut self, class: &Class) -> NodeIndex {
        if let Some(&index) = self.nodes.get(&class.id) {
            return index;
        }
        let index = self.graph.add_node(class.clone());
        self.nodes.insert(class.id.clone(), index);
        index
    }

    /// The problems met reading the files, in file and line order.
    ///
    /// # Examples
    ///
    /// See [`Problem`].
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// How much was read and found.
    ///
    /// # Examples
    ///
    /// See [`Merged`].
    pub fn summary(&self) -> Summary {
        Summary {
            files: self.files,
            processes: self.processes,
            classes: self.graph.node_count(),
            edges: self.graph.edge_count(),
            problems: self.problems.len(),
            cycles: self.cycle_count(),
        }
    }

    /// A picture of the class graph: every class, labelled, and every
    /// order, those that lie on a cycle highlighted (every order between
    /// two classes of one strongly connected component, and every order of
    /// a class to itself).
    ///
    /// # Examples
    ///
    /// ```
    /// use lockorder::record::{Class, EdgeLine, Merged, Writer};
    ///
    /// let dir = std::env::temp_dir().join(format!("lockorder-doc-picture-{}", std::process::id()));
    /// Writer::create(&dir)?.append(&EdgeLine {
    ///     from: Class::named("a"),
    ///     to: Class::named("b"),
    ///     from_site: "src/a.rs:1:1".into(),
    ///     to_site: "src/b.rs:1:1".into(),
    ///     thread: "main".into(),
    ///     test: None,
    ///     backtrace: Vec::new(),
    ///     frames: Vec::new(),
    /// })?;
    /// let dot = Merged::read_dir(&dir).unwrap().picture().to_string();
    /// assert!(dot.contains(r#""a" -> "b";"#));
    /// std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn picture(&self) -> Picture {
        let on_cycle = self.edges_on_cycles();
        let mut picture = Picture::new();
        for class in self.graph.node_weights() {
            picture.add_node(&class.id, &class.label);
        }
        for edge in self.graph.edge_indices() {
            let (from, to) = self.graph.edge_endpoints(edge).expect("an index from this graph");
            picture.add_edge(&self.graph[from].id, &self.graph[to].id, on_cycle[edge.index()]);
        }
        picture
    }
}

/// The counts of a check: what was read and what was found.
///
/// Its [`Display`](fmt::Display) is the one-line summary the `lockorder
/// check` tool prints last.
///
/// # Examples
///
/// See [`Merged`].
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Record files read.
    pub files: usize,
    /// Files with a usable process header.
    pub processes: usize,
    /// Distinct lock classes.
    pub classes: usize,
    /// Distinct orders between classes.
    pub edges: usize,
    /// Problems met reading the files.
    pub problems: usize,
    /// Cycles found (see [`Merged::cycles`]).
    pub cycles: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "lockorder: checked {} from {}: {}, {}, {}; {}",
            counted(self.files, "record file"),
            counted(self.processes, "process"),
            counted(self.classes, "lock class"),
            counted(self.edges, "order"),
            counted(self.problems, "problem"),
            match self.cycles {
                0 => "no cycle".to_owned(),
                n => format!("{} found", counted(n, "cycle")),
            }
        )
    }
}

/// `1 process`, `2 processes`.
fn counted(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        _ if noun.ends_with("ss") => format!("{n} {noun}es"),
        _ => format!("{n} {noun}s"),
    }
}
