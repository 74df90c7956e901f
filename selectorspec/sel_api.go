//go:build unix

package selectorspec

import (
	"errors"
	"fmt"
	"time"

	"github.com/echospec/echospec/impl/selector"
)

// token is caller data compared by identity: a backend must hand back the
// very value given, not a copy.
type token struct{ name string }

// readyFor returns the Ready reported for fd, if any.
func readyFor(ready []selector.Ready, fd int) (selector.Ready, bool) {
	for _, x := range ready {
		if x.Key.FD == fd {
			return x, true
		}
	}
	return selector.Ready{}, false
}

// selectAll calls Select in slices until every fd in fds has reported all
// of want, and returns the union of what each descriptor reported.
func (x *sel) selectAll(fds []int, want selector.Events, base time.Duration) map[int]selector.Events {
	seen := map[int]selector.Events{}
	deadline := time.Now().Add(x.r.wait(base))
	for {
		for _, rd := range x.mustSelect(min(x.r.cfg.scale(selectSlice), max(time.Until(deadline), 0))) {
			seen[rd.Key.FD] |= rd.Events
		}
		done := true
		for _, fd := range fds {
			done = done && seen[fd]&want == want
		}
		if done || time.Now().After(deadline) {
			return seen
		}
	}
}

// SEL-6: the data given at Register, then at Modify, comes back with each
// event; Modify changes the events too.
func checkDataRoundTrip(r *run, open Open) {
	a, b := r.socketPair()
	x := r.open(open)
	first := &token{"first"}
	if k, err := x.Register(a, selector.Read, first); err != nil {
		r.stopOn(err, "Register(fd %d, Read, data) = %v; want success", a, err)
	} else if k.FD != a || k.Events != selector.Read || k.Data != any(first) {
		r.failf("Register(fd %d, Read, data %p) = Key{%d, %v, %#v}; want the same fd, events and data", a, first, k.FD, k.Events, k.Data)
	}
	steps := []struct {
		what   string // the step, for messages
		state  string // what is ready, for messages
		events selector.Events
		data   any
		modify bool
	}{
		{"after Register(Read, pointer)", "with data waiting", selector.Read, first, false},
		{"after a data-only Modify(Read, \"second\")", "with data waiting", selector.Read, "second", true},
		{"after Modify(Write, 42)", "with room to write", selector.Write, 42, true},
		{"after Modify(Read|Write, \"both\")", "with data waiting and room to write", selector.Read | selector.Write, "both", true},
	}
	for _, st := range steps {
		if st.modify {
			k, err := x.Modify(a, st.events, st.data)
			if err != nil {
				r.stopOn(err, "Modify(fd %d, %v, %#v) of a registered socket = %v; want success", a, st.events, st.data, err)
			}
			if k.FD != a || k.Events != st.events || k.Data != st.data {
				r.failf("Modify(fd %d, %v, %#v) = Key{%d, %v, %#v}; want the new events and data", a, st.events, st.data, k.FD, k.Events, k.Data)
			}
		}
		if k, err := x.Key(a); err != nil || k.Events != st.events || k.Data != st.data {
			r.failf("Key(fd %d) %s = Key{%d, %v, %#v}, %v; want events %v, data %#v", a, st.what, k.FD, k.Events, k.Data, err, st.events, st.data)
		}
		// Fresh readiness for each step, so this checks the data, not
		// whether readiness is level-triggered (SEL-1 and SEL-3 do that).
		if st.events&selector.Read != 0 {
			r.writeAll(b, []byte{'x'})
		}
		got := r.readyWithData(x, a, st.events, st.data, st.what)
		if got != st.events {
			r.failf("Select on a socket registered for %v %s, %s = %s; want %v", st.events, st.what, st.state, evs(got), st.events)
		}
		drain(a)
	}
	r.measuref("data came back with every event: after Register, a data-only Modify, and two Modify calls that changed the events")
}

// readyWithData selects until fd has reported every event of want, checks
// that each Ready reported for it carries the registration (fd, events
// and data), and returns the union of the events reported for it.
func (r *run) readyWithData(x *sel, fd int, want selector.Events, data any, what string) selector.Events {
	var union selector.Events
	wrong := false
	deadline := time.Now().Add(r.wait(eventWait))
	for union&want != want && time.Now().Before(deadline) {
		rd, ok := readyFor(x.mustSelect(min(r.cfg.scale(selectSlice), max(time.Until(deadline), 0))), fd)
		if !ok {
			continue
		}
		union |= rd.Events
		if !wrong && (rd.Key.FD != fd || rd.Key.Events != want || rd.Key.Data != data) {
			wrong = true
			r.failf("Select %s = fd %d %v with Key{%d, %v, %#v}; want the registration, Key{%d, %v, %#v}",
				what, fd, rd.Events, rd.Key.FD, rd.Key.Events, rd.Key.Data, fd, want, data)
		}
	}
	return union
}

