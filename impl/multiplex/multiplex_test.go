//go:build unix

package main

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// forEachMechanism runs test once per mechanism this platform has.
func forEachMechanism(t *testing.T, test func(t *testing.T, mechanism string)) {
	for _, name := range slices.Sorted(maps.Keys(mechanisms)) {
		t.Run(name, func(t *testing.T) { test(t, name) })
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
func start(t *testing.T, mechanism string) *testServer {
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
func (ts *testServer) halt(t *testing.T) {
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

// dial connects to addr with a deadline that bounds everything the test does
// on the connection, so a broken server fails the test instead of hanging it.
func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c.(*net.TCPConn)
}

// roundTrip sends msg and expects it back.
func roundTrip(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("reading echo of %q: %v", msg, err)
	}
	if string(got) != msg {
		t.Fatalf("echo = %q, want %q", got, msg)
	}
}

// abort closes c with SO_LINGER {on, 0}, which sends RST instead of FIN.
func abort(t *testing.T, c *net.TCPConn) {
	t.Helper()
	if err := c.SetLinger(0); err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// stall writes to c without ever reading until the kernel buffers on both
// sides are full and a short write deadline expires: by then the server
// holds maxPending bytes of echo for c and has stopped reading from it.
func stall(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
	_, err := c.Write(make([]byte, 64<<20))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write to a client that never reads: err = %v, want a timeout", err)
	}
}

func TestSmallEcho(t *testing.T) {
	forEachMechanism(t, func(t *testing.T, mechanism string) {
		c := dial(t, start(t, mechanism).addr)
		roundTrip(t, c, "hello\n")
		roundTrip(t, c, "and again\n")
	})
}

func TestLargeEchoWhileReading(t *testing.T) {
	forEachMechanism(t, func(t *testing.T, mechanism string) {
		c := dial(t, start(t, mechanism).addr)
		data := make([]byte, 8<<20)
		rand.NewChaCha8([32]byte{1}).Read(data)

		written := make(chan error, 1)
		go func() {
			_, err := c.Write(data)
			if err == nil {
				err = c.CloseWrite()
			}
			written <- err
		}()
		got, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("read after %d bytes: %v", len(got), err)
		}
		if err := <-written; err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("echoed %d bytes that differ from the %d sent", len(got), len(data))
		}
	})
}

func TestHalfCloseEchoesThenEOF(t *testing.T) {
	forEachMechanism(t, func(t *testing.T, mechanism string) {
		c := dial(t, start(t, mechanism).addr)
		msg := "everything before the FIN\n"
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		if err := c.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		// ReadAll returns nil only at EOF: the server must echo, then close.
		got, err := io.ReadAll(c)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != msg {
			t.Fatalf("got %q, want %q", got, msg)
		}
	})
}

func TestAbortedClientThenNext(t *testing.T) {
	forEachMechanism(t, func(t *testing.T, mechanism string) {
		ts := start(t, mechanism)

		// Reset while the server waits to read: ECONNRESET on read.
		c1 := dial(t, ts.addr)
		roundTrip(t, c1, "about to reset\n")
		abort(t, c1)
		roundTrip(t, dial(t, ts.addr), "still serving\n")

		// Reset while the server holds echo it cannot send: ECONNRESET or
		// EPIPE on write.
		c2 := dial(t, ts.addr)
		stall(t, c2)
		abort(t, c2)
		roundTrip(t, dial(t, ts.addr), "still serving after a stalled reset\n")

		// The reset reached the server before the next client's data did,
		// so both aborted connections are closed by now.
		ts.halt(t)
		if n := len(ts.conns); n != 2 {
			t.Errorf("server holds %d connections, want the 2 still open", n)
		}
	})
}
