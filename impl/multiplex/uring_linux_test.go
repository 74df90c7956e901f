package main

import (
	"testing"

	"github.com/echospec/echospec/impl/internal/uring"
	"github.com/echospec/echospec/impl/servertest"
)

// TestURingSingleShot runs the io_uring loop as on a kernel without
// multishot receive or buffer rings (-single-shot): one request per accept
// and per receive, into each connection's own buffer.
func TestURingSingleShot(t *testing.T) {
	servertest.SkipUnavailable(t, "io_uring", uring.Unavailable())
	*singleShot = true
	t.Cleanup(func() { *singleShot = false })
	ts := start(t, "io_uring")
	servertest.Run(t, ts.addr)
	servertest.Stall(t, servertest.Dial(t, ts.addr))
	servertest.RoundTrip(t, servertest.Dial(t, ts.addr), "not kept waiting\n")
	ts.halt(t)
	for _, c := range ts.conns {
		if c.pending() > maxPending+readSize {
			t.Errorf("pending %d bytes: want at most %d", c.pending(), maxPending+readSize)
		}
	}
}

// TestURingBefore617 runs the io_uring loop as on kernels before 6.17: a
// buffer per receive, and backpressure by cancelling the multishot
// receive of a client that does not read.
func TestURingBefore617(t *testing.T) {
	servertest.SkipUnavailable(t, "io_uring", uring.Unavailable())
	asBefore617 = true
	t.Cleanup(func() { asBefore617 = false })
	ts := start(t, "io_uring")
	servertest.Run(t, ts.addr)
	servertest.Stall(t, servertest.Dial(t, ts.addr))
	servertest.RoundTrip(t, servertest.Dial(t, ts.addr), "not kept waiting\n")
	ts.halt(t)
	stalled := 0
	for _, c := range ts.conns {
		if c.pending() > maxPending+readSize {
			t.Errorf("pending %d bytes: want at most %d", c.pending(), maxPending+readSize)
		}
		if !c.want().read {
			stalled++
		}
	}
	if stalled != 1 {
		t.Errorf("%d connections have reading paused, want 1", stalled)
	}
}
