package selectorspec

import (
	"fmt"
	"sync"
	"time"
)

// checkFunc checks one property; checks, in the build-tagged file of the
// platforms that have Unix sockets, maps each ID to its checkFunc.
type checkFunc func(r *run, open Open)

// stop is the panic value with which a check ends early, after recording
// why; checkProperty recovers it.
type stop struct{}

// run is the state of one property check: what it recorded, what it must
// release, and the call in progress, for the watchdog's message.
type run struct {
	id    string
	cfg   config
	limit time.Duration // the watchdog's deadline, from start
	end   time.Time     // start + limit: no wait of the harness goes beyond it

	mu       sync.Mutex
	out      Outcome
	over     bool      // the watchdog gave up: later records are dropped
	op       string    // the guarded call in progress, "" if none
	opStart  time.Time // when op started
	lastOp   string    // the last guarded call that returned
	fds      map[int]bool
	closers  []func() // Close of every selector opened, in order
	keepOpen bool     // a goroutine still uses the selector: release nothing
}

func newRun(id string, cfg config) *run {
	limit := cfg.scale(propertyLimit)
	if cfg.watchdog > 0 {
		limit = cfg.watchdog
	}
	return &run{id: id, cfg: cfg, limit: limit, end: time.Now().Add(limit),
		out: Outcome{ID: id}, fds: map[int]bool{}}
}

func (r *run) record(list *[]string, format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.over {
		*list = append(*list, r.id+": "+fmt.Sprintf(format, args...))
	}
}

// failf records a misbehaviour: subject → operation → got → want.
func (r *run) failf(format string, args ...any) { r.record(&r.out.Failures, format, args...) }

// abandon is called by the watchdog when the check overruns: it records
// the failure with the call that was in progress and ignores the rest.
func (r *run) abandon(why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	msg := fmt.Sprintf("%s: the check %s", r.id, why)
	switch {
	case r.op != "":
		msg += fmt.Sprintf(": %s had not returned after %v (a call that blocks: want every call to return, and Select to honour its timeout)",
			r.op, time.Since(r.opStart).Round(time.Millisecond))
	case r.lastOp != "":
		msg += fmt.Sprintf(" (no selector call in progress; the last one was %s)", r.lastOp)
	}
	r.out.Failures = append(r.out.Failures, msg+"; its goroutine, selector and sockets are abandoned")
	r.over = true
}

func (r *run) outcome() Outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.out
	o.Failures = append([]string(nil), o.Failures...)
	o.Measured = append([]string(nil), o.Measured...)
	o.Info = append([]string(nil), o.Info...)
	return o
}

// releaseAll closes every selector the check opened and every socket it
// still owns, unless a goroutine still uses them.
func (r *run) releaseAll() {
	r.mu.Lock()
	keepOpen, closers := r.keepOpen, r.closers
	r.mu.Unlock()
	if keepOpen {
		return
	}
	for _, c := range closers {
		c()
	}
	r.closeAll()
}

// closeAll closes every descriptor the check still owns.
func (r *run) closeAll() {
	r.mu.Lock()
	fds := r.fds
	r.fds = map[int]bool{}
	r.mu.Unlock()
	for fd := range fds {
		closeDescriptor(fd)
	}
}
