//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package selector

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// platform lists the BSDs' backends, preferred first.
var platform = []opener{{"kqueue", NewKqueue}, {"poll", NewPoll}, {"select", NewSelect}}

// kqueue watches descriptors with a kqueue: one read filter and one write
// filter per descriptor, level-triggered because EV_CLEAR is not used.
type kqueue struct {
	kq  int
	buf []unix.Kevent_t
}

// NewKqueue opens a Selector backed by kqueue(2).
func NewKqueue() (Selector, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, os.NewSyscallError("kqueue", err)
	}
	unix.CloseOnExec(kq)
	return newSelector(&kqueue{kq: kq}), nil
}

func (k *kqueue) name() string { return "kqueue" }

// ctl applies one change. Changes go one at a time because kevent stops at
// the first failing change and does not say which one it was.
func (k *kqueue) ctl(fd, filter, flags int) error {
	var ch [1]unix.Kevent_t
	unix.SetKevent(&ch[0], fd, filter, flags)
	_, err := unix.Kevent(k.kq, ch[:], nil, nil)
	return os.NewSyscallError("kevent", err)
}

func (k *kqueue) add(fd int, events Events) error {
	if err := k.modify(fd, 0, events); err != nil {
		_ = k.remove(fd, events) // undo a read filter added before a failed write filter
		return err
	}
	return nil
}

func (k *kqueue) modify(fd int, old, events Events) error {
	for _, f := range [...]struct {
		ev     Events
		filter int
	}{{Read, unix.EVFILT_READ}, {Write, unix.EVFILT_WRITE}} {
		switch {
		case old&f.ev == 0 && events&f.ev != 0:
			if err := k.ctl(fd, f.filter, unix.EV_ADD); err != nil {
				return err
			}
		case old&f.ev != 0 && events&f.ev == 0:
			if err := k.ctl(fd, f.filter, unix.EV_DELETE); err != nil {
				return err
			}
		}
	}
	return nil
}

func (k *kqueue) remove(fd int, events Events) error {
	var first error
	if events&Read != 0 {
		first = k.ctl(fd, unix.EVFILT_READ, unix.EV_DELETE)
	}
	if events&Write != 0 {
		if err := k.ctl(fd, unix.EVFILT_WRITE, unix.EV_DELETE); first == nil {
			first = err
		}
	}
	return first
}

func (k *kqueue) wait(timeout time.Duration, nkeys int, out []event) ([]event, error) {
	// Up to two filters per registration.
	if n := max(2*nkeys, 1); len(k.buf) < n {
		k.buf = make([]unix.Kevent_t, n)
	}
	var ts *unix.Timespec
	if timeout >= 0 {
		t := unix.NsecToTimespec(timeout.Nanoseconds())
		ts = &t
	}
	n, err := unix.Kevent(k.kq, nil, k.buf, ts)
	if err != nil {
		return out, os.NewSyscallError("kevent", err)
	}
	for _, ev := range k.buf[:n] {
		// EV_EOF (peer closed) and pending errors arrive on the filter
		// that was registered, so the matching handler reads or writes and
		// gets the EOF or the error; no mapping to Read|Write is needed.
		switch int(ev.Filter) {
		case unix.EVFILT_READ:
			out = append(out, event{int(ev.Ident), Read})
		case unix.EVFILT_WRITE:
			out = append(out, event{int(ev.Ident), Write})
		}
	}
	return out, nil
}

func (k *kqueue) close() error { return os.NewSyscallError("close", unix.Close(k.kq)) }
