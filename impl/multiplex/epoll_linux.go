package main

import (
	"log"
	"os"

	"golang.org/x/sys/unix"
)

func init() { mechanisms["epoll"] = runEpoll }

// runEpoll is the event loop on Linux's epoll. The kernel keeps the
// interest list, so the loop only tells it about changes (epoll_ctl), and
// epoll_wait returns just the descriptors that are ready.
func runEpoll(s *server) error {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	defer unix.Close(epfd)

	// arm registers (op EPOLL_CTL_ADD) or changes (EPOLL_CTL_MOD) the events
	// epoll reports for fd. Without EPOLLET it is level-triggered.
	arm := func(op, fd int, in interest) error {
		ev := unix.EpollEvent{Fd: int32(fd)}
		if in.read {
			ev.Events |= unix.EPOLLIN
		}
		if in.write {
			ev.Events |= unix.EPOLLOUT
		}
		return os.NewSyscallError("epoll_ctl", unix.EpollCtl(epfd, op, fd, &ev))
	}
	for _, fd := range []int{s.wakeR, s.lfd} {
		if err := arm(unix.EPOLL_CTL_ADD, fd, interest{read: true}); err != nil {
			return err
		}
	}
	admit := func(c *conn) bool {
		c.armed = c.want()
		if err := arm(unix.EPOLL_CTL_ADD, c.fd, c.armed); err != nil {
			log.Printf("%s: %v", c.peer, err)
			return false
		}
		return true
	}

	listening := true // the listener's interest, as last registered
	events := make([]unix.EpollEvent, 1024)
	for {
		// While accepting is paused, the listener stays registered with
		// no events, and the wait ends when the pause does.
		if watch := s.watchListener(); watch != listening {
			if err := arm(unix.EPOLL_CTL_MOD, s.lfd, interest{read: watch}); err != nil {
				return err
			}
			listening = watch
		}
		n, err := epollWait(epfd, events, millis(s.timeout()))
		if err == unix.EINTR {
			// A signal arrived. epoll_wait is never restarted after a signal
			// handler, even with SA_RESTART, and the Go runtime uses signals
			// (preemption, profiling), so this is routine: let the runtime
			// do what it interrupted us for (sys_linux.go), and wait again.
			yield()
			continue
		}
		if err != nil {
			return os.NewSyscallError("epoll_wait", err)
		}
		listenerReady := false
		for _, ev := range events[:n] {
			fd := int(ev.Fd)
			switch fd {
			case s.wakeR:
				return nil
			case s.lfd:
				listenerReady = true
				continue
			}
			c := s.conns[fd]
			if c == nil {
				continue // not expected: each descriptor appears once per batch
			}
			// EPOLLERR and EPOLLHUP are reported whatever we asked for;
			// the next read or write returns the actual error.
			bad := ev.Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0
			if !s.service(c, bad || ev.Events&unix.EPOLLIN != 0, bad || ev.Events&unix.EPOLLOUT != 0) {
				continue
			}
			if want := c.want(); want != c.armed {
				if err := arm(unix.EPOLL_CTL_MOD, fd, want); err != nil {
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
