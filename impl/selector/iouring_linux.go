package selector

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/impl/internal/uring"
)

// iouring watches descriptors with one-shot IORING_OP_POLL_ADD requests on
// an io_uring. A poll request ends with its completion, so each Select
// arms a new one for every descriptor whose last request completed: a
// descriptor still ready is reported again at once, which is the
// level-triggered behaviour of poll(2), with the interest kept in the
// kernel between calls as epoll keeps it. (A multishot poll would be
// edge-triggered: one completion per wake-up, not per Select.)
//
// Where it differs from epoll (SEL-12): a pending poll request holds its
// own reference to the socket, so a descriptor closed while registered is
// not forgotten: the socket stays open (the peer sees no FIN) and silent
// until Unregister cancels the request. Requests are armed by Select, so a
// descriptor closed before any Select since its Register, or one that was
// never open, fails its request with EBADF and is reported Read|Write, as
// poll reports POLLNVAL. Register itself never calls the kernel.
//
// Every call into the kernel is made from one OS thread, the ring's own
// (owner): the kernel runs a poll request's completion as task work of
// the thread that submitted it. Were that any thread the Go scheduler
// happened to use, a descriptor that became ready would complete only
// once that thread next entered the kernel, and a Select(0) made from
// another thread would miss it (selectorspec SEL-11 saw 26 of 46 ready
// descriptors reported, 1 run in 40 with both cores busy). On its own
// thread the ring is single-issuer with deferred task work (6.1+): every
// completion is posted inside the owner's io_uring_enter, the one that
// reads it.
type iouring struct {
	owner owner
	ring  *uring.Ring
	polls map[int]*poller // by descriptor
	idle  []int           // descriptors with no request in flight: armed by the next wait
	seq   uint32          // numbers requests, so a stale completion is recognised
}

// poller is one descriptor's poll request.
type poller struct {
	mask  uint32 // poll(2) events to ask for
	armed bool   // a request is in flight, with user data tag
	tag   uint64
}

