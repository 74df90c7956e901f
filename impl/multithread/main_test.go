//go:build unix

package main

import (
	"net"
	"testing"

	"github.com/echospec/echospec/impl/servertest"
)

// startServer runs serve with the given pool size on an ephemeral port in
// this process and returns its address.
func startServer(t *testing.T, pool int) string {
	t.Helper()
	return servertest.Start(t, func(ln net.Listener) error { return serve(ln, pool, 0) })
}

// TestEcho runs the checks every echo server must pass: with a thread per
// connection, and with pools of one thread (which serves one client at a
// time) and of two.
func TestEcho(t *testing.T) {
	for _, m := range []struct {
		name string
		pool int
	}{{"per-connection", 0}, {"pool-1", 1}, {"pool-2", 2}} {
		t.Run(m.name, func(t *testing.T) {
			servertest.Run(t, startServer(t, m.pool))
		})
	}
}

// TestPoolQueues: with a pool of 2, a third client connects but gets no
// echo until one of the first two leaves.
func TestPoolQueues(t *testing.T) {
	servertest.RunPool(t, startServer(t, 2), 2)
}
