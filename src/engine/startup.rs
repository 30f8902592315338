//! What the first lock of the process starts.

/// The first id of the process is being handed out: starts the watchdog
/// if `LOCKORDER_WATCHDOG` asks for it, and says, once, that
/// `LOCKORDER_RECORD` is set in a build that cannot record (the variable
/// would otherwise be ignored without a word).
#[cold]
pub(super) fn first_lock_of_the_process() {
    super::watchdog::start_from_env();
    #[cfg(not(feature = "record"))]
    if std::env::var_os("LOCKORDER_RECORD").is_some() {
        crate::report::to_stderr(
            "lockorder: LOCKORDER_RECORD is set, but lockorder was built without its `record` feature: \
             nothing is recorded (add `features = [\"record\"]` to the lockorder dependency)",
        );
    }
}
