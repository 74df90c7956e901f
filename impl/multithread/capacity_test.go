//go:build unix

package main

import (
	"testing"

	"github.com/echospec/echospec/impl/servertest"
)

// serverBin is the server binary, built by TestMain.
var serverBin string

func TestMain(m *testing.M) { servertest.Main(m, &serverBin) }

// TestCapacity runs the server past its limits with 80 clients (CAP-1 to
// CAP-3, RESET-4): it must keep serving the clients it holds without
// spinning, survive queued clients that reset, and serve the queued ones
// once others leave; a SIGTERM to its process group then ends it.
//
// The limits are 64 descriptors, as for every model; 64 descriptors and
// 64 threads, the kit's tightest; and 64 threads alone. A Go program
// that fails to create a thread dies, so the server must stop accepting
// before it runs out; with 64 of each, the descriptors run out first.
func TestCapacity(t *testing.T) {
	for _, m := range []struct {
		name string
		lim  servertest.Limits
		args []string
	}{
		{"per-connection", servertest.Limits{OpenFiles: 64}, nil},
		{"pool-4", servertest.Limits{OpenFiles: 64}, []string{"-pool", "4"}},
		{"per-connection-64-threads", servertest.Limits{OpenFiles: 64, Processes: 64}, nil},
		{"per-connection-threads-only", servertest.Limits{Processes: 64}, nil},
	} {
		t.Run(m.name, func(t *testing.T) {
			p := servertest.ExecLimited(t, m.lim, serverBin, m.args...)
			res := servertest.RunCapacity(t, p, 80)
			t.Log(res)
			if res.Waiting == 0 {
				t.Errorf("all %d clients were served at once; want the limit reached", res.Clients)
			}
			if res.Threads >= 64 {
				t.Errorf("%d threads while full; want fewer than 64", res.Threads)
			}
			p.Terminate(t)
		})
	}
}
