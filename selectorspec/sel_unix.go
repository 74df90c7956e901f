//go:build unix

package selectorspec

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/echospec/echospec/impl/selector"
)

// The checks' side of run: recording, the guarded selector, and helpers
// to read Select results.

// errPanicked is returned by a guarded call that panicked; the panic has
// already been recorded as a failure.
var errPanicked = errors.New("panicked")

// guard runs one call into the backend (or into open) with panics
// recovered: a panic is recorded as a failure and returned as errPanicked.
func (r *run) guard(op string, f func()) (err error) {
	r.mu.Lock()
	r.op, r.opStart = op, time.Now()
	r.mu.Unlock()
	defer func() {
		v := recover()
		r.mu.Lock()
		r.op, r.lastOp = "", op
		r.mu.Unlock()
		if v == nil {
			return
		}
		if _, ok := v.(stop); ok {
			panic(v)
		}
		r.failf("%s panicked: %v; want a result or an error, never a panic", op, v)
		err = errPanicked
	}()
	f()
	return nil
}

// measuref records an observation.
func (r *run) measuref(format string, args ...any) { r.record(&r.out.Measured, format, args...) }

// infof records a SEL-12 observation, prefixed with the backend's name.
func (r *run) infof(format string, args ...any) {
	r.record(&r.out.Info, "%s: %s", r.backend(), fmt.Sprintf(format, args...))
}

// fatalf records a failure and ends the check.
func (r *run) fatalf(format string, args ...any) {
	r.failf(format, args...)
	panic(stop{})
}

// skipf records why the property cannot be checked here and ends the check.
func (r *run) skipf(format string, args ...any) {
	r.mu.Lock()
	if !r.over {
		r.out.Skipped = fmt.Sprintf(format, args...)
	}
	r.mu.Unlock()
	panic(stop{})
}

func (r *run) backend() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.Backend
}

// wait returns a base duration scaled by patience, capped by the watchdog.
func (r *run) wait(base time.Duration) time.Duration {
	return max(min(r.cfg.scale(base), time.Until(r.end)), 0)
}

// keep leaves the selector and sockets to a goroutine that still uses
// them (a Select that did not return): closing them under it would race.
func (r *run) keep() {
	r.mu.Lock()
	r.keepOpen = true
	r.mu.Unlock()
}

// open calls open, checks that it gave a fresh selector, and arranges for
// it to be closed when the check ends.
func (r *run) open(open Open) *sel {
	var s selector.Selector
	var err error
	if r.guard("Open()", func() { s, err = open() }) != nil {
		panic(stop{})
	}
	if errors.Is(err, selector.ErrUnavailable) {
		// A backend this platform has but this system refuses (io_uring
		// disabled or filtered): nothing to check, and not its fault.
		r.skipf("setup: Open() = %v", err)
	}
	if err != nil {
		r.fatalf("setup: Open() = %v; want a fresh selector", err)
	}
	if s == nil {
		r.fatalf("setup: Open() = nil, nil; want a fresh selector or an error")
	}
	x := &sel{r: r, s: s}
	r.mu.Lock()
	r.closers = append(r.closers, func() {
		if !x.closed {
			_ = r.guard("Close()", func() { _ = s.Close() })
		}
	})
	r.mu.Unlock()
	_ = r.guard("Backend()", func() { x.name = s.Backend() })
	r.mu.Lock()
	if r.out.Backend == "" {
		r.out.Backend = x.name
	}
	r.mu.Unlock()
	if n := x.Len(); n != 0 {
		r.failf("Open() = a selector with Len() = %d; want a fresh, empty one", n)
	}
	return x
}

// sel wraps the selector under test: every call is guarded against panics
// and named for the watchdog.
type sel struct {
	r      *run
	s      selector.Selector
	name   string
	closed bool // Close was called by the check
}

func (x *sel) Register(fd int, ev selector.Events, data any) (k selector.Key, err error) {
	if e := x.r.guard(fmt.Sprintf("Register(fd %d, %v)", fd, ev), func() { k, err = x.s.Register(fd, ev, data) }); e != nil {
		return k, e
	}
	return k, err
}

func (x *sel) Modify(fd int, ev selector.Events, data any) (k selector.Key, err error) {
	if e := x.r.guard(fmt.Sprintf("Modify(fd %d, %v)", fd, ev), func() { k, err = x.s.Modify(fd, ev, data) }); e != nil {
		return k, e
	}
	return k, err
}

