//! The global lock-order graph.
//!
//! Invariants: the graph of live nodes is acyclic; `nodes` maps every live
//! id in the graph to its node and `edges` every `(from, to)` pair of live
//! ids to its edge (petgraph's `add_edge` does not deduplicate). Searches are iterative breadth-first
//! searches, so a chain of any length cannot overflow a stack, and the
//! first path found is a shortest one. Edges refused for closing a cycle
//! are remembered apart (`refused`), only to be drawn by [`LockGraph::picture`];
//! they leave with either of their locks. The same type holds the graph of
//! lock classes, keyed by class id.
//!
//! A dropped lock's node is retired, not removed: it leaves `nodes` and
//! `edges`, searches pass it by (so a cycle through retired nodes means
//! nothing), and the petgraph graph is rebuilt without retired nodes once
//! they outnumber the live ones. petgraph unlinks a
//! removed node's edges from its neighbours' lists, which costs the
//! neighbours' degrees: dropping the many locks ordered before one shared
//! lock took time quadratic in their number.
//!
//! petgraph's `Acyclic` wrapper is not used: its cycle check walks the graph
//! with a recursive depth-first search, which overflows the stack on long
//! chains. A breadth-first search from the new edge's target answers the
//! same question and also yields the shortest cycle for the report.

use std::collections::VecDeque;
use std::panic::Location;
use std::sync::Arc;

use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use petgraph::visit::{EdgeRef, IntoEdgeReferences};
use petgraph::Direction;
use rustc_hash::{FxHashMap, FxHashSet};

use super::id::LockId;
use super::Access;
use crate::report::{LockInfo, Trace};
use crate::Picture;

/// What is known of one edge: where both locks were acquired, by which
/// thread, and the stack of the second acquisition. Shared by every edge a
/// thread creates at the same pair of sites.
#[derive(Debug)]
pub(super) struct EdgeRecord {
    pub(super) from_site: &'static Location<'static>,
    pub(super) to_site: &'static Location<'static>,
    /// How the `from` lock was held and the `to` lock acquired: a property
    /// of the two sites (each a call of one method), kept for the verbs of
    /// reports (`read`, `write`).
    pub(super) accesses: (Access, Access),
    pub(super) thread: Arc<str>,
    /// The tokio task that made the edge, if a task did.
    pub(super) task: Option<crate::report::TaskName>,
    pub(super) trace: Arc<Trace>,
}

/// The record of an edge, as kept in the graph and the registry.
pub(super) type Evidence = Arc<EdgeRecord>;

/// One edge of a path found in the graph.
#[derive(Clone, Debug)]
pub(super) struct PathEdge {
    pub(super) from: (LockId, LockInfo),
    pub(super) to: (LockId, LockInfo),
    pub(super) record: Evidence,
}

#[derive(Debug)]
struct Node {
    id: LockId,
    lock: LockInfo,
    /// Retired: its lock was dropped.
    retired: bool,
}

#[derive(Debug, Default)]
pub(super) struct LockGraph {
    graph: StableDiGraph<Node, Evidence>,
    nodes: FxHashMap<LockId, NodeIndex>,
    edges: FxHashMap<(LockId, LockId), EdgeIndex>,
    /// Edges refused because they would have closed a cycle: only drawn.
    refused: FxHashSet<(LockId, LockId)>,
    /// Live nodes on a cycle that refused an edge: when one goes, that
    /// refusal may no longer stand (see [`LockGraph::remove`]).
    on_refusing_cycle: FxHashSet<LockId>,
    search: Search,
}

/// Below this many retired nodes the graph is never rebuilt.
const MIN_REBUILD: usize = 1024;

/// Scratch space of the breadth-first search, reused between searches.
#[derive(Debug, Default)]
struct Search {
    epoch: u32,
    seen: Vec<u32>,
    reached_by: Vec<EdgeIndex>,
    queue: VecDeque<NodeIndex>,
}

impl LockGraph {
    pub(super) fn add_node(&mut self, id: LockId, lock: LockInfo) -> NodeIndex {
        *self.nodes.entry(id).or_insert_with(|| self.graph.add_node(Node { id, lock, retired: false }))
    }

    /// Adds `from -> to` unless it is there already; `Ok(true)` when it is
    /// new. When the edge would close a cycle (or is a loop), it is not
    /// added and the path `to -> .. -> from` already in the graph is
    /// returned (left empty unless `report`).
    pub(super) fn add_edge(
        &mut self,
        from: (LockId, LockInfo),
        to: (LockId, LockInfo),
        record: Evidence,
        report: bool,
    ) -> Result<bool, Vec<PathEdge>> {
        if self.edges.contains_key(&(from.0, to.0)) {
            return Ok(false);
        }
        let a = self.add_node(from.0, from.1);
        let b = self.add_node(to.0, to.1);
        if self.search(b, a) {
            self.refused.insert((from.0, to.0));
            self.mark_refusing_cycle(b, a);
            return Err(if report { self.path(b, a) } else { Vec::new() });
        }
        let edge = self.graph.add_edge(a, b, record);
        self.edges.insert((from.0, to.0), edge);
        Ok(true)
    }

    /// Removes a dropped lock's node and every edge touching it: the node
    /// is retired at once, and the graph rebuilt when retired nodes
    /// outnumber live ones. Returns whether the node was on a cycle that
    /// refused an edge: that edge may be legitimate now.
    pub(super) fn remove(&mut self, id: LockId) -> bool {
        let Some(node) = self.nodes.remove(&id) else { return false };
        for direction in [Direction::Outgoing, Direction::Incoming] {
            for edge in self.graph.edges_directed(node, direction) {
                let key = (self.graph[edge.source()].id, self.graph[edge.target()].id);
                self.edges.remove(&key);
            }
        }
        self.graph[node].retired = true;
        // Every node of `graph` not in `nodes` is retired.
        let retired = self.graph.node_count() - self.nodes.len();
        if retired >= MIN_REBUILD && retired > self.nodes.len() {
            self.rebuild();
        }
        if !self.refused.is_empty() {
            self.refused.retain(|&(from, to)| from != id && to != id);
        }
        self.on_refusing_cycle.remove(&id)
    }

