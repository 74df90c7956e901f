// Package procfs observes a running server through Linux's /proc: which
// processes make it up, their threads, descriptors, CPU time and state,
// and which of them holds each socket. On other systems every call returns
// ErrUnsupported, and the specs that need it skip with that reason.
package procfs

import "errors"

// ErrUnsupported is returned where /proc is not available.
var ErrUnsupported = errors.New("procfs: /proc is only read on Linux")

// Proc is a snapshot of one process.
type Proc struct {
	PID, PPID, PGID, SID int
	Comm                 string
	State                string // R, S, D, Z, T, ...
	Threads              int
	CPUTicks             uint64 // utime + stime, in clock ticks
	FDs                  int    // open descriptors; -1 if unreadable (zombie)
}

// Zombie reports whether the process has exited and waits to be reaped.
func (p Proc) Zombie() bool { return p.State == "Z" }