// NewIOURing opens a Selector backed by io_uring(7) poll requests. Where
// io_uring cannot be used (a kernel without it, kernel.io_uring_disabled,
// a seccomp filter) it fails with an error that wraps ErrUnavailable and
// says why.
func NewIOURing() (Selector, error) {
	if err := uring.Unavailable(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	// 256 submission entries: a wait with more descriptors to arm submits
	// in batches. Completions that do not fit in the 4,096 slots wait in
	// the kernel (IORING_FEAT_NODROP) and are collected in turn.
	o := startOwner()
	var r *uring.Ring
	var err error
	o.do(func() { r, err = uring.New(uring.Options{Entries: 256, CQEntries: 4096, SingleThread: true}) })
	if err != nil {
		o.stop()
		return nil, err
	}
	return newSelector(&iouring{owner: o, ring: r, polls: make(map[int]*poller)}), nil
}

// owner runs functions, one at a time, on a goroutine locked to its OS
// thread for the ring's whole life.
type owner chan func()

func startOwner() owner {
	o := make(owner)
	go func() {
		// Never unlocked: the thread ends with the goroutine, once the
		// ring is closed and the channel with it.
		runtime.LockOSThread()
		for f := range o {
			f()
		}
	}()
	return o
}

// do runs f on the owner's thread and returns when it has.
func (o owner) do(f func()) {
	done := make(chan struct{})
	o <- func() { f(); close(done) }
	<-done
}

func (o owner) stop() { close(o) }

func (u *iouring) name() string { return "io_uring" }

func pollMask(events Events) uint32 {
	var m uint32
	if events&Read != 0 {
		m |= unix.POLLIN
	}
	if events&Write != 0 {
		m |= unix.POLLOUT
	}
	return m
}

func (u *iouring) add(fd int, events Events) error {
	u.polls[fd] = &poller{mask: pollMask(events)}
	u.idle = append(u.idle, fd)
	return nil
}

func (u *iouring) modify(fd int, old, events Events) (err error) {
	u.owner.do(func() { err = u.modifyOwned(fd, old, events) })
	return err
}

func (u *iouring) modifyOwned(fd int, _, events Events) error {
	p := u.polls[fd]
	p.mask = pollMask(events)
	if p.armed {
		// Cancel the request for the old events; its completion will
		// carry a tag that no longer matches. A new one is armed next wait.
		if err := u.cancel(p); err != nil {
			return err
		}
		u.idle = append(u.idle, fd)
	}
	return nil
}

func (u *iouring) remove(fd int, events Events) (err error) {
	u.owner.do(func() { err = u.removeOwned(fd, events) })
	return err
}

func (u *iouring) removeOwned(fd int, _ Events) error {
	p := u.polls[fd]
	delete(u.polls, fd)
	if !p.armed {
		return nil
	}
	if err := u.cancel(p); err != nil {
		return err
	}
	// Submit the cancellation now: until the request is gone, it keeps the
	// socket open even after the caller closes the descriptor.
	if _, err := u.ring.Submit(); err != nil && !errors.Is(err, unix.EINTR) {
		return os.NewSyscallError("io_uring_enter", err)
	}
	return nil
}

// cancel queues the removal of p's request.
func (u *iouring) cancel(p *poller) error {
	e, err := u.sqe()
	if err != nil {
		return err
	}
	e.PrepPollRemove(p.tag, 0) // its own completion (user data 0) is ignored
	p.armed = false
	return nil
}

// sqe returns a free submission entry, submitting the queue if it is full.
func (u *iouring) sqe() (*uring.SQE, error) {
	for {
		if e := u.ring.SQE(); e != nil {
			return e, nil
		}
		if _, err := u.ring.Submit(); err != nil && !errors.Is(err, unix.EINTR) {
			return nil, os.NewSyscallError("io_uring_enter", err)
		}
	}
}

func (u *iouring) wait(timeout time.Duration, nkeys int, out []event) (_ []event, err error) {
	u.owner.do(func() { out, err = u.waitOwned(timeout, nkeys, out) })
	return out, err
}

func (u *iouring) waitOwned(timeout time.Duration, _ int, out []event) ([]event, error) {
	// Arm a request for every descriptor without one.
	for _, fd := range u.idle {
		p := u.polls[fd]
		if p == nil || p.armed {
			continue // unregistered meanwhile, or listed twice
		}
		e, err := u.sqe()
		if err != nil {
			return out, err
		}
		u.seq++
		p.tag = uint64(fd)<<32 | uint64(u.seq)
		p.armed = true
		e.PrepPollAdd(fd, p.mask, p.tag)
	}
	u.idle = u.idle[:0]
	// One call submits the requests and waits. A request for a descriptor
	// that is ready already completes during the submission, so a zero
	// timeout still sees it.
	_, err := u.ring.Enter(timeout, 1)
	switch {
	case err == nil, errors.Is(err, unix.ETIME):
	case errors.Is(err, unix.EINTR):
		return out, err
	default:
		return out, os.NewSyscallError("io_uring_enter", err)
	}
	for {
		out = u.reap(out)
		if !u.ring.Overflowed() {
			return out, nil
		}
		// More completions wait in the kernel: have it move them in.
		if _, err := u.ring.Enter(0, 0); err != nil && !errors.Is(err, unix.EINTR) {
			return out, os.NewSyscallError("io_uring_enter", err)
		}
	}
}

// reap turns the completed poll requests into events.
func (u *iouring) reap(out []event) []event {
	a, b := u.ring.Peek()
	for _, cqes := range [][]uring.CQE{a, b} {
		for _, c := range cqes {
			fd := int(c.UserData >> 32)
			p := u.polls[fd]
			if c.UserData == 0 || p == nil || !p.armed || p.tag != c.UserData {
				continue // a removal, or a request cancelled or replaced
			}
			p.armed = false
			u.idle = append(u.idle, fd)
			var events Events
			const trouble = unix.POLLHUP | unix.POLLERR | unix.POLLNVAL
			switch res := c.Res; {
			case res < 0:
				// The request failed (EBADF: not open): report it as
				// poll reports POLLNVAL, so the caller's read or write
				// returns the error.
				events = Read | Write
			default:
				if res&(unix.POLLIN|trouble) != 0 {
					events |= Read
				}
				if res&(unix.POLLOUT|trouble) != 0 {
					events |= Write
				}
			}
			out = append(out, event{fd, events})
		}
	}
	u.ring.Advance(len(a) + len(b))
	return out
}

func (u *iouring) close() (err error) {
	u.owner.do(func() { err = u.ring.Close() })
	u.owner.stop()
	return err
}
