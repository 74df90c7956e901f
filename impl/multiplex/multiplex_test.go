//go:build unix

package main

import (
	"maps"
	"runtime"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/impl/servertest"
)

// forEachMechanism runs test once per mechanism this platform has.
func forEachMechanism(t *testing.T, test func(t *testing.T, mechanism string)) {
	for _, name := range slices.Sorted(maps.Keys(mechanisms)) {
		t.Run(name, func(t *testing.T) {
			if check := unavailable[name]; check != nil {
				servertest.SkipUnavailable(t, name, check())
			}
			test(t, name)
		})
	}
}

// A testServer is one event loop running on its own locked thread.
type testServer struct {
	*server
	addr   string
	done   chan error
	halted bool
}

// start runs the given mechanism's loop on an ephemeral port. Cleanup stops
// the loop and closes every descriptor.
func start(t testing.TB, mechanism string) *testServer {
	t.Helper()
	lfd, addr, err := listen("127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newServer(lfd)
	if err != nil {
		unix.Close(lfd)
		t.Fatal(err)
	}
	ts := &testServer{server: s, addr: addr, done: make(chan error, 1)}
	run := mechanisms[mechanism]
	go func() {
		runtime.LockOSThread()
		ts.done <- run(s)
	}()
	t.Cleanup(func() {
		ts.halt(t)
		s.close()
	})
	return ts
}

// halt stops the loop and waits for it to return. Afterwards the test may
// inspect the server's state without racing with the loop.
func (ts *testServer) halt(t testing.TB) {
	t.Helper()
	if ts.halted {
		return
	}
	ts.halted = true
	ts.stop()
	select {
	case err := <-ts.done:
		if err != nil {
			t.Errorf("event loop: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("event loop did not stop")
	}
}

// TestEcho runs the checks every echo server must pass, once per
// mechanism, and then checks that the loop has closed every connection
// those checks closed or reset, including one reset while the loop held
// echo it could not send.
func TestEcho(t *testing.T) {
	forEachMechanism(t, func(t *testing.T, mechanism string) {
		ts := start(t, mechanism)
		servertest.Run(t, ts.addr)

		// Every close and reset reached the server before this client's
		// data did, so the loop has seen them all by the time it echoes.
		servertest.RoundTrip(t, servertest.Dial(t, ts.addr), "one more\n")
		ts.halt(t)
		if n := len(ts.conns); n != 1 {
			t.Errorf("server holds %d connections after the checks, want the 1 still open", n)
		}
	})
}
