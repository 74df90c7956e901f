// Package serverenv is what the reference servers' mains do alike: take
// the port from -port or $PORT, exit 0 on SIGINT or SIGTERM, and pause
// after a failed accept (EMFILE, ENFILE) instead of retrying at once.
package serverenv

import (
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// DefaultPort is $PORT if it is set, else 9090; a $PORT that is not a
// number ends the program (named prog) with status 2.
func DefaultPort(prog string) int {
	s := os.Getenv("PORT")
	if s == "" {
		return 9090
	}
	p, err := strconv.Atoi(s)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: bad $PORT %q: %v\n", prog, s, err)
		os.Exit(2)
	}
	return p
}

// ExitOnSignal makes SIGINT and SIGTERM end the program with status 0. An
// echo server has nothing to save: the kernel closes every socket when
// the process exits.
func ExitOnSignal() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		os.Exit(0)
	}()
}

// The pauses after a failed accept, fork or exec: 5 ms, doubling up to
// 1 s while it keeps failing, as net/http's Server.Serve makes them.
const (
	MinBackoff = 5 * time.Millisecond
	MaxBackoff = time.Second
)

// Backoff is the pause after a run of failures. The client stays in the
// listen queue and accept fails again until a descriptor is free; Go's
// Accept retries nothing but ECONNABORTED itself, so retrying at once
// would spin.
type Backoff struct{ delay time.Duration }

// Wait logs err if it is the first of a run of failures, then waits for
// the next pause, or until freed (a connection closed) if freed is not
// nil.
func (b *Backoff) Wait(err error, freed <-chan struct{}) {
	if b.delay == 0 {
		if freed != nil {
			log.Printf("%v; retrying when a connection closes, or after %v doubling to %v", err, MinBackoff, MaxBackoff)
		} else {
			log.Printf("%v; retrying after %v, doubling up to %v", err, MinBackoff, MaxBackoff)
		}
	}
	b.delay = min(max(2*b.delay, MinBackoff), MaxBackoff)
	t := time.NewTimer(b.delay)
	defer t.Stop()
	select {
	case <-freed:
	case <-t.C:
	}
}

// Reset ends a run of failures.
func (b *Backoff) Reset() { b.delay = 0 }
