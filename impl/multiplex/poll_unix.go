//go:build unix

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

func init() { mechanisms["poll"] = runPoll }

// runPoll is the event loop on poll(2). The kernel remembers nothing
// between calls: each turn rebuilds the array of (descriptor, events) from
// every connection's want(), and scans all of it for results. Simple, no
// descriptor limit, but O(connections) per turn.
func runPoll(s *server) error {
	var fds []unix.PollFd
	for {
		// The self-pipe and the listener come first, at fixed positions.
		// poll skips an entry whose descriptor is negative: that is how
		// the listener is left out while accepting is paused.
		lfd := int32(-1)
		if s.watchListener() {
			lfd = int32(s.lfd)
		}
		fds = append(fds[:0],
			unix.PollFd{Fd: int32(s.wakeR), Events: unix.POLLIN},
			unix.PollFd{Fd: lfd, Events: unix.POLLIN})
		for fd, c := range s.conns {
			p := unix.PollFd{Fd: int32(fd)}
			want := c.want()
			if want.read {
				p.Events |= unix.POLLIN
			}
			if want.write {
				p.Events |= unix.POLLOUT
			}
			fds = append(fds, p)
		}

		// Block until something is ready, or until a pause in accepting
		// ends.
		if _, err := poll(fds, s.timeout()); err == unix.EINTR {
			// A signal arrived. poll is never restarted after a signal
			// handler, and the Go runtime uses signals: let it do what it
			// interrupted us for, and poll again.
			yield()
			continue
		} else if err != nil {
			return os.NewSyscallError("poll", err)
		}

		if fds[0].Revents != 0 {
			return nil
		}
		for _, p := range fds[2:] {
			if p.Revents == 0 {
				continue
			}
			c := s.conns[int(p.Fd)]
			if c == nil {
				continue // not expected: each descriptor is listed once
			}
			// POLLERR, POLLHUP and POLLNVAL are reported whatever we asked
			// for; the next read or write returns the actual error.
			bad := p.Revents&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0
			s.service(c, bad || p.Revents&unix.POLLIN != 0, bad || p.Revents&unix.POLLOUT != 0)
		}
		// Accept last, so new connections join the array on the next turn.
		if fds[1].Revents != 0 {
			s.acceptAll(nil)
		}
	}
}
