//go:build unix && !aix

package main

import (
	"errors"
	"log"
	"os"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/impl/internal/fdecho"
	"github.com/echospec/echospec/impl/internal/serverenv"
)

// serveConn is the "-child conn" process: it echoes the connected socket fd
// until the client closes, closes it and returns the exit status.
func serveConn(fd int) int {
	// The descriptor may still be non-blocking: that flag belongs to the
	// socket, which the parent's Go runtime had set up for its poller.
	// Blocking mode lets read(2) put this process to sleep until data comes.
	if err := unix.SetNonblock(fd, false); err != nil {
		log.Print(os.NewSyscallError("fcntl", err))
		return 1
	}
	err := fdecho.Echo(fd)
	unix.Close(fd) // the client sees EOF now
	if err != nil && !peerGone(err) {
		log.Print(err)
		return 1
	}
	return 0
}

// acceptLoop is the "-child worker" process of a pool: it accepts on the
// shared listening socket lfd and serves one connection at a time, forever.
// It returns an exit status only if accept fails for good.
func acceptLoop(lfd int) int {
	// Blocking mode: accept(2) sleeps until a connection arrives; the
	// kernel wakes one waiting worker per connection.
	if err := unix.SetNonblock(lfd, false); err != nil {
		log.Print(os.NewSyscallError("fcntl", err))
		return 1
	}
	var pause serverenv.Backoff // after a failed accept
	for {
		fd, _, err := unix.Accept(lfd)
		switch err {
		case nil:
			pause.Reset()
		case unix.EINTR, unix.ECONNABORTED, unix.ECONNRESET, unix.EPERM, unix.EPROTO,
			unix.ENETDOWN, unix.ENETUNREACH, unix.EHOSTDOWN, unix.EHOSTUNREACH,
			unix.ENOPROTOOPT, unix.EOPNOTSUPP:
			// That connection is gone from the queue: a signal came
			// first, the client reset while queued (BSD reports that;
			// Linux returns the connection, whose first read fails), a
			// firewall refused it, or a network error Linux passes on,
			// which accept(2) says to treat like EAGAIN. Take the next.
			continue
		case unix.EBADF, unix.EINVAL, unix.ENOTSOCK, unix.EFAULT:
			log.Print(os.NewSyscallError("accept", err))
			return 1 // not a listening socket: the parent starts a replacement
		default:
			// EMFILE, ENFILE, ENOBUFS, ENOMEM: the connection stays
			// queued, and accept fails again at once: pause.
			pause.Wait(os.NewSyscallError("accept", err), nil)
			continue
		}
		// Send each echo at once. Go's net package sets TCP_NODELAY on the
		// connections it accepts (the per-connection children inherit it
		// from the parent's); a raw accept must set it itself, or Nagle's
		// algorithm holds every echo smaller than a segment until the
		// client acknowledges the previous one, which a client waiting for
		// the rest of its echo delays by up to 40 ms.
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		err = fdecho.Echo(fd)
		unix.Close(fd)
		if err != nil && !peerGone(err) {
			log.Print(err)
		}
	}
}

// peerGone reports whether err means the client reset the connection, which
// is the client's business, not a server error. Go ignores SIGPIPE for
// sockets, so writing to a reset connection returns EPIPE instead of killing
// the process.
func peerGone(err error) bool {
	return errors.Is(err, unix.ECONNRESET) || errors.Is(err, unix.EPIPE)
}
