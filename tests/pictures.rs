//! `lockorder::graph::dot()`: the live graph, labelled, with the cycle a
//! refused order would have closed in red. Alone in its binary: it sets
//! the policy and reads the whole graph.
#![cfg(debug_assertions)]

use lockorder::sync::Mutex;
use lockorder::Policy;

fn nest(first: &Mutex<()>, second: &Mutex<()>) {
    let _first = first.lock().unwrap();
    let _second = second.lock().unwrap();
}

/// The DOT line of the edge between the nodes labelled `from` and `to`.
fn edge_line<'a>(dot: &'a str, from: &str, to: &str) -> Option<&'a str> {
    let id = |label: &str| {
        let line = dot.lines().find(|l| l.contains(&format!("[label=\"{label}\"")))?;
        Some(line.trim().split(' ').next()?.to_owned())
    };
    let (from, to) = (id(from)?, id(to)?);
    dot.lines().find(|l| l.trim().starts_with(&format!("{from} -> {to}")))
}

#[test]
fn the_picture_shows_the_orders_and_the_refused_cycle_in_red() {
    lockorder::set_policy(Policy::Ignore);
    lockorder::set_class_policy(Policy::Ignore);
    let (a, b, c, d) =
        (Mutex::new_named("a", ()), Mutex::new_named("b", ()), Mutex::new_named("c", ()), Mutex::new_named("d", ()));
    nest(&a, &b);
    nest(&b, &c);
    nest(&d, &a);
    nest(&c, &d); // refused: it would close d -> a -> b -> c -> d
    let dot = lockorder::graph::dot();
    lockorder::set_policy(Policy::Panic);

    for label in ["a", "b", "c", "d"] {
        assert!(dot.contains(&format!("[label=\"{label}\"")), "{label} is drawn:\n{dot}");
    }
    for (from, to) in [("a", "b"), ("b", "c"), ("d", "a"), ("c", "d")] {
        let line = edge_line(&dot, from, to).unwrap_or_else(|| panic!("{from} -> {to} is drawn:\n{dot}"));
        assert!(line.contains("color=red"), "{from} -> {to} is on the cycle: {line}\n{dot}");
    }

    // An order on no cycle is drawn plain.
    let e = Mutex::new_named("e", ());
    nest(&a, &e);
    nest(&e, &b); // e is now in the graph too
    let dot = lockorder::graph::dot();
    let plain = edge_line(&dot, "a", "e").unwrap_or_else(|| panic!("a -> e is drawn:\n{dot}"));
    assert!(!plain.contains("color=red"), "{plain}");

    // Dropped locks leave the picture.
    drop((a, b, c, d, e));
    let dot = lockorder::graph::dot();
    assert!(!dot.contains("[label=\"a\""), "{dot}");
}
