//go:build unix

package main

import (
	"testing"

	"github.com/echospec/echospec/impl/servertest"
)

// serverBin is the server binary, built by TestMain.
var serverBin string

func TestMain(m *testing.M) { servertest.Main(m, &serverBin) }

// TestCapacity runs the server with 64 descriptors and 80 clients (CAP-1
// to CAP-3, RESET-4): once accept fails with EMFILE it must keep serving
// the clients it holds without spinning, survive queued clients that
// reset, and serve the queued ones as soon as descriptors free up. A
// SIGTERM to its process group then ends it.
func TestCapacity(t *testing.T) {
	p := servertest.ExecLimited(t, servertest.Limits{OpenFiles: 64}, serverBin)
	res := servertest.RunCapacity(t, p, 80)
	t.Log(res)
	if res.Waiting == 0 {
		t.Errorf("all %d clients were served at once with 64 descriptors; want the limit reached", res.Clients)
	}
	p.Terminate(t)
}
