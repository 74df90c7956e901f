//go:build linux

package selectorspec

import (
	"strings"
	"testing"
	"time"

	"github.com/echospec/echospec/impl/selector"
)

// Mutants of the epoll backend, each broken in one way, check the checker:
// that a hang, a panic and a leak become the right failure lines.

// wrapper forwards to a real backend; mutants override one method.
type wrapper struct{ selector.Selector }

// hanging ignores Select's timeout once anything is registered, until the
// test ends.
type hanging struct {
	wrapper
	release chan struct{}
}

func (h hanging) Select(timeout time.Duration) ([]selector.Ready, error) {
	if h.Len() > 0 && timeout >= 0 {
		<-h.release
	}
	return h.wrapper.Select(timeout)
}

// panicking panics on Register above fd 1000, as indexing a fixed bitmap
// without a bound check would.
type panicking struct{ wrapper }

func (p panicking) Register(fd int, ev selector.Events, data any) (selector.Key, error) {
	if fd > 1000 {
		var bits [8]uint64
		bits[fd/64] |= 1 << (fd % 64)
	}
	return p.wrapper.Register(fd, ev, data)
}

// leaking opens a second epoll instance of its own and never closes it.
type leaking struct {
	wrapper
	extra selector.Selector
}

func (l leaking) Close() error { return l.wrapper.Close() }

func epollOr(t *testing.T, wrap func(selector.Selector) selector.Selector) Open {
	return func() (selector.Selector, error) {
		s, err := selector.Open("epoll")
		if err != nil {
			t.Fatalf("Open(epoll) = %v", err)
		}
		return wrap(s), nil
	}
}

func failuresOf(t *testing.T, id string, open Open, cfg config) Outcome {
	t.Helper()
	o := checkProperty(t.Context(), id, open, cfg)
	for _, f := range o.Failures {
		t.Logf("%s", f)
	}
	if len(o.Failures) == 0 {
		t.Fatalf("%s passed a mutant that breaks it; want a failure (measured: %v)", id, o.Measured)
	}
	for _, f := range o.Failures {
		if !strings.HasPrefix(f, id+": ") {
			t.Errorf("failure %q does not start with %q", f, id+": ")
		}
	}
	return o
}

func TestWatchdogTurnsAHangIntoAFailure(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	open := epollOr(t, func(s selector.Selector) selector.Selector { return hanging{wrapper{s}, release} })
	start := time.Now()
	o := failuresOf(t, "SEL-1", open, config{patience: 1, watchdog: 300 * time.Millisecond})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("checkProperty took %v with a 300ms watchdog; want it to give up on time", d)
	}
	if !strings.Contains(o.Failures[0], "Select(0) had not returned") {
		t.Errorf("failure %q; want it to name the blocked call, Select(0)", o.Failures[0])
	}
}

func TestPanicIsAFailure(t *testing.T) {
	open := epollOr(t, func(s selector.Selector) selector.Selector { return panicking{wrapper{s}} })
	o := failuresOf(t, "SEL-10", open, config{patience: 1, fdLimit: 1001, fdLimitSet: true})
	if !strings.Contains(strings.Join(o.Failures, "\n"), "panicked: runtime error: index out of range") {
		t.Errorf("failures %q; want \"panicked: runtime error: index out of range\"", o.Failures)
	}
}

func TestLeakIsAFailure(t *testing.T) {
	open := epollOr(t, func(s selector.Selector) selector.Selector {
		extra, err := selector.Open("epoll")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = extra.Close() })
		return leaking{wrapper{s}, extra}
	})
	o := failuresOf(t, "SEL-9", open, config{patience: 1})
	if !strings.Contains(o.Failures[0], "still open, in each of 3 rounds") {
		t.Errorf("failure %q; want it to say the descriptor stayed open", o.Failures[0])
	}
}

func TestUnknownID(t *testing.T) {
	o := CheckProperty("SEL-99", nil)
	if len(o.Failures) != 1 || !strings.HasPrefix(o.Failures[0], "SEL-99: no such property") {
		t.Errorf("CheckProperty(SEL-99) = %v; want one failure saying there is no such property", o.Failures)
	}
}
