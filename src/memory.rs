//! How much freed memory the allocator keeps. glibc's malloc, left alone, kept what bursts of
//! large work had freed: each thread's arena (up to 8 per core) holds on to its free pages, and
//! after the first large block is freed the mmap threshold rises to its size, so later exports
//! and password hashes (19 MiB each) came from arenas and stayed there — bench/memory.sh saw
//! 2.9 GB after its route mix. Tuned here and trimmed (after exports, and every second), the
//! process goes back near its size at start. Elsewhere (no glibc) these do nothing.

/// Sets glibc's malloc for a long-running server, unless its `MALLOC_ARENA_MAX`,
/// `MALLOC_MMAP_THRESHOLD_` or `MALLOC_TRIM_THRESHOLD_` say otherwise: few arenas, and fixed
/// thresholds, so that large blocks are mapped apart and given back when freed. And trims every
/// `TRIM_EVERY`: what many small blocks freed amid live ones left in the arenas (a burst of
/// region summaries, say) goes back too, whichever route it came from.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let unset = |name: &str| std::env::var_os(name).is_none();
        // SAFETY: mallopt only changes the allocator's parameters; any value is accepted or
        // refused (returning 0), never undefined.
        unsafe {
            if unset("MALLOC_ARENA_MAX") {
                libc::mallopt(libc::M_ARENA_MAX, ARENAS);
            }
            if unset("MALLOC_MMAP_THRESHOLD_") {
                libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            }
            if unset("MALLOC_TRIM_THRESHOLD_") {
                libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
            }
        }
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let trimmer = std::thread::Builder::new()
            .name("malloc-trim".into())
            .spawn(|| loop {
                std::thread::sleep(TRIM_EVERY);
                release();
            });
        if let Err(error) = trimmer {
            tracing::warn!(%error, "no malloc-trim thread: freed memory stays with the process");
        }
    }
}

/// A trim walks the arenas in about a millisecond: once a second costs nothing measurable.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
/// Arenas for all threads: the blocking threads mostly wait for the database, so a couple are
/// enough to keep them from contending, and each more holds its own free pages.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const ARENAS: libc::c_int = 2;
/// Blocks from 256 KiB up get their own mapping (glibc's default start is 128 KiB, which it
/// raises up to 32 MiB as blocks are freed).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 256 * 1024;
/// Free memory at an arena's top beyond this goes back to the system at once.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: libc::c_int = 4 * 1024 * 1024;

/// Gives the free pages of every arena back to the system: called after large work (an export,
/// a password hash) has freed what it took. It walks the arenas, which costs about a
/// millisecond, so only after work that costs far more.
pub fn release() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory; it is thread-safe like malloc itself.
    unsafe {
        libc::malloc_trim(0);
    }
}
