//go:build unix

package main

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/impl/selector"
	"github.com/echospec/echospec/impl/servertest"
)

// serverBin is the server binary, built by TestMain.
var serverBin string

func TestMain(m *testing.M) { servertest.Main(m, &serverBin) }

// TestCapacity runs the server with 64 descriptors and 80 clients, once
// per backend (CAP-1 to CAP-3, RESET-4): once accept fails with EMFILE
// it must stop watching the listener instead of spinning on it, keep
// serving the clients it holds, survive queued clients that reset, and
// accept the queued ones as soon as a connection closes. A SIGTERM to its
// process group then ends it.
func TestCapacity(t *testing.T) {
	for _, backend := range selector.Backends() {
		t.Run(backend, func(t *testing.T) {
			skipUnavailable(t, backend)
			p := servertest.ExecLimited(t, servertest.Limits{OpenFiles: 64}, serverBin, "-backend", backend)
			res := servertest.RunCapacity(t, p, 80)
			t.Log(res)
			if res.Waiting == 0 {
				t.Errorf("all %d clients were served at once with 64 descriptors; want the limit reached", res.Clients)
			}
			p.Terminate(t)
		})
	}
}

// TestSelectBeyondFDSetSize: with the kit's default 4,096 descriptors, the
// select backend refuses the clients whose descriptors would be FD_SETSIZE
// or more, and the server serves the rest (CAP-4).
func TestSelectBeyondFDSetSize(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("FD_SETSIZE differs here")
	}
	p := servertest.ExecLimited(t, servertest.Limits{OpenFiles: 4096}, serverBin, "-backend", "select")
	held, refused := servertest.RunRefusals(t, p.Addr, unix.FD_SETSIZE+76)
	t.Logf("%d clients: %d held, %d refused", held+refused, held, refused)
	if refused == 0 || held >= unix.FD_SETSIZE {
		t.Errorf("%d held, %d refused; want those past FD_SETSIZE (%d) refused", held, refused, unix.FD_SETSIZE)
	}
	p.Terminate(t)
}
