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
