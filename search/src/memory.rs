//! Process-wide memory settings, shared by the command line and the server.

/// Turns transparent huge pages off for this process. The allocator's arenas are eligible
/// for them, so a thread that touches a few KB of a fresh arena, or a key log that grows
/// into a fresh region, is given whole 2 MiB pages. Measured: with `scripts/soak`, 50
/// stalled exports grew the server by 10.5 % of RSS with huge pages and 1.5 % without, and
/// the baseline fell from 173 to 104 MB; `vidkryto validate` on the 1M-row dirty file of
/// `bench/validate.sh` peaks at 56 MB instead of 69 MB, in the same CPU time.
pub fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and changes no memory the program
    // holds; failing (an old kernel) leaves the process as it was, which is harmless.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
