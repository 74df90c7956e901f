//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package main

import (
	"log"
	"os"

	"golang.org/x/sys/unix"
)

func init() { mechanisms["kqueue"] = runKqueue }

// runKqueue is the event loop on the BSDs' and macOS's kqueue. Like epoll,
// the kernel keeps the interest list; unlike epoll, reading and writing are
// separate filters (EVFILT_READ, EVFILT_WRITE), each reported as its own
// event.
func runKqueue(s *server) error {
	kq, err := unix.Kqueue()
	if err != nil {
		return os.NewSyscallError("kqueue", err)
	}
	defer unix.Close(kq)

	// arm sets both filters for fd. EV_ADD on a filter that exists just
	// updates it, so the same call registers and changes; EV_ENABLE and
	// EV_DISABLE switch a filter on and off without removing it.
	arm := func(fd int, in interest) error {
		flags := func(on bool) int {
			if on {
				return unix.EV_ADD | unix.EV_ENABLE
			}
			return unix.EV_ADD | unix.EV_DISABLE
		}
		var changes [2]unix.Kevent_t
		unix.SetKevent(&changes[0], fd, unix.EVFILT_READ, flags(in.read))
		unix.SetKevent(&changes[1], fd, unix.EVFILT_WRITE, flags(in.write))
		_, err := unix.Kevent(kq, changes[:], nil, nil)
		return os.NewSyscallError("kevent", err)
	}
	for _, fd := range []int{s.wakeR, s.lfd} {
		if err := arm(fd, interest{read: true}); err != nil {
			return err
		}
	}
	admit := func(c *conn) bool {
		c.armed = c.want()
		if err := arm(c.fd, c.armed); err != nil {
			log.Printf("%s: %v", c.peer, err)
			return false
		}
		return true
	}

	listening := true // whether the listener's read filter is enabled
	events := make([]unix.Kevent_t, 128)
	for {
		// While accepting is paused, the listener's filter is disabled,
		// and the wait ends when the pause does.
		if watch := s.watchListener(); watch != listening {
			if err := arm(s.lfd, interest{read: watch}); err != nil {
				return err
			}
			listening = watch
		}
		var timeout *unix.Timespec
		if d := s.timeout(); d >= 0 {
			ts := unix.NsecToTimespec(int64(d))
			timeout = &ts
		}
		n, err := unix.Kevent(kq, nil, events, timeout)
		if err == unix.EINTR {
			// A signal arrived while we waited (the Go runtime uses signals
			// for preemption and profiling), and kevent is not restarted
			// after a signal handler: wait again.
			continue
		}
		if err != nil {
			return os.NewSyscallError("kevent", err)
		}
		listenerReady := false
		for _, ev := range events[:n] {
			fd := int(ev.Ident)
			switch fd {
			case s.wakeR:
				return nil
			case s.lfd:
				listenerReady = true
				continue
			}
			c := s.conns[fd]
			if c == nil {
				// Closed while handling its other filter's event in this
				// batch.
				continue
			}
			// EV_EOF in ev.Flags needs no special case: the read returns 0
			// or the write fails, and service acts on that.
			if !s.service(c, ev.Filter == unix.EVFILT_READ, ev.Filter == unix.EVFILT_WRITE) {
				continue
			}
			if want := c.want(); want != c.armed {
				if err := arm(fd, want); err != nil {
					s.drop(c, err)
					continue
				}
				c.armed = want
			}
		}
		// Accept after serving the batch, so that a descriptor closed above
		// and reused by accept cannot be mistaken for one in this batch.
		if listenerReady {
			s.acceptAll(admit)
		}
	}
}
