//go:build unix

package selector

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// poll watches descriptors with poll(2): it hands the kernel the whole list
// on every call, so a wait costs time in proportion to the registrations.
type poll struct {
	fds   []unix.PollFd
	index map[int]int // fd → position in fds
}

// NewPoll opens a Selector backed by poll(2). It has no descriptor limit.
func NewPoll() (Selector, error) {
	return newSelector(&poll{index: make(map[int]int)}), nil
}

func (p *poll) name() string { return "poll" }

// setEvents sets what poll watches pfd for. (Events is int16 on most
// systems and uint16 on AIX; untyped constants fit both.)
func setEvents(pfd *unix.PollFd, events Events) {
	pfd.Events = 0
	if events&Read != 0 {
		pfd.Events |= unix.POLLIN
	}
	if events&Write != 0 {
		pfd.Events |= unix.POLLOUT
	}
}

func (p *poll) add(fd int, events Events) error {
	pfd := unix.PollFd{Fd: int32(fd)}
	setEvents(&pfd, events)
	p.index[fd] = len(p.fds)
	p.fds = append(p.fds, pfd)
	return nil
}

func (p *poll) modify(fd int, _, events Events) error {
	setEvents(&p.fds[p.index[fd]], events)
	return nil
}

func (p *poll) remove(fd int, _ Events) error {
	// Move the last entry into the hole.
	i, last := p.index[fd], len(p.fds)-1
	p.fds[i] = p.fds[last]
	p.index[int(p.fds[i].Fd)] = i
	p.fds = p.fds[:last]
	delete(p.index, fd)
	return nil
}

func (p *poll) wait(timeout time.Duration, _ int, out []event) ([]event, error) {
	if _, err := unix.Poll(p.fds, milliseconds(timeout)); err != nil {
		return out, os.NewSyscallError("poll", err)
	}
	for _, pfd := range p.fds {
		if pfd.Revents == 0 {
			continue
		}
		// POLLHUP, POLLERR and POLLNVAL (fd closed while registered) are
		// reported even when not asked for: surface them as both events.
		const trouble = unix.POLLHUP | unix.POLLERR | unix.POLLNVAL
		var events Events
		if pfd.Revents&(unix.POLLIN|trouble) != 0 {
			events |= Read
		}
		if pfd.Revents&(unix.POLLOUT|trouble) != 0 {
			events |= Write
		}
		out = append(out, event{int(pfd.Fd), events})
	}
	return out, nil
}

func (p *poll) close() error { return nil }
