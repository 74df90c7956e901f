package main

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

// start runs serve on an ephemeral port and returns the address. Cleanup
// closes the listener and waits for serve to return.
func start(t *testing.T) string {
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
				t.Errorf("serve: %v", err)
			}
		case <-time.After(2 * time.Second):
			t.Error("serve did not return after the listener was closed")
		}
	})
	return ln.Addr().String()
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
// sides are full and a short write deadline expires. The server's goroutine
// for c is then blocked in Write.
func stall(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
	_, err := c.Write(make([]byte, 64<<20))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write to a client that never reads: err = %v, want a timeout", err)
	}
}

func TestSmallEcho(t *testing.T) {
	c := dial(t, start(t))
	roundTrip(t, c, "hello\n")
	roundTrip(t, c, "and again\n")
}

func TestLargeEchoWhileReading(t *testing.T) {
	c := dial(t, start(t))
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
}

func TestHalfCloseEchoesThenEOF(t *testing.T) {
	c := dial(t, start(t))
	msg := "everything before the FIN\n"
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	// ReadAll returns nil only at EOF: the server must echo and then close.
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != msg {
		t.Fatalf("got %q, want %q", got, msg)
	}
}

func TestAbortedClientThenNext(t *testing.T) {
	addr := start(t)

	// Reset arrives while the server waits in Read: ECONNRESET there.
	c1 := dial(t, addr)
	roundTrip(t, c1, "about to reset\n")
	abort(t, c1)
	roundTrip(t, dial(t, addr), "still serving\n")

	// Reset arrives while the server is blocked in Write: EPIPE or
	// ECONNRESET there.
	c2 := dial(t, addr)
	stall(t, c2)
	abort(t, c2)
	roundTrip(t, dial(t, addr), "still serving after a stalled reset\n")
}

func TestClientsAreServedConcurrently(t *testing.T) {
	addr := start(t)

	// An idle client and one that sends without reading are both still
	// connected while a third is served.
	idle := dial(t, addr)
	roundTrip(t, idle, "then silence\n")
	stall(t, dial(t, addr))
	roundTrip(t, dial(t, addr), "not kept waiting\n")
	roundTrip(t, idle, "the idle one is still served\n")
}
