//! Finding the cycles of the merged class graph.
//!
//! The strongly connected components come from `kosaraju_scc`, whose
//! depth-first searches keep their stack on the heap (petgraph's
//! `tarjan_scc` recurses), so a graph of a million classes cannot overflow
//! the stack. Each component of more than one class yields one cycle: the
//! shortest through its first class (by id), found breadth-first; each
//! order of a class to itself yields a cycle of one class.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};

use petgraph::algo::kosaraju_scc;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::format::Class;
use super::merge::{Evidence, Merged};
use super::symbolize::Symbolizer;

/// A part of the graph that holds a cycle.
enum CyclicPart {
    /// A strongly connected component of more than one class.
    Component(Vec<NodeIndex>),
    /// An order of a class to itself.
    SelfOrder(NodeIndex),
}

/// A cycle of orders between lock classes: running its orders on different
/// threads at once can deadlock.
///
/// Its [`Display`](std::fmt::Display) is the full report: the cycle in one
/// line, then for each order every process that saw it, with the test,
/// the thread, both acquisition sites and the backtrace.
///
/// # Examples
///
/// ```
/// use lockorder::record::{Class, EdgeLine, Merged, Writer};
///
/// let dir = std::env::temp_dir().join(format!("lockorder-doc-cycle-{}", std::process::id()));
/// for (from, to, test) in [("a", "b", "ab"), ("b", "a", "ba")] {
///     Writer::create(&dir)?.append(&EdgeLine {
///         from: Class::named(from),
///         to: Class::named(to),
///         from_site: format!("src/{test}.rs:1:1"),
///         to_site: format!("src/{test}.rs:2:1"),
///         thread: test.into(),
///         test: Some(test.into()),
///         backtrace: vec![format!("tests::{test} (src/{test}.rs:2)")],
///         frames: Vec::new(),
///     })?;
/// }
///
/// let cycle = Merged::read_dir(&dir).unwrap().cycles().remove(0);
/// let classes: Vec<&str> = cycle.classes().map(|c| c.label.as_str()).collect();
/// assert_eq!(classes, ["a", "b"]);
/// let second = &cycle.edges()[1];
/// assert_eq!((second.from().id.as_str(), second.to().id.as_str()), ("b", "a"));
/// assert_eq!(second.evidence()[0].edge().test.as_deref(), Some("ba"));
///
/// let report = cycle.to_string();
/// assert!(report.starts_with("lockorder: potential deadlock between lock classes"));
/// assert!(report.contains("cycle: a -> b -> a"));
/// assert!(report.contains("test `ba`"));
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ClassCycle {
    edges: Vec<ClassEdge>,
}

/// One order of a [`ClassCycle`]: a lock of class `from` was held when a
/// lock of class `to` was acquired, as each [`Evidence`] says.
///
/// # Examples
///
/// See [`ClassCycle`].
#[derive(Clone, Debug)]
pub struct ClassEdge {
    from: Class,
    to: Class,
    evidence: Vec<Evidence>,
}

impl ClassCycle {
    /// The orders of the cycle in order: each order's `to` is the next
    /// one's `from`, and the last one's `to` is the first one's `from`.
    pub fn edges(&self) -> &[ClassEdge] {
        &self.edges
    }

    /// The classes of the cycle in order, each once: `a, b` for
    /// `a -> b -> a`.
    pub fn classes(&self) -> impl Iterator<Item = &Class> + '_ {
        self.edges.iter().map(|e| &e.from)
    }

    /// Whether this is an order of a class to itself: a lock taken while
    /// another lock of its class was held, with no nesting level to tell
    /// them apart.
    pub fn is_within_one_class(&self) -> bool {
        self.edges.len() == 1
    }
}

impl ClassEdge {
    /// The class of the lock that was held.
    pub fn from(&self) -> &Class {
        &self.from
    }

    /// The class of the lock acquired while `from` was held.
    pub fn to(&self) -> &Class {
        &self.to
    }

    /// Every report of this order, in file order.
    pub fn evidence(&self) -> &[Evidence] {
        &self.evidence
    }
}