func (x *sel) Unregister(fd int) (k selector.Key, err error) {
	if e := x.r.guard(fmt.Sprintf("Unregister(fd %d)", fd), func() { k, err = x.s.Unregister(fd) }); e != nil {
		return k, e
	}
	return k, err
}

func (x *sel) Key(fd int) (k selector.Key, err error) {
	if e := x.r.guard(fmt.Sprintf("Key(fd %d)", fd), func() { k, err = x.s.Key(fd) }); e != nil {
		return k, e
	}
	return k, err
}

func (x *sel) Select(timeout time.Duration) (ready []selector.Ready, err error) {
	if e := x.r.guard("Select("+timeoutString(timeout)+")", func() { ready, err = x.s.Select(timeout) }); e != nil {
		return nil, e
	}
	return ready, err
}

// Len returns Len(), or -1 if it panicked.
func (x *sel) Len() (n int) {
	if x.r.guard("Len()", func() { n = x.s.Len() }) != nil {
		return -1
	}
	return n
}

func (x *sel) Close() (err error) {
	x.closed = true
	if e := x.r.guard("Close()", func() { err = x.s.Close() }); e != nil {
		return e
	}
	return err
}

// mustRegister registers fd and ends the check if that fails.
func (x *sel) mustRegister(fd int, ev selector.Events, data any) {
	if _, err := x.Register(fd, ev, data); err != nil {
		x.r.stopOn(err, "Register(fd %d, %v) = %v; want success", fd, ev, err)
	}
}

// mustSelect calls Select and ends the check if it fails.
func (x *sel) mustSelect(timeout time.Duration) []selector.Ready {
	ready, err := x.Select(timeout)
	if err != nil {
		x.r.stopOn(err, "Select(%s) = error %v; want the ready descriptors", timeoutString(timeout), err)
	}
	return ready
}

// stopOn ends the check, recording the failure unless it was a panic,
// which guard has recorded already.
func (r *run) stopOn(err error, format string, args ...any) {
	if errors.Is(err, errPanicked) {
		panic(stop{})
	}
	r.fatalf(format, args...)
}

// eventsFor returns the events reported for fd; reporting it twice in one
// Select is a failure (every backend reports a descriptor at most once).
func (r *run) eventsFor(op string, ready []selector.Ready, fd int) selector.Events {
	var ev selector.Events
	n := 0
	for _, x := range ready {
		if x.Key.FD == fd {
			ev |= x.Events
			n++
		}
	}
	if n > 1 {
		r.failf("%s = fd %d reported %d times (%s); want at most one Ready per descriptor", op, fd, n, describe(ready))
	}
	return ev
}

// selectUntil calls Select in slices until fd reports every event of want
// or the wait runs out; it returns the events of the last Select for fd.
func (x *sel) selectUntil(fd int, want selector.Events, base time.Duration) (selector.Events, time.Duration, bool) {
	start := time.Now()
	deadline := start.Add(x.r.wait(base))
	for {
		slice := min(x.r.cfg.scale(selectSlice), max(time.Until(deadline), 0))
		ev := x.r.eventsFor("Select", x.mustSelect(slice), fd)
		if ev&want == want {
			return ev, time.Since(start), true
		}
		if time.Now().After(deadline) {
			return ev, time.Since(start), false
		}
	}
}

// timeoutString writes a Select timeout as callers do: 0, -1, 200ms.
func timeoutString(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < 0:
		return "-1"
	}
	return d.String()
}

// evs names events for messages: "no events" for none.
func evs(ev selector.Events) string {
	if ev == 0 {
		return "no events"
	}
	return ev.String()
}

// describe lists a Select result for messages: "no events" or
// "fd 7 Read (data "a"), fd 9 Write (data 3)", sorted by descriptor.
func describe(ready []selector.Ready) string {
	if len(ready) == 0 {
		return "no events"
	}
	s := append([]selector.Ready(nil), ready...)
	sort.Slice(s, func(i, j int) bool { return s[i].Key.FD < s[j].Key.FD })
	parts := make([]string, 0, len(s))
	for i, x := range s {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("… %d more", len(s)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("fd %d %v (data %#v)", x.Key.FD, evs(x.Events), x.Key.Data))
	}
	return strings.Join(parts, ", ")
}
