//go:build unix

package selectorspec

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/impl/selector"
)

// selects is how many consecutive Select(0) calls SEL-1 and SEL-3 make.
const selects = 20

// SEL-1: an idle connected socket registered for Write is reported on
// every Select(0), not once.
func checkWritableEverySelect(r *run, open Open) {
	a, _ := r.tcpPair()
	x := r.open(open)
	x.mustRegister(a, selector.Write, "SEL-1")
	hits, firstMiss := 0, 0
	var missed selector.Events
	for i := 1; i <= selects; i++ {
		ev := r.eventsFor("Select(0)", x.mustSelect(0), a)
		switch {
		case ev == selector.Write:
			hits++
		case firstMiss == 0:
			firstMiss, missed = i, ev
		}
	}
	r.measuref("%d of %d Select(0) calls reported Write on an idle connected TCP socket registered for Write", hits, selects)
	if firstMiss != 0 {
		r.failf("Select(0) #%d on an idle connected socket registered for Write = %s; want Write "+
			"(level-triggered readiness fires on every select while the send buffer has room; Write came %d of %d times)",
			firstMiss, evs(missed), hits, selects)
	}
}

// SEL-2: fill the send buffer of a TCP connection whose peer does not
// read; Write must then be absent, and come back once the peer drains.
func checkWritableFollowsSendBuffer(r *run, open Open) {
	a, b := r.tcpPair()
	x := r.open(open)
	x.mustRegister(a, selector.Write, "SEL-2")
	if ev := r.eventsFor("Select(0)", x.mustSelect(0), a); ev != selector.Write {
		r.failf("Select(0) on an idle connected socket registered for Write, before any write = %s; want Write", evs(ev))
	}

	total := r.fill(a)
	// Write must be absent now. TCP may still free room after EAGAIN (an
	// ACK processed late); then a write succeeds and the buffer is filled
	// again: only a report of Write while write says EAGAIN is a failure.
	const checks = 5
	for round := 0; ; round++ {
		if round == 20 {
			r.skipf("could not keep the send buffer full: after %d refills the kernel still made room (%d bytes written)", round, total)
		}
		absent, stale := 0, false
		for i := 1; i <= checks; i++ {
			if r.eventsFor("Select(0)", x.mustSelect(0), a)&selector.Write == 0 {
				absent++
				continue
			}
			n, err := write(a, []byte{0})
			if errors.Is(err, unix.EAGAIN) {
				r.failf("Select(0) #%d on a socket whose send buffer is full (%d bytes written, write = EAGAIN, peer not reading) = Write; "+
					"want no Write (write-readiness stops while the send buffer is full), and a write after it still says EAGAIN", i, total)
				stale = true
				break
			}
			if err != nil {
				r.fatalf("setup: write(fd %d) after the buffer filled = %v", a, err)
			}
			total += n + r.fill(a)
			break
		}
		if stale {
			return
		}
		if absent == checks {
			r.measuref("%d bytes written before write said EAGAIN (peer not reading); then %d of %d Select(0) calls reported no Write", total, absent, checks)
			break
		}
	}

	drained, back := r.drainUntilWritable(x, a, b, total)
	if !back {
		r.failf("Select on a socket whose peer drained %d of the %d bytes written = no Write within %v; want Write "+
			"(write-readiness returns once the send buffer has room again)", drained, total, r.wait(eventWait))
		return
	}
	r.measuref("Write came back after the peer drained %d of %d bytes", drained, total)
}

// fill writes to fd until the kernel says EAGAIN and returns the bytes
// written.
func (r *run) fill(fd int) int {
	chunk := make([]byte, 64<<10)
	total := 0
	for {
		n, err := write(fd, chunk)
		switch {
		case errors.Is(err, unix.EAGAIN):
			return total
		case err != nil:
			r.fatalf("setup: write(fd %d) after %d bytes = %v", fd, total, err)
		}
		total += n
		if total > 1<<30 {
			r.fatalf("setup: wrote 1 GiB to fd %d without EAGAIN; the peer is not supposed to read", fd)
		}
		if time.Now().After(r.end) {
			r.fatalf("setup: filling the send buffer of fd %d did not end (%d bytes written)", fd, total)
		}
	}
}

// drainUntilWritable reads from b, the peer of a, calling Select(0) after
// every chunk, until Write is reported for a; once everything is read it
// waits for Write with Select. It returns the bytes read by then.
func (r *run) drainUntilWritable(x *sel, a, b, total int) (int, bool) {
	buf := make([]byte, 64<<10)
	drained := 0
	deadline := time.Now().Add(r.wait(ioWait))
	for time.Now().Before(deadline) {
		n, err := read(b, buf)
		switch {
		case n > 0:
			drained += n
			if r.eventsFor("Select(0)", x.mustSelect(0), a)&selector.Write != 0 {
				return drained, true
			}
		case errors.Is(err, unix.EAGAIN):
			if drained >= total {
				_, _, ok := x.selectUntil(a, selector.Write, eventWait)
				return drained, ok
			}
			if r.eventsFor("Select(0)", x.mustSelect(0), a)&selector.Write != 0 {
				return drained, true
			}
			_ = r.waitFD(b, forRead, selectSlice)
		case err != nil:
			r.fatalf("setup: the peer's read after %d bytes = %v", drained, err)
		default:
			r.fatalf("setup: the peer's read after %d bytes = EOF; want the rest of %d bytes", drained, total)
		}
	}
	return drained, false
}
