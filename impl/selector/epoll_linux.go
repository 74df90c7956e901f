package selector

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// platform lists Linux's backends, preferred first. io_uring comes last:
// its poll requests do what epoll does with more work per Select (one
// request per ready descriptor per call), and the kernel may refuse it
// (NewIOURing says why).
var platform = []opener{{"epoll", NewEpoll}, {"poll", NewPoll}, {"select", NewSelect}, {"io_uring", NewIOURing}}

// epoll watches descriptors with an epoll instance in its default,
// level-triggered mode.
type epoll struct {
	epfd int
	buf  []unix.EpollEvent
}

// NewEpoll opens a Selector backed by epoll(7).
func NewEpoll() (Selector, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	return newSelector(&epoll{epfd: epfd}), nil
}

func (e *epoll) name() string { return "epoll" }

func (e *epoll) ctl(op, fd int, events Events) error {
	ev := unix.EpollEvent{Fd: int32(fd)}
	if events&Read != 0 {
		ev.Events |= unix.EPOLLIN
	}
	if events&Write != 0 {
		ev.Events |= unix.EPOLLOUT
	}
	return os.NewSyscallError("epoll_ctl", unix.EpollCtl(e.epfd, op, fd, &ev))
}

func (e *epoll) add(fd int, events Events) error { return e.ctl(unix.EPOLL_CTL_ADD, fd, events) }

func (e *epoll) modify(fd int, _, events Events) error {
	return e.ctl(unix.EPOLL_CTL_MOD, fd, events)
}

func (e *epoll) remove(fd int, _ Events) error {
	// DEL ignores the event; ctl passes one anyway, as kernels before
	// 2.6.9 required.
	return e.ctl(unix.EPOLL_CTL_DEL, fd, 0)
}

func (e *epoll) wait(timeout time.Duration, nkeys int, out []event) ([]event, error) {
	// One slot per registration, so a single call can report them all.
	if n := max(nkeys, 1); len(e.buf) < n {
		e.buf = make([]unix.EpollEvent, n)
	}
	n, err := unix.EpollWait(e.epfd, e.buf, milliseconds(timeout))
	if err != nil {
		return out, os.NewSyscallError("epoll_wait", err)
	}
	for _, ev := range e.buf[:n] {
		var events Events
		if ev.Events&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			events |= Read
		}
		// EPOLLHUP and EPOLLERR are always reported, even when not asked
		// for: surface them as both events so either handler sees them.
		if ev.Events&(unix.EPOLLOUT|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			events |= Write
		}
		out = append(out, event{int(ev.Fd), events})
	}
	return out, nil
}

func (e *epoll) close() error { return os.NewSyscallError("close", unix.Close(e.epfd)) }
