//go:build unix

package main

import (
	"testing"

	"github.com/echospec/echospec/impl/servertest"
)

// serverBin is the server binary, built by TestMain.
var serverBin string

func TestMain(m *testing.M) { servertest.Main(m, &serverBin) }

// TestCapacity runs the server with 64 descriptors (CAP-1 to CAP-3,
// RESET-4): it holds one client and queues the rest, which it can do
// however many there are; it must not spin meanwhile, must survive
// clients that reset while queued, and must serve each queued client in
// turn. A SIGTERM to its process group then ends it.
func TestCapacity(t *testing.T) {
	p := servertest.ExecLimited(t, servertest.Limits{OpenFiles: 64}, serverBin)
	res := servertest.RunCapacity(t, p, 80)
	t.Log(res)
	if res.Held != 1 {
		t.Errorf("%d clients served at once; want 1", res.Held)
	}
	p.Terminate(t)
}
