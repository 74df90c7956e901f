//go:build unix && !aix

package main

import (
	"testing"

	"github.com/echospec/echospec/impl/servertest"
)

// serverBin is the server binary, built by TestMain.
var serverBin string

func TestMain(m *testing.M) { servertest.Main(m, &serverBin) }

// startServer starts the server binary on an ephemeral port with args, in
// a process group of its own, and waits until it listens. Cleanup kills
// the whole group and waits for every process in it.
func startServer(t *testing.T, args ...string) *servertest.Process {
	t.Helper()
	return servertest.Exec(t, serverBin, args...)
}

// modes are the ways the server runs: a process per connection, and pools
// of one worker (which serves one client at a time) and of two.
var modes = []struct {
	name string
	args []string
}{
	{"per-connection", nil},
	{"pool-1", []string{"-pool", "1"}},
	{"pool-2", []string{"-pool", "2"}},
}

// TestEcho runs the checks every echo server must pass, once per mode. The
// half-close check also shows that the parent keeps no copy of a client's
// socket, which would hold the connection open after the child closes it.
func TestEcho(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			servertest.Run(t, startServer(t, m.args...).Addr)
		})
	}
}

// TestPoolQueues: with a pool of 2, a third client connects but gets no echo
// until one of the first two leaves.
func TestPoolQueues(t *testing.T) {
	servertest.RunPool(t, startServer(t, "-pool", "2").Addr, 2)
}

// TestSIGTERMGroup: a SIGTERM to the process group ends the parent and
// every child within 3 s.
func TestSIGTERMGroup(t *testing.T) {
	for _, args := range [][]string{nil, {"-pool", "2"}} {
		s := startServer(t, args...)
		for range 2 {
			servertest.RoundTrip(t, servertest.Dial(t, s.Addr), "hold")
		}
		s.Terminate(t)
	}
}

// TestCapacity runs the server past its limits with 80 clients (CAP-1 to
// CAP-3, RESET-4), once per model. With 64 descriptors and a process per
// connection, the parent holds each connection only while it starts the
// child, and every child has a limit of its own, so all 80 are served at
// once; with a pool of 4 the rest queue. With 64 processes and threads as
// well, the parent must stop starting children before they run out: a
// child that cannot create its runtime's threads dies, dropping its
// client. Either way nothing may spin, queued clients that reset must do
// no harm, and the queued ones are served once others leave; a SIGTERM to
// the process group then ends every process.
func TestCapacity(t *testing.T) {
	for _, m := range []struct {
		name string
		lim  servertest.Limits
		args []string
	}{
		{"per-connection", servertest.Limits{OpenFiles: 64}, nil},
		{"pool-4", servertest.Limits{OpenFiles: 64}, []string{"-pool", "4"}},
		{"per-connection-64-processes", servertest.Limits{OpenFiles: 64, Processes: 64}, nil},
		{"pool-4-64-processes", servertest.Limits{OpenFiles: 64, Processes: 64}, []string{"-pool", "4"}},
	} {
		t.Run(m.name, func(t *testing.T) {
			p := servertest.ExecLimited(t, m.lim, serverBin, m.args...)
			res := servertest.RunCapacity(t, p, 80)
			t.Log(res)
			p.Terminate(t)
		})
	}
}
