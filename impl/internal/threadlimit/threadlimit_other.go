//go:build !linux

package threadlimit

// Left returns -1: the limits on threads here (RLIMIT_NPROC counts
// processes on the BSDs and macOS) are not worked out, so nothing bounds a
// server's connections but its descriptors.
func Left() int { return -1 }
