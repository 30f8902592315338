//! Pictures of this process's lock-order graphs, in Graphviz DOT.

/// The graph of lock instances as Graphviz DOT: every lock that has been
/// held while another was taken (locks only ever taken innermost are not
/// in the graph), labelled by name or creation site, every recorded order,
/// and in red every order refused for closing a cycle together with the
/// cycle it closed. Empty when tracking is compiled out.
///
/// Render it with `dot -Tsvg`.
///
/// # Examples
///
/// ```
/// use lockorder::sync::Mutex;
///
/// lockorder::set_policy(lockorder::Policy::Ignore);
/// let (a, b) = (Mutex::new_named("a", ()), Mutex::new_named("b", ()));
/// drop((a.lock().unwrap(), b.lock().unwrap()));
/// let _b = b.lock().unwrap();
/// let _a = a.lock().unwrap(); // b -> a: refused, drawn in red
///
/// let dot = lockorder::graph::dot();
/// assert!(dot.starts_with("digraph lockorder {"));
/// if lockorder::enabled() {
///     assert!(dot.contains(r#"[label="a", color=red"#));
/// }
/// # lockorder::set_policy(lockorder::Policy::Panic);
/// ```
pub fn dot() -> String {
    #[cfg(lockorder_tracking)]
    return crate::engine::picture().to_string();
    #[cfg(not(lockorder_tracking))]
    crate::Picture::new().to_string()
}

/// The graph of lock classes (see [`LockClass`](crate::LockClass)) as
/// Graphviz DOT, in the manner of [`dot`]. Empty when tracking is compiled
/// out.
///
/// # Examples
///
/// ```
/// let dot = lockorder::graph::class_dot();
/// assert!(dot.starts_with("digraph lockorder {"));
/// ```
pub fn class_dot() -> String {
    #[cfg(lockorder_tracking)]
    return crate::engine::class_picture().to_string();
    #[cfg(not(lockorder_tracking))]
    crate::Picture::new().to_string()
}
