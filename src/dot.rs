//! Graphviz DOT pictures of a lock-order graph.
//!
//! [`Picture`] is a small neutral description (labelled nodes, edges, which
//! edges lie on a cycle) that any graph of the crate can be turned into;
//! its `Display` is the DOT text. Output is sorted, so the same graph gives
//! the same text.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The attributes that highlight a cycle, on its edges and its nodes.
const CYCLE_STYLE: &str = "color=red, penwidth=2";

/// A lock-order graph to draw: nodes with labels, and edges, some marked as
/// lying on a cycle.
///
/// Its [`Display`](fmt::Display) is a Graphviz DOT `digraph`: one box per
/// node showing its label, the edges on a cycle and their nodes drawn in
/// red. Quotes, backslashes and line breaks in ids and labels are escaped.
///
/// # Examples
///
/// ```
/// use lockorder::Picture;
///
/// let mut picture = Picture::new();
/// picture.add_node("accounts", "accounts");
/// picture.add_node("src/audit.rs:3:9", "audit \"log\"");
/// picture.add_edge("accounts", "src/audit.rs:3:9", true);
/// picture.add_edge("src/audit.rs:3:9", "accounts", true);
///
/// let dot = picture.to_string();
/// assert!(dot.starts_with("digraph lockorder {"));
/// assert!(dot.contains(r#""src/audit.rs:3:9" [label="audit \"log\"", color=red, penwidth=2];"#));
/// assert!(dot.contains(r#""accounts" -> "src/audit.rs:3:9" [color=red, penwidth=2];"#));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Picture {
    /// Label by node id.
    nodes: BTreeMap<String, String>,
    /// Whether each `(from, to)` edge lies on a cycle.
    edges: BTreeMap<(String, String), bool>,
}

impl Picture {
    /// An empty picture.
    ///
    /// # Examples
    ///
    /// ```
    /// let empty = lockorder::Picture::new().to_string();
    /// assert!(empty.starts_with("digraph lockorder {") && empty.trim_end().ends_with('}'));
    /// ```
    pub fn new() -> Picture {
        Picture::default()
    }

    /// Adds the node `id`, shown as `label` (a node added again takes the
    /// new label).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut picture = lockorder::Picture::new();
    /// picture.add_node("src/db.rs:10:5", "pool");
    /// assert!(picture.to_string().contains(r#""src/db.rs:10:5" [label="pool"];"#));
    /// ```
    pub fn add_node(&mut self, id: impl Into<String>, label: impl Into<String>) {
        self.nodes.insert(id.into(), label.into());
    }

    /// Adds the edge `from -> to`, highlighted when `on_cycle`. An edge
    /// added twice is drawn once, highlighted if either said so. A node
    /// that was not added is drawn with its id as label.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut picture = lockorder::Picture::new();
    /// picture.add_edge("a", "b", false);
    /// let dot = picture.to_string();
    /// assert!(dot.contains(r#""a" -> "b";"#));
    /// assert!(dot.contains(r#""b" [label="b"];"#));
    /// ```
    pub fn add_edge(&mut self, from: impl Into<String>, to: impl Into<String>, on_cycle: bool) {
        *self.edges.entry((from.into(), to.into())).or_insert(false) |= on_cycle;
    }

    /// The ids of the nodes that an edge on a cycle touches.
    fn nodes_on_cycles(&self) -> BTreeSet<&str> {
        self.edges
            .iter()
            .filter(|(_, on_cycle)| **on_cycle)
            .flat_map(|((from, to), _)| [from.as_str(), to.as_str()])
            .collect()
    }
}

impl fmt::Display for Picture {
    /// The DOT text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let on_cycles = self.nodes_on_cycles();
        let mut nodes: BTreeMap<&str, &str> =
            self.nodes.iter().map(|(id, label)| (id.as_str(), label.as_str())).collect();
        for (from, to) in self.edges.keys() {
            nodes.entry(from).or_insert(from);
            nodes.entry(to).or_insert(to);
        }
        writeln!(f, "digraph lockorder {{")?;
        writeln!(f, "    node [shape=box, fontname=\"monospace\"];")?;
        for (id, label) in nodes {
            write!(f, "    \"{}\" [label=\"{}\"", Escaped(id), Escaped(label))?;
            if on_cycles.contains(id) {
                write!(f, ", {CYCLE_STYLE}")?;
            }
            writeln!(f, "];")?;
        }
        for ((from, to), on_cycle) in &self.edges {
            write!(f, "    \"{}\" -> \"{}\"", Escaped(from), Escaped(to))?;
            if *on_cycle {
                write!(f, " [{CYCLE_STYLE}]")?;
            }
            writeln!(f, ";")?;
        }
        writeln!(f, "}}")
    }
}

/// Text for the inside of a DOT double-quoted string.
struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => {}
                c => write!(f, "{c}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Escaped;

    #[test]
    fn quotes_backslashes_and_line_breaks_are_escaped() {
        assert_eq!(Escaped("a \"b\" \\ c\r\nd").to_string(), r#"a \"b\" \\ c\nd"#);
    }
}
