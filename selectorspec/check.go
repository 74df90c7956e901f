package selectorspec

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/echospec/echospec/impl/selector"
)

// Open returns a fresh, empty selector for one check. Each property calls
// it at least once (SEL-9 several times) and closes what it returns, so it
// must return a new Selector on every call, never one in use elsewhere.
type Open func() (selector.Selector, error)

// Option adjusts Check, CheckProperty, DescribeBackend and Test.
type Option func(*config)

// WithFDLimit declares the highest number of descriptors the backend can
// watch: Register must refuse any descriptor >= n (SEL-10). Zero declares
// that there is no limit, so a descriptor >= 1024 must be accepted. Without
// this option a backend whose Backend() is "select" has the limit
// FD_SETSIZE (len(unix.FdSet{}.Bits) times its bits per word: 1024 on
// Linux, darwin and FreeBSD) and every other backend has none.
func WithFDLimit(n int) Option {
	return func(c *config) { c.fdLimit, c.fdLimitSet = max(n, 0), true }
}

// WithPatience multiplies every deadline and timing tolerance by f (for a
// slow or loaded machine, e.g. 3). Values <= 0 are ignored. It never makes
// a check stricter than the default.
func WithPatience(f float64) Option {
	return func(c *config) {
		if f > 0 {
			c.patience = f
		}
	}
}

type config struct {
	patience   float64
	fdLimit    int
	fdLimitSet bool
	watchdog   time.Duration // the property deadline if > 0 (for the package's own tests)
}

func newConfig(opts []Option) config {
	c := config{patience: 1}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// scale multiplies a base duration by the patience factor.
func (c config) scale(d time.Duration) time.Duration {
	return time.Duration(float64(d) * c.patience)
}

// Base durations, multiplied by the patience factor.
const (
	propertyLimit = 30 * time.Second       // the watchdog: one property, start to end
	eventWait     = 2 * time.Second        // for an expected event on loopback
	ioWait        = 5 * time.Second        // for one socket operation of the harness
	selectSlice   = 50 * time.Millisecond  // one Select while waiting for an event
	instantLimit  = 100 * time.Millisecond // what "at once" may take
)

// Outcome is the verdict on one property for one backend.
type Outcome struct {
	ID      string // the property, e.g. "SEL-1"
	Backend string // Backend() of the selector checked, "" if Open failed
	// Failures lists every misbehaviour, one line each, starting with ID
	// and worded subject → operation → got → want.
	Failures []string
	// Measured lists what was observed, failed or not ("SEL-1: 20 of 20
	// Select(0) calls reported Write"), for reports and failure context.
	Measured []string
	// Info holds the SEL-12 observations (empty for other properties).
	Info []string
	// Skipped says why the property could not be checked here, if so
	// (e.g. RLIMIT_NOFILE too low for SEL-10). A skip is not a failure.
	Skipped string
	Elapsed time.Duration
}

// Passed reports whether the property was checked and held.
func (o Outcome) Passed() bool { return o.Skipped == "" && len(o.Failures) == 0 }

// Err returns nil if nothing failed, or an error whose text is Failures,
// one per line.
func (o Outcome) Err() error {
	if len(o.Failures) == 0 {
		return nil
	}
	return errors.New(strings.Join(o.Failures, "\n"))
}

// Result is the verdict of Check on one backend.
type Result struct {
	Backend  string              // Backend() of the selectors checked
	Passed   []string            // IDs that held, in Properties() order
	Failed   map[string][]string // ID → its failure lines
	Info     []string            // SEL-12 observations, one per line
	Skipped  map[string]string   // ID → why it was not checked
	Measured map[string][]string // ID → what was observed
	Outcomes []Outcome           // every property's outcome, in order
}

// FailedIDs returns the IDs in Failed, in Properties() order.
func (r *Result) FailedIDs() []string {
	var ids []string
	for _, p := range catalogue {
		if _, ok := r.Failed[p.ID]; ok {
			ids = append(ids, p.ID)
		}
	}
	return ids
}

// Check runs every property of Properties() against the backend that open
// returns, one after the other, each with a fresh selector and a watchdog
// (30 s times the patience factor) that turns a hang into a failure.
//
// It returns nil if every property held or was skipped, and otherwise an
// error listing every misbehaviour, one per line, each starting with the
// property ID. The Result is never nil; it also holds the SEL-12
// observations, which are informational. Check is safe to call outside
// tests. It changes process state in two ways: SEL-10 and SEL-11 may raise
// the soft RLIMIT_NOFILE up to the hard limit, and a property that hangs
// leaves its goroutine, selector and sockets behind.
func Check(open Open, opts ...Option) (*Result, error) {
	cfg := newConfig(opts)
	res := &Result{
		Failed:   map[string][]string{},
		Skipped:  map[string]string{},
		Measured: map[string][]string{},
	}
	var lines []string
	for _, p := range catalogue {
		o := checkProperty(context.Background(), p.ID, open, cfg)
		res.Outcomes = append(res.Outcomes, o)
		if res.Backend == "" {
			res.Backend = o.Backend
		}
		res.Info = append(res.Info, o.Info...)
		if len(o.Measured) > 0 {
			res.Measured[p.ID] = o.Measured
		}
		switch {
		case len(o.Failures) > 0:
			res.Failed[p.ID] = o.Failures
			lines = append(lines, o.Failures...)
		case o.Skipped != "":
			res.Skipped[p.ID] = o.Skipped
		default:
			res.Passed = append(res.Passed, p.ID)
		}
	}
	if len(lines) > 0 {
		return res, errors.New(strings.Join(lines, "\n"))
	}
	return res, nil
}

// CheckProperty checks one property, by ID, as Check does. An unknown ID
// gives an Outcome with one failure line saying so.
func CheckProperty(id string, open Open, opts ...Option) Outcome {
	return checkProperty(context.Background(), id, open, newConfig(opts))
}

// checkProperty is the one place every entry point (Check, CheckProperty,
// DescribeBackend, Test) runs a property: in its own goroutine, under a
// watchdog, with panics recovered and resources released.
func checkProperty(ctx context.Context, id string, open Open, cfg config) Outcome {
	start := time.Now()
	if _, ok := lookup(id); !ok {
		return Outcome{ID: id, Failures: []string{fmt.Sprintf("%s: no such property; Properties() lists the IDs", id)}}
	}
	check := checks[id]
	if check == nil {
		return Outcome{ID: id, Skipped: "selectorspec has no checks for this GOOS: they need Unix sockets"}
	}
	r := newRun(id, cfg)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer r.releaseAll()
		defer func() {
			if v := recover(); v != nil {
				if _, ok := v.(stop); !ok {
					r.failf("the check itself panicked: %v\n%s", v, debug.Stack())
				}
			}
		}()
		check(r, open)
	}()
	timer := time.NewTimer(r.limit)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		r.abandon(fmt.Sprintf("did not finish within %v", r.limit))
	case <-ctx.Done():
		r.abandon(fmt.Sprintf("was interrupted (%v)", context.Cause(ctx)))
	}
	o := r.outcome()
	o.Elapsed = time.Since(start)
	return o
}
