//! The process's resident size, for the memory tests (each alone in its
//! binary, so that no other test allocates meanwhile).

/// Resident bytes of this process, from `/proc/self/statm`.
pub(crate) fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}
