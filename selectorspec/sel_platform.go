//go:build unix

package selectorspec

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/impl/selector"
)

// SEL-12: record how the backend reports a descriptor closed without
// Unregister, a descriptor that is not open, and hang-ups. Backends differ
// here, legitimately; what must hold everywhere is that Unregister still
// works and the selector keeps working for the other descriptors.
func checkPlatformDifferences(r *run, open Open) {
	x := r.open(open)
	r.closedWhileRegistered(x)
	r.notOpen(x)
	r.hangUps(x)
}

// result names a Select result, or its error, for an observation.
func result(ready []selector.Ready, err error, fds ...int) string {
	if err != nil {
		return "error " + err.Error()
	}
	if len(ready) == 0 {
		return "no events"
	}
	s := ""
	for i, fd := range fds {
		if i > 0 {
			s += ", "
		}
		var ev selector.Events
		for _, rd := range ready {
			if rd.Key.FD == fd {
				ev |= rd.Events
			}
		}
		s += fmt.Sprintf("fd %d %s", fd, evs(ev))
	}
	return s
}

func (r *run) closedWhileRegistered(x *sel) {
	p, _ := r.socketPair()
	q, qb := r.socketPair()
	x.mustRegister(p, selector.Read|selector.Write, "closed")
	x.mustRegister(q, selector.Read|selector.Write, "open")
	r.closeFD(p)
	ready, err := x.Select(0)
	if errors.Is(err, errPanicked) {
		panic(stop{})
	}
	r.infof("fd %d closed while registered for Read|Write, beside an idle fd %d: Select(0) = %s", p, q, result(ready, err, p, q))
	if _, err := x.Unregister(p); err != nil {
		r.stopOn(err, "Unregister(fd %d) of a descriptor closed while registered = %v; want success (the Selector contract: Unregister works after close)", p, err)
	}
	x.mustModify(q, selector.Read, "open")
	r.writeAll(qb, []byte{'x'})
	seen := x.selectAll([]int{q}, selector.Read, eventWait)
	if seen[q] != selector.Read || seen[p] != 0 {
		r.failf("Select after Unregister(fd %d) of the closed descriptor, data waiting on fd %d = fd %d %s, fd %d %s; want Read on fd %d only",
			p, q, p, evs(seen[p]), q, evs(seen[q]), q)
	}
	r.infof("after Unregister(fd %d) of the closed descriptor: Unregister succeeded; Select works again", p)
	if _, err := x.Unregister(q); err != nil {
		r.stopOn(err, "Unregister(fd %d) = %v; want success", q, err)
	}
}

// notOpen registers a descriptor number that is not open.
func (r *run) notOpen(x *sel) {
	a, _ := r.socketPair()
	r.closeFD(a)
	if _, err := unix.FcntlInt(uintptr(a), unix.F_GETFD, 0); err == nil {
		return // reused meanwhile by another goroutine: nothing to observe
	}
	_, err := x.Register(a, selector.Read, "not open")
	if errors.Is(err, errPanicked) {
		panic(stop{})
	}
	if err != nil {
		r.infof("Register(fd %d, Read) of a descriptor that is not open = error %v", a, err)
		return
	}
	ready, serr := x.Select(0)
	if errors.Is(serr, errPanicked) {
		panic(stop{})
	}
	r.infof("Register(fd %d, Read) of a descriptor that is not open = success; then Select(0) = %s", a, result(ready, serr, a))
	if _, err := x.Unregister(a); err != nil {
		r.stopOn(err, "Unregister(fd %d) of a descriptor that is not open = %v; want success", a, err)
	}
}

// hangUp is one way a connection ends, observed on its end a.
type hangUp struct {
	what   string
	unix   bool // a socketpair instead of TCP
	events selector.Events
	wait   waitFor // what the harness's own poll waits for on a
	do     func(r *run, a, b int)
}

var hangUpCases = []hangUp{
	{"TCP peer closed (FIN)", false, selector.Read | selector.Write, forRead, func(r *run, _, b int) { r.closeFD(b) }},
	{"TCP peer reset (RST)", false, selector.Read | selector.Write, forTrouble, func(r *run, _, b int) { r.reset(b) }},
	{"TCP peer reset (RST)", false, selector.Read, forTrouble, func(r *run, _, b int) { r.reset(b) }},
	{"TCP peer reset (RST)", false, selector.Write, forTrouble, func(r *run, _, b int) { r.reset(b) }},
	{"TCP, both ends shut down writing (SHUT_WR)", false, selector.Read | selector.Write, forRead, func(r *run, a, b int) {
		for _, fd := range []int{a, b} {
			if err := unix.Shutdown(fd, unix.SHUT_WR); err != nil {
				r.fatalf("setup: shutdown(fd %d, SHUT_WR) = %v", fd, err)
			}
		}
	}},
	{"Unix socket peer closed", true, selector.Read | selector.Write, forRead, func(r *run, _, b int) { r.closeFD(b) }},
}

// hangUps records, for each case, what Select(0) reports once the
// harness's own poll sees the condition, and what a read then returns.
func (r *run) hangUps(x *sel) {
	for _, c := range hangUpCases {
		var a, b int
		if c.unix {
			a, b = r.socketPair()
		} else {
			a, b = r.tcpPair()
		}
		x.mustRegister(a, c.events, c.what)
		c.do(r, a, b)
		if err := r.waitFD(a, c.wait, eventWait); err != nil {
			r.fatalf("setup: %s: the harness's poll saw nothing on fd %d within %v (%v)", c.what, a, r.wait(eventWait), err)
		}
		ready, err := x.Select(0)
		if errors.Is(err, errPanicked) {
			panic(stop{})
		}
		n, rerr := read(a, make([]byte, 16))
		got := fmt.Sprintf("%d bytes", n)
		switch {
		case rerr != nil:
			got = "error " + rerr.Error()
		case n == 0:
			got = "0 bytes (EOF)"
		}
		r.infof("%s, registered %v: Select(0) = %s; read = %s", c.what, c.events, result(ready, err, a), got)
		if _, err := x.Unregister(a); err != nil {
			r.stopOn(err, "Unregister(fd %d) after %s = %v; want success", a, c.what, err)
		}
		r.closeFD(a)
		r.closeFD(b)
	}
}

// mustModify modifies a registration and ends the check if that fails.
func (x *sel) mustModify(fd int, ev selector.Events, data any) {
	if _, err := x.Modify(fd, ev, data); err != nil {
		x.r.stopOn(err, "Modify(fd %d, %v) of a registered socket = %v; want success", fd, ev, err)
	}
}
