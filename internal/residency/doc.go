// Package residency hands back to the kernel the pages of hsi-top's own binary that only
// its start-up used, so its resident set is what the running program touches.
//
// A Go binary maps its code and read-only data from the executable (18 MB for hsi-top).
// Start-up — package initialisation, flags, configuration, the first connections and
// frames — touches pages all over it, and since Linux 6.18 a fault on a file page maps
// the whole large folio of the page cache around it. On the measured VM, 17 MiB of the
// dashboard's 26 MiB RSS were its binary, while a collection tick and a frame run a
// fraction of it. Trim unmaps the binary's read-only mappings from the process
// (MADV_DONTNEED: nothing is lost, the next use of a page faults it back), reclaims what
// running code mapped again meanwhile (MADV_PAGEOUT), drops the file's cached pages
// that nothing maps any more (POSIX_FADV_DONTNEED), and marks the
// mappings random (MADV_RANDOM), so what is faulted back is read page by page instead of
// in large folios; it unmaps the shared libraries' read-only pages too (1.3 MiB of libc
// and the loader for a cgo build, used at start-up only). Mappings that hold anonymous
// pages — written by relocations, as in a shared library's or a -buildmode=pie binary's
// RELRO segment — are never advised: MADV_DONTNEED would revert them to the file's
// bytes. Done once after start-up, it leaves the pages the program uses.
package residency
