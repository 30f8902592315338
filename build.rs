//! Decides, in one place, whether lock tracking is compiled in, and which
//! std APIs newer than the crate's `rust-version` it mirrors.
//!
//! Tracking is on when debug assertions are on, or when the `force` feature
//! asks for it in any profile. Everything else in the crate reads the
//! resulting `lockorder_tracking` cfg.
//!
//! `lockorder_downgrade`: std has `RwLockWriteGuard::downgrade` (Rust
//! 1.92), so `lockorder::sync::RwLockWriteGuard` has it too.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(lockorder_tracking)");
    println!("cargo::rustc-check-cfg=cfg(lockorder_downgrade)");
    println!("cargo::rerun-if-changed=build.rs");
    if autocfg::new().probe_expression("std::sync::RwLockWriteGuard::<'static, ()>::downgrade") {
        println!("cargo::rustc-cfg=lockorder_downgrade");
    }
    let debug_assertions = std::env::var_os("CARGO_CFG_DEBUG_ASSERTIONS").is_some();
    let forced = std::env::var_os("CARGO_FEATURE_FORCE").is_some();
    if debug_assertions || forced {
        println!("cargo::rustc-cfg=lockorder_tracking");
    }
}
