package main

import (
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// On Linux the loop's system calls are made raw (unix.RawSyscall), past
// the Go scheduler, as a C server makes them.
//
// Why: a thread that blocks in a call the runtime knows about
// (syscall.Syscall, which x/sys/unix uses) loses its P if the call lasts
// more than 20 µs. With GOMAXPROCS=1 the runtime's monitor (sysmon) then
// wakes another thread (a futex) to hold the P, that thread finds nothing
// to do and sleeps again (another futex), and sysmon keeps polling every
// 20 µs while it has Ps to take back. A loop that blocks in its readiness
// call between batches pays several context switches per batch on its
// CPU: a cost of Go's scheduler, not of the model, and one a C server does
// not pay. Here the scheduler has nothing to gain: this loop is the only
// goroutine with work, locked to its thread.
//
// The one thing the runtime may need the thread for is to run another
// goroutine (the signal handler's, in main) or to stop the world for the
// garbage collector. It asks by sending the thread a signal (sysmon does
// so for any goroutine that has run for 10 ms), which interrupts the
// readiness call with EINTR (never restarted, whatever SA_RESTART says:
// signal(7)); the loops then call yield. Reads and writes never block:
// every socket is non-blocking.

// accept takes one connection off the listen queue. Linux's accept4 makes
// the new socket non-blocking and close-on-exec in the same system call.
// It goes through the scheduler like any call: it is rare and never
// blocks.
func accept(lfd int) (int, unix.Sockaddr, error) {
	return unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
}

// recv reads from a non-blocking socket: read(2).
func recv(fd int, p []byte) (int, error) {
	n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return int(n), errnoErr(e)
}

// send writes p to a connected socket: send(2), which Linux implements as
// sendto(2) without an address. MSG_NOSIGNAL turns the SIGPIPE that
// writing to a reset connection would raise into a plain EPIPE error. (Go
// already ignores SIGPIPE for writes to descriptors other than stdout and
// stderr, but a C server needs the flag, so we keep the habit.)
func send(fd int, p []byte) (int, error) {
	n, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)), unix.MSG_NOSIGNAL, 0, 0)
	return int(n), errnoErr(e)
}

// epollWait is epoll_wait(2): epoll_pwait without a signal mask, the form
// every Linux architecture has.
func epollWait(epfd int, events []unix.EpollEvent, msec int) (int, error) {
	n, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(unsafe.SliceData(events))), uintptr(len(events)), uintptr(msec), 0, 0)
	return int(n), errnoErr(e)
}

// poll is poll(2), made as ppoll, the form every Linux architecture has:
// it blocks until something is ready or timeout has passed; a negative
// timeout blocks until something is ready.
func poll(fds []unix.PollFd, timeout time.Duration) (int, error) {
	ts := timespec(timeout)
	n, _, e := unix.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(unsafe.SliceData(fds))), uintptr(len(fds)), uintptr(unsafe.Pointer(ts)), 0, 0, 0)
	return int(n), errnoErr(e)
}

// selectFDs is select(2) with no exceptional set, made as pselect6, the
// form every Linux architecture has. The timeout is as for poll.
func selectFDs(nfd int, r, w *unix.FdSet, timeout time.Duration) (int, error) {
	ts := timespec(timeout)
	n, _, e := unix.RawSyscall6(unix.SYS_PSELECT6, uintptr(nfd), uintptr(unsafe.Pointer(r)), uintptr(unsafe.Pointer(w)), 0, uintptr(unsafe.Pointer(ts)), 0)
	return int(n), errnoErr(e)
}

// timespec is d for ppoll and pselect6, or nil (no timeout) if d is
// negative.
func timespec(d time.Duration) *unix.Timespec {
	if d < 0 {
		return nil
	}
	ts := unix.NsecToTimespec(int64(d))
	return &ts
}

// yield lets the runtime run what it interrupted a readiness call for.
func yield() { runtime.Gosched() }

// errnoErr is nil for errno 0, else the errno itself, so callers can
// compare with unix.EAGAIN and friends.
func errnoErr(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}