// misuse is one call that must fail with a documented error.
type misuse struct {
	what string
	err  error
	want error
}

// SEL-7: Unregister stops events; misuse is an error, never a panic.
func checkUnregisterAndMisuse(r *run, open Open) {
	a1, b1 := r.socketPair()
	a2, b2 := r.socketPair()
	x := r.open(open)
	x.mustRegister(a1, selector.Read, "p")
	x.mustRegister(a2, selector.Read, "q")
	r.writeAll(b1, []byte{1})
	r.writeAll(b2, []byte{2})
	if seen := x.selectAll([]int{a1, a2}, selector.Read, eventWait); seen[a1] != selector.Read || seen[a2] != selector.Read {
		r.fatalf("Select with data waiting on two sockets registered for Read = fd %d %s, fd %d %s; want Read on both", a1, evs(seen[a1]), a2, evs(seen[a2]))
	}
	if k, err := x.Unregister(a1); err != nil {
		r.stopOn(err, "Unregister(fd %d) of a registered socket = %v; want success", a1, err)
	} else if k.FD != a1 || k.Events != selector.Read || k.Data != "p" {
		r.failf("Unregister(fd %d) = Key{%d, %v, %#v}; want its last registration Key{%d, Read, \"p\"}", a1, k.FD, k.Events, k.Data, a1)
	}
	if n := x.Len(); n != 1 {
		r.failf("Len() after one of two registrations was removed = %d; want 1", n)
	}
	r.writeAll(b1, []byte{3})
	r.writeAll(b2, []byte{4})
	seen := x.selectAll([]int{a2}, selector.Read, eventWait)
	if ev := seen[a1]; ev != 0 {
		r.failf("Select after Unregister(fd %d), with data waiting on it = fd %d %v; want no events for it (Unregister stops events)", a1, a1, ev)
	}
	if seen[a2] != selector.Read {
		r.failf("Select after Unregister of another socket, new data on fd %d = %s; want Read (the other registrations keep working)", a2, evs(seen[a2]))
	}
	if _, err := x.Register(a1, selector.Read, "p again"); err != nil {
		r.stopOn(err, "Register(fd %d) again after Unregister = %v; want success (the registration is gone)", a1, err)
	}
	if _, err := x.Unregister(a1); err != nil {
		r.stopOn(err, "Unregister(fd %d) = %v; want success", a1, err)
	}

	calls := []misuse{
		{fmt.Sprintf("Unregister(fd %d), never registered", b1), second(x.Unregister(b1)), selector.ErrNotRegistered},
		{fmt.Sprintf("Unregister(fd %d), already unregistered", a1), second(x.Unregister(a1)), selector.ErrNotRegistered},
		{fmt.Sprintf("Register(fd %d, Write), already registered", a2), second(x.Register(a2, selector.Write, nil)), selector.ErrRegistered},
		{fmt.Sprintf("Register(fd %d, no events)", b2), second(x.Register(b2, 0, nil)), selector.ErrNoEvents},
		{fmt.Sprintf("Register(fd %d, events 0x4)", b2), second(x.Register(b2, 4, nil)), selector.ErrBadEvents},
		{"Register(fd -1, Read)", second(x.Register(-1, selector.Read, nil)), selector.ErrBadFD},
		{fmt.Sprintf("Modify(fd %d, Read), never registered", b1), second(x.Modify(b1, selector.Read, nil)), selector.ErrNotRegistered},
		{fmt.Sprintf("Modify(fd %d, no events)", a2), second(x.Modify(a2, 0, nil)), selector.ErrNoEvents},
		{fmt.Sprintf("Key(fd %d), never registered", b1), second(x.Key(b1)), selector.ErrNotRegistered},
	}
	bad := 0
	for _, c := range calls {
		switch {
		case errors.Is(c.err, errPanicked):
			bad++ // recorded by guard
		case c.err == nil:
			bad++
			r.failf("%s = success; want an error matching %v (errors.Is)", c.what, c.want)
		case !errors.Is(c.err, c.want):
			bad++
			r.failf("%s = error %q; want an error matching %v (errors.Is), as the Selector contract documents", c.what, c.err, c.want)
		}
	}
	if k, err := x.Key(a2); err != nil || k.Events != selector.Read || k.Data != "q" {
		r.failf("Key(fd %d) after a refused second Register = Key{%v, %#v}, %v; want the first registration, Read with \"q\"", a2, k.Events, k.Data, err)
	}
	if _, err := x.Key(b2); !errors.Is(err, selector.ErrNotRegistered) && !errors.Is(err, errPanicked) {
		r.failf("Key(fd %d) after refused Register calls = %v; want ErrNotRegistered (a refused Register registers nothing)", b2, err)
	}
	r.measuref("Unregister stopped events; %d of %d misuse calls returned the documented error", len(calls)-bad, len(calls))
}

func second[T any](_ T, err error) error { return err }