impl Merged {
    /// Every cycle between lock classes: one shortest cycle per strongly
    /// connected component of more than one class, and one per class
    /// ordered after itself; sorted by the ids of their classes.
    ///
    /// # Examples
    ///
    /// See [`ClassCycle`].
    pub fn cycles(&self) -> Vec<ClassCycle> {
        let mut cycles: Vec<ClassCycle> = self
            .cyclic_parts()
            .map(|part| match part {
                CyclicPart::Component(nodes) => self.cycle_through(&nodes),
                CyclicPart::SelfOrder(node) => self.cycle_of(&[node]),
            })
            .collect();
        cycles.sort_by(|a, b| a.classes().map(|c| &c.id).cmp(b.classes().map(|c| &c.id)));
        let mut symbolizer = Symbolizer::default();
        for evidence in cycles.iter_mut().flat_map(|c| &mut c.edges).flat_map(|e| &mut e.evidence) {
            symbolizer.resolve(evidence);
        }
        cycles
    }

    /// How many cycles [`Merged::cycles`] finds, without finding them.
    pub(super) fn cycle_count(&self) -> usize {
        self.cyclic_parts().count()
    }

    /// Whether each edge (by index) lies on a cycle.
    pub(super) fn edges_on_cycles(&self) -> Vec<bool> {
        let mut on_cycle = vec![false; self.graph.edge_count()];
        let mut component_of = vec![usize::MAX; self.graph.node_count()];
        for (i, part) in self.cyclic_parts().enumerate() {
            match part {
                CyclicPart::Component(nodes) => nodes.iter().for_each(|n| component_of[n.index()] = i),
                CyclicPart::SelfOrder(_) => {}
            }
        }
        for edge in self.graph.edge_references() {
            let (from, to) = (edge.source().index(), edge.target().index());
            on_cycle[edge.id().index()] =
                from == to || (component_of[from] != usize::MAX && component_of[from] == component_of[to]);
        }
        on_cycle
    }

    /// The components of more than one class, then the orders of a class
    /// to itself.
    fn cyclic_parts(&self) -> impl Iterator<Item = CyclicPart> + '_ {
        let components = kosaraju_scc(&self.graph).into_iter().filter(|c| c.len() > 1).map(CyclicPart::Component);
        let self_orders = self
            .graph
            .edge_references()
            .filter(|e| e.source() == e.target())
            .map(|e| CyclicPart::SelfOrder(e.source()));
        components.chain(self_orders)
    }

    /// The shortest cycle through the first class (by id) of a strongly
    /// connected component, found breadth-first within the component.
    fn cycle_through(&self, component: &[NodeIndex]) -> ClassCycle {
        let by_id = |n: &NodeIndex| &self.graph[*n].id;
        let start = *component.iter().min_by_key(|n| by_id(n)).expect("a component has a class");
        let inside: HashSet<NodeIndex> = component.iter().copied().collect();
        let mut parent: HashMap<NodeIndex, NodeIndex> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        while let Some(node) = queue.pop_front() {
            let mut next: Vec<NodeIndex> = self.graph.neighbors(node).filter(|n| inside.contains(n)).collect();
            next.sort_by_key(|n| by_id(n));
            next.dedup();
            for successor in next {
                if successor == start {
                    if node == start {
                        continue; // An order of the class to itself: a cycle of its own.
                    }
                    let mut path = vec![node];
                    while let Some(&before) = parent.get(path.last().expect("not empty")) {
                        path.push(before);
                    }
                    path.reverse();
                    return self.cycle_of(&path);
                }
                if let Entry::Vacant(slot) = parent.entry(successor) {
                    slot.insert(node);
                    queue.push_back(successor);
                }
            }
        }
        unreachable!("a strongly connected component of more than one class has a cycle through each class")
    }

    /// The cycle `path[0] -> path[1] -> .. -> path[0]`, with its evidence.
    fn cycle_of(&self, path: &[NodeIndex]) -> ClassCycle {
        let edges = path
            .iter()
            .zip(path.iter().cycle().skip(1))
            .map(|(&from, &to)| {
                let index = self.edge_between(from, to).expect("consecutive classes of a cycle are ordered");
                ClassEdge {
                    from: self.graph[from].clone(),
                    to: self.graph[to].clone(),
                    evidence: self.graph[index].clone(),
                }
            })
            .collect();
        ClassCycle { edges }
    }
}
