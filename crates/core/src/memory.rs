//! Giving freed memory back to the system after a large piece of work.
//!
//! glibc keeps what a worker thread frees in that thread's arena for reuse;
//! after a job that unpacked a whole history (insights, a lineage of every
//! notebook), hundreds of megabytes stay resident though nothing uses them.

/// Returns the free memory of every arena to the system (glibc only; a no-op
/// elsewhere).
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers and only releases free pages.
    unsafe {
        libc::malloc_trim(0);
    }
}