    /// Notes the nodes of the path `start -> .. -> goal` found by the last
    /// [`Self::search`] as being on a refusing cycle.
    fn mark_refusing_cycle(&mut self, start: NodeIndex, goal: NodeIndex) {
        let mut node = goal;
        loop {
            self.on_refusing_cycle.insert(self.graph[node].id);
            if node == start {
                break;
            }
            let edge = self.search.reached_by[node.index()];
            let Some((source, _)) = self.graph.edge_endpoints(edge) else { break };
            node = source;
        }
    }

    /// A new petgraph graph holding only the live nodes and the edges
    /// between them.
    fn rebuild(&mut self) {
        let old = std::mem::take(&mut self.graph);
        let mut fresh = StableDiGraph::with_capacity(self.nodes.len(), self.edges.len());
        let mut moved: FxHashMap<NodeIndex, NodeIndex> = FxHashMap::default();
        for index in old.node_indices() {
            let node = &old[index];
            if !node.retired {
                moved.insert(index, fresh.add_node(Node { id: node.id, lock: node.lock, retired: false }));
            }
        }
        for edge in old.edge_references() {
            if let (Some(&a), Some(&b)) = (moved.get(&edge.source()), moved.get(&edge.target())) {
                let key = (fresh[a].id, fresh[b].id);
                self.edges.insert(key, fresh.add_edge(a, b, edge.weight().clone()));
            }
        }
        for index in self.nodes.values_mut() {
            *index = moved[index];
        }
        self.graph = fresh;
        self.search = Search::default();
    }

    /// The graph as a picture: every lock by name or creation site, every
    /// order, and in red the orders refused for closing a cycle and the
    /// cycles they closed.
    pub(super) fn picture(&mut self) -> Picture {
        let mut picture = Picture::new();
        for node in self.graph.node_weights().filter(|node| !node.retired) {
            picture.add_node(node.id.to_string(), node.lock.to_string());
        }
        let mut on_cycle = FxHashSet::default();
        for (from, to) in self.refused.clone() {
            let (Some(&a), Some(&b)) = (self.nodes.get(&from), self.nodes.get(&to)) else { continue };
            if self.search(b, a) {
                on_cycle.extend(self.path(b, a).iter().map(|p| (p.from.0, p.to.0)));
            }
            picture.add_edge(from.to_string(), to.to_string(), true);
        }
        for edge in (&self.graph).edge_references() {
            let (from, to) = (self.graph[edge.source()].id, self.graph[edge.target()].id);
            if !self.edges.contains_key(&(from, to)) {
                continue;
            }
            picture.add_edge(from.to_string(), to.to_string(), on_cycle.contains(&(from, to)));
        }
        picture
    }

    /// Live nodes.
    pub(super) fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Edges between live nodes.
    pub(super) fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// Breadth-first search from `start`; `true` when `goal` is reached,
    /// with `reached_by` then holding a shortest path.
    fn search(&mut self, start: NodeIndex, goal: NodeIndex) -> bool {
        let s = &mut self.search;
        s.epoch = s.epoch.wrapping_add(1);
        if s.epoch == 0 {
            s.seen.fill(0);
            s.epoch = 1;
        }
        s.queue.clear();
        s.queue.push_back(start);
        s.mark(start, EdgeIndex::end());
        if start == goal {
            return true;
        }
        while let Some(node) = s.queue.pop_front() {
            for edge in self.graph.edges_directed(node, Direction::Outgoing) {
                let next = edge.target();
                if s.is_seen(next) || self.graph[next].retired {
                    continue;
                }
                s.mark(next, edge.id());
                if next == goal {
                    return true;
                }
                s.queue.push_back(next);
            }
        }
        false
    }

    /// The path `start -> .. -> goal` found by the last [`Self::search`].
    fn path(&self, start: NodeIndex, goal: NodeIndex) -> Vec<PathEdge> {
        let mut path = Vec::new();
        let mut node = goal;
        while node != start {
            let edge = self.search.reached_by[node.index()];
            let Some((source, target)) = self.graph.edge_endpoints(edge) else { break };
            let (from, to) = (&self.graph[source], &self.graph[target]);
            path.push(PathEdge { from: (from.id, from.lock), to: (to.id, to.lock), record: self.graph[edge].clone() });
            node = source;
        }
        path.reverse();
        path
    }
}

impl Search {
    fn is_seen(&self, node: NodeIndex) -> bool {
        self.seen.get(node.index()) == Some(&self.epoch)
    }

    /// Marks `node` seen, reached by `edge`. The scratch grows on demand:
    /// petgraph's `node_bound` scans vacant slots, too slow to ask each time.
    fn mark(&mut self, node: NodeIndex, edge: EdgeIndex) {
        let i = node.index();
        if i >= self.seen.len() {
            let len = (i + 1).next_power_of_two();
            self.seen.resize(len, 0);
            self.reached_by.resize(len, EdgeIndex::end());
        }
        self.seen[i] = self.epoch;
        self.reached_by[i] = edge;
    }
}

impl LockGraph {
    pub(super) fn lock_info(&self, id: LockId) -> Option<LockInfo> {
        self.nodes.get(&id).map(|&n| self.graph[n].lock)
    }
}
