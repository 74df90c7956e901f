//go:build unix

package selector

import (
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// fdSetSize is FD_SETSIZE, the number of descriptors an fd_set holds:
// 1024 on Linux, darwin, FreeBSD, OpenBSD and DragonFly, 256 on NetBSD,
// 65536 on 64-bit Solaris (taken from the size of unix.FdSet).
const fdSetSize = 8 * int(unsafe.Sizeof(unix.FdSet{}))

// selectBackend watches descriptors with select(2), which takes bitmaps of
// FD_SETSIZE bits: a descriptor at or above that cannot be watched at all.
type selectBackend struct {
	read, write unix.FdSet
	maxfd       int // highest registered fd, -1 if none
}

// NewSelect opens a Selector backed by select(2). Register refuses any
// descriptor >= FD_SETSIZE with ErrFDLimit.
func NewSelect() (Selector, error) {
	return newSelector(&selectBackend{maxfd: -1}), nil
}

func (s *selectBackend) name() string { return "select" }

func (s *selectBackend) add(fd int, events Events) error {
	// FdSet.Set would index past the bitmap and panic.
	if fd >= fdSetSize {
		return ErrFDLimit
	}
	s.set(fd, events)
	s.maxfd = max(s.maxfd, fd)
	return nil
}

func (s *selectBackend) set(fd int, events Events) {
	s.read.Clear(fd)
	s.write.Clear(fd)
	if events&Read != 0 {
		s.read.Set(fd)
	}
	if events&Write != 0 {
		s.write.Set(fd)
	}
}

func (s *selectBackend) modify(fd int, _, events Events) error {
	s.set(fd, events)
	return nil
}

func (s *selectBackend) remove(fd int, _ Events) error {
	s.read.Clear(fd)
	s.write.Clear(fd)
	for s.maxfd >= 0 && !s.read.IsSet(s.maxfd) && !s.write.IsSet(s.maxfd) {
		s.maxfd--
	}
	return nil
}

func (s *selectBackend) wait(timeout time.Duration, _ int, out []event) ([]event, error) {
	var tv *unix.Timeval
	if timeout >= 0 {
		t := unix.NsecToTimeval(timeout.Nanoseconds()) // rounds up to 1µs
		tv = &t
	}
	// select overwrites its sets with the answer, so hand it copies.
	read, write := s.read, s.write
	if _, err := unix.Select(s.maxfd+1, &read, &write, nil, tv); err != nil {
		return out, os.NewSyscallError("select", err)
	}
	for fd := 0; fd <= s.maxfd; fd++ {
		var events Events
		if read.IsSet(fd) {
			events |= Read
		}
		if write.IsSet(fd) {
			events |= Write
		}
		if events != 0 {
			out = append(out, event{fd, events})
		}
	}
	return out, nil
}

func (s *selectBackend) close() error { return nil }
