//go:build unix && !linux

package main

import (
	"time"

	"golang.org/x/sys/unix"
)

// accept takes one connection off the listen queue and makes it
// non-blocking and close-on-exec. BSD sockets inherit O_NONBLOCK from the
// listener but Linux's do not; setting it explicitly is right everywhere.
func accept(lfd int) (int, unix.Sockaddr, error) {
	fd, sa, err := unix.Accept(lfd)
	if err != nil {
		return -1, nil, err
	}
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, nil, err
	}
	return fd, sa, nil
}

// recv reads from a non-blocking socket.
func recv(fd int, p []byte) (int, error) { return unix.Read(fd, p) }

// send writes p to a connected socket. Writing to a reset connection raises
// SIGPIPE in a C program; macOS has no MSG_NOSIGNAL flag to prevent it, but
// the Go runtime ignores SIGPIPE for descriptors other than stdout and
// stderr, so the write just fails with EPIPE.
func send(fd int, p []byte) (int, error) {
	return unix.Write(fd, p)
}

// poll is poll(2): it blocks until something is ready or timeout has
// passed; a negative timeout blocks until something is ready.
func poll(fds []unix.PollFd, timeout time.Duration) (int, error) {
	return unix.Poll(fds, millis(timeout))
}

// selectFDs is select(2) with no exceptional set. The timeout is as for
// poll.
func selectFDs(nfd int, r, w *unix.FdSet, timeout time.Duration) (int, error) {
	if timeout < 0 {
		return unix.Select(nfd, r, w, nil, nil)
	}
	tv := unix.NsecToTimeval(int64(timeout))
	return unix.Select(nfd, r, w, nil, &tv)
}

// yield does nothing here: these calls go through the scheduler, which
// takes the thread back by itself when it needs to.
func yield() {}
