//go:build unix

package main

import (
	"fmt"
	"log"
	"os"

	"golang.org/x/sys/unix"
)

func init() { mechanisms["select"] = runSelect }

// runSelect is the event loop on select(2). Interest is two bitmaps,
// readable and writable, indexed by descriptor; select overwrites them with
// the results, so each turn rebuilds them, and the kernel scans every bit
// up to the highest descriptor.
func runSelect(s *server) error {
	// An fd_set has room for descriptors below FD_SETSIZE only (1024 on
	// most systems, 256 on NetBSD), and Go's FdSet.Set panics past it.
	if max(s.lfd, s.wakeR) >= unix.FD_SETSIZE {
		return fmt.Errorf("select: listener descriptor %d is beyond FD_SETSIZE %d", max(s.lfd, s.wakeR), unix.FD_SETSIZE)
	}
	warned := false
	admit := func(c *conn) bool {
		if c.fd < unix.FD_SETSIZE {
			return true
		}
		// Refuse it: select cannot watch it. Log only the first time, so
		// that a flood of clients cannot flood the log.
		if !warned {
			log.Printf("select: refusing connections whose descriptor is %d or more (FD_SETSIZE); use -mechanism poll", unix.FD_SETSIZE)
			warned = true
		}
		return false
	}

	var rset, wset unix.FdSet
	for {
		rset.Zero()
		wset.Zero()
		rset.Set(s.wakeR)
		maxfd := s.wakeR
		if s.watchListener() {
			rset.Set(s.lfd)
			maxfd = max(maxfd, s.lfd)
		}
		for fd, c := range s.conns {
			want := c.want()
			if want.read {
				rset.Set(fd)
			}
			if want.write {
				wset.Set(fd)
			}
			maxfd = max(maxfd, fd)
		}

		// Block until something is ready, or until a pause in accepting
		// ends. There is no error set: errors and hang-ups show up as
		// readable or writable.
		if _, err := selectFDs(maxfd+1, &rset, &wset, s.timeout()); err == unix.EINTR {
			// A signal arrived. select is never restarted after a signal
			// handler, and the Go runtime uses signals: let it do what it
			// interrupted us for, and select again.
			yield()
			continue
		} else if err != nil {
			return os.NewSyscallError("select", err)
		}

		if rset.IsSet(s.wakeR) {
			return nil
		}
		// Deleting from a map while ranging over it is safe in Go, and
		// service deletes the connections it closes.
		for fd, c := range s.conns {
			readable, writable := rset.IsSet(fd), wset.IsSet(fd)
			if readable || writable {
				s.service(c, readable, writable)
			}
		}
		// Accept last, so new connections are not looked up in these sets.
		// (The bit is clear if the listener was not watched.)
		if rset.IsSet(s.lfd) {
			s.acceptAll(admit)
		}
	}
}
