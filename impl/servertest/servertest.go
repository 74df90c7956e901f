// Package servertest checks a TCP echo server from the client side. It is
// for the tests of the reference servers in impl/: as
// golang.org/x/net/nettest checks any net.Conn with one call, Run checks any
// echo server with one call.
//
//	func TestEcho(t *testing.T) {
//		servertest.Run(t, servertest.Start(t, serve))
//	}
//
// Run's checks are the ones every model must pass, and RunPool's the ones
// every bounded pool must pass. The checks that belong to one model
// (threads per connection, child processes, backpressure, CPU while idle)
// stay in that server's own tests, built from the same pieces: Dial,
// RoundTrip, Abort and Stall, and Eventually for what only /proc can show.
//
// Every connection Dial opens has a deadline, so a broken server fails the
// test instead of hanging it, and no check sleeps to give the server time:
// where a check needs something not to happen, it waits out a deadline on
// a socket.
package servertest

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"testing"
	"time"
)

// Start listens on an ephemeral loopback port, runs serve(ln) in a
// goroutine, and returns the address. Cleanup closes the listener and fails
// the test unless serve then returns nil within 5 s.
func Start(t *testing.T, serve func(ln net.Listener) error) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve(ln) }()
	t.Cleanup(func() {
		ln.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve = %v; want nil once the listener is closed", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("serve did not return within 5 s of the listener closing")
		}
	})
	return ln.Addr().String()
}

// Run runs the checks every echo server must pass against the server at
// addr, each as a subtest:
//
//   - SmallEcho: two short messages on one connection come back in turn.
//   - BinaryEcho: every byte value, NUL and invalid UTF-8 included, comes
//     back unchanged.
//   - LargeEcho: 8 MiB sent while reading concurrently comes back whole,
//     then EOF follows the client's half-close. One write may take only part
//     of a buffer, and a half-close may arrive while echo is still pending.
//   - HalfClose: after shutdown(SHUT_WR) the server echoes what it was sent,
//     then closes: the client reads it, then EOF.
//   - AbortWhileIdle: a client that resets the connection (SO_LINGER {1, 0})
//     while the server waits to read does not stop the next client being
//     served.
//   - AbortWhileWriting: nor does one that resets while the server is
//     blocked writing to it, or holds echo it cannot send (see Stall).
//   - AbortBeforeAccept: nor do clients that connect and reset at once,
//     while the server is busy with another client, so that they are
//     reset while still in the listen queue (RESET-4).
//
// The checks run one after another on the same server, and each closes its
// connections before the next starts, so a server that serves one client
// at a time passes too.
func Run(t *testing.T, addr string) {
	t.Run("SmallEcho", func(t *testing.T) {
		c := Dial(t, addr)
		RoundTrip(t, c, "hello\n")
		RoundTrip(t, c, "and again\n")
	})

	t.Run("BinaryEcho", func(t *testing.T) {
		var all [256]byte
		for i := range all {
			all[i] = byte(i)
		}
		RoundTrip(t, Dial(t, addr), string(all[:]))
	})

	t.Run("LargeEcho", func(t *testing.T) {
		c := Dial(t, addr)
		c.SetDeadline(time.Now().Add(20 * time.Second))
		data := make([]byte, 8<<20)
		rand.NewChaCha8([32]byte{42}).Read(data)

		written := make(chan error, 1)
		go func() {
			_, err := c.Write(data)
			if err == nil {
				err = c.CloseWrite()
			}
			written <- err
		}()
		// ReadAll returns nil only at EOF.
		got, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("read %d of %d bytes, then %v", len(got), len(data), err)
		}
		if err := <-written; err != nil {
			t.Fatalf("write: %v", err)
		}
		if len(got) != len(data) {
			t.Fatalf("read %d bytes, then EOF; want the %d sent", len(got), len(data))
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("echo differs from what was sent at byte %d of %d", firstDiff(got, data), len(data))
		}
	})

	t.Run("HalfClose", func(t *testing.T) {
		c := Dial(t, addr)
		msg := "everything before the FIN\n"
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		if err := c.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(c)
		if err != nil || string(got) != msg {
			t.Fatalf("after CloseWrite, read %q, %v; want %q, then EOF", got, err, msg)
		}
	})

	t.Run("AbortWhileIdle", func(t *testing.T) {
		c := Dial(t, addr)
		RoundTrip(t, c, "about to reset\n")
		Abort(t, c) // the server is waiting to read: ECONNRESET there
		RoundTrip(t, Dial(t, addr), "still serving\n")
	})

	t.Run("AbortWhileWriting", func(t *testing.T) {
		c := Dial(t, addr)
		Stall(t, c)
		Abort(t, c) // ECONNRESET or EPIPE on the server's next write
		RoundTrip(t, Dial(t, addr), "still serving after a stalled reset\n")
	})

	t.Run("AbortBeforeAccept", func(t *testing.T) {
		// A server serving one client at a time accepts none of the
		// others while this one is connected; others accept them only
		// as fast as they can, so most are reset before that.
		hold := Dial(t, addr)
		RoundTrip(t, hold, "holding\n")
		for range 20 {
			Abort(t, Dial(t, addr))
		}
		hold.Close()
		RoundTrip(t, Dial(t, addr), "still serving after resets in the listen queue\n")
	})
}

// RunPool checks a server that serves at most size clients at once, with a
// pool of size workers: size clients are served together, and one more
// connects at once (the kernel completes the handshake) but gets no echo
// until one of them leaves.
func RunPool(t *testing.T, addr string, size int) {
	t.Helper()
	served := make([]*net.TCPConn, size)
	for i := range served {
		served[i] = Dial(t, addr)
		RoundTrip(t, served[i], "served\n")
	}

	queued := Dial(t, addr)
	msg := "queued\n"
	if _, err := queued.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	// Checking that something does not happen needs a wait; 300 ms is
	// plenty for an echo on loopback.
	queued.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := queued.Read(make([]byte, len(msg))); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("client %d read %d bytes, %v while %d workers are busy; want a timeout", size+1, n, err, size)
	}

	served[0].Close()
	queued.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(queued, got); err != nil || string(got) != msg {
		t.Fatalf("after a worker freed up, client %d read %q, %v; want %q", size+1, got, err, msg)
	}
}

// Eventually reports whether cond holds within 5 s, asking every 10 ms. It
// is for server state that no socket shows, such as threads or child
// processes that must exit: where a socket can show it, wait on the socket
// with a deadline instead.
func Eventually(cond func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// firstDiff is the offset of the first byte where a and b differ, or -1
// if they agree as far as the shorter goes.
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
