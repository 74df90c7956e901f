//go:build unix

package selectorspec

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/impl/selector"
)

// SEL-3: Read appears when data arrives, is reported on every Select while
// any of it is unread, and stops once all of it has been read.
func checkReadablePersists(r *run, open Open) {
	a, b := r.tcpPair()
	x := r.open(open)
	x.mustRegister(a, selector.Read, "SEL-3")
	if ev := r.eventsFor("Select(0)", x.mustSelect(0), a); ev != 0 {
		r.failf("Select(0) on a connected socket registered for Read, nothing sent = %s; want no events", evs(ev))
	}
	r.writeAll(b, []byte("hello"))
	ev, took, ok := x.selectUntil(a, selector.Read, eventWait)
	if !ok {
		r.fatalf("Select on a socket whose peer sent 5 bytes = %s for %v; want Read (read-readiness appears when data arrives)", evs(ev), took.Round(time.Millisecond))
	}
	hits, firstMiss := 0, 0
	var missed selector.Events
	for i := 1; i <= selects; i++ {
		if i == selects/2+1 {
			// Consume 2 of the 5 bytes: 3 are still unread.
			if n, err := read(a, make([]byte, 2)); n != 2 || err != nil {
				r.fatalf("setup: read(fd %d, 2 bytes) after Read was reported = %d, %v", a, n, err)
			}
		}
		ev := r.eventsFor("Select(0)", x.mustSelect(0), a)
		switch {
		case ev == selector.Read:
			hits++
		case firstMiss == 0:
			firstMiss, missed = i, ev
		}
	}
	r.measuref("after 5 bytes arrived, %d of %d Select(0) calls reported Read (2 bytes read after #%d)", hits, selects, selects/2)
	if firstMiss != 0 {
		unread := 5
		if firstMiss > selects/2 {
			unread = 3
		}
		r.failf("Select(0) #%d on a socket registered for Read with %d bytes unread = %s; want Read "+
			"(read-readiness persists until the data is consumed; after the arrival was reported, Read came %d of %d times)", firstMiss, unread, evs(missed), hits, selects)
	}
	if n, err := read(a, make([]byte, 16)); n != 3 || err != nil {
		r.fatalf("setup: read(fd %d) of the last 3 bytes = %d, %v", a, n, err)
	}
	if ev := r.eventsFor("Select(0)", x.mustSelect(0), a); ev != 0 {
		r.failf("Select(0) on a socket registered for Read after all 5 bytes were read = %s; want no events (nothing is left to read)", evs(ev))
	}
}

// SEL-4: a peer's close (FIN) is reported as Read, and the read gives 0.
func checkPeerCloseReadable(r *run, open Open) {
	a, b := r.tcpPair()
	x := r.open(open)
	x.mustRegister(a, selector.Read, "SEL-4")
	if ev := r.eventsFor("Select(0)", x.mustSelect(0), a); ev != 0 {
		r.failf("Select(0) on a connected socket registered for Read, peer idle = %s; want no events", evs(ev))
	}
	r.closeFD(b)
	ev, took, ok := x.selectUntil(a, selector.Read, eventWait)
	if !ok {
		r.fatalf("Select on a socket registered for Read whose peer closed = %s for %v; want Read (a peer's close is readable)", evs(ev), took.Round(time.Millisecond))
	}
	n, err := read(a, make([]byte, 16))
	r.measuref("peer's close reported as %v after %v; read = %d bytes, error %v", ev, took.Round(time.Microsecond), n, errText(err))
	if n != 0 || err != nil {
		r.failf("read(fd %d) after Select reported the peer's close = %d bytes, error %v; want 0 bytes, no error (EOF)", a, n, err)
	}
}

// SEL-5: a listening socket is Read while a connection waits to be
// accepted, and not before or after.
func checkListenerReadable(r *run, open Open) {
	lfd, port := r.listen()
	x := r.open(open)
	x.mustRegister(lfd, selector.Read, "listener")
	if ev := r.eventsFor("Select(0)", x.mustSelect(0), lfd); ev != 0 {
		r.failf("Select(0) on a listening socket registered for Read, no client = %s; want no events", evs(ev))
	}
	r.dial(port)
	ev, took, ok := x.selectUntil(lfd, selector.Read, eventWait)
	if !ok {
		r.fatalf("Select on a listening socket registered for Read with a connection waiting = %s for %v; want Read", evs(ev), took.Round(time.Millisecond))
	}
	nfd, _, err := unix.Accept(lfd)
	if errors.Is(err, unix.EAGAIN) {
		r.fatalf("accept on a listening socket just reported Read = EAGAIN; want a connection (the report was spurious)")
	}
	if err != nil {
		r.fatalf("setup: accept after Read was reported = %v", err)
	}
	r.own(nfd, "accepted")
	r.measuref("listening socket reported Read %v after connect; accept succeeded", took.Round(time.Microsecond))
	if ev := r.eventsFor("Select(0)", x.mustSelect(0), lfd); ev != 0 {
		r.failf("Select(0) on a listening socket registered for Read after its only connection was accepted = %s; want no events", evs(ev))
	}
}

// errText names an error for messages, "none" for nil.
func errText(err error) string {
	if err == nil {
		return "none"
	}
	return err.Error()
}
