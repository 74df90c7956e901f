//go:build unix

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

// startServer runs serve on an ephemeral port in this process and returns
// its address. Cleanup closes the listener and waits for serve to return.
func startServer(t *testing.T, pool int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve(ln, pool) }()
	t.Cleanup(func() {
		ln.Close()
		if err := <-done; err != nil {
			t.Errorf("serve = %v; want nil after the listener closes", err)
		}
	})
	return ln.Addr().String()
}

// dial connects to addr with a 5 s deadline on every operation; cleanup
// closes the connection.
func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// roundTrip sends msg on c and checks that exactly msg comes back.
func roundTrip(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatalf("write(%q) = %v", msg, err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read echo of %q = %v (got %q so far)", msg, err, got)
	}
	if string(got) != msg {
		t.Fatalf("echo = %q; want %q", got, msg)
	}
}

func TestEcho(t *testing.T) {
	for _, pool := range []int{0, 2} {
		addr := startServer(t, pool)
		c := dial(t, addr)
		roundTrip(t, c, "hello, world\n")
		roundTrip(t, c, "\x00\xff\xfe binary \x80")
	}
}

// TestLargeEcho sends 8 MiB while reading concurrently: the server must
// write back every byte even though one write may take only part of a
// buffer.
func TestLargeEcho(t *testing.T) {
	c := dial(t, startServer(t, 0))
	c.SetDeadline(time.Now().Add(20 * time.Second))
	want := make([]byte, 8<<20)
	rand.NewChaCha8([32]byte{42}).Read(want)
	sent := make(chan error, 1)
	go func() {
		_, err := c.Write(want)
		sent <- err
	}()
	got := make([]byte, len(want))
	n, err := io.ReadFull(c, got)
	if err != nil {
		t.Fatalf("read = %d bytes, %v; want %d bytes", n, err, len(want))
	}
	if err := <-sent; err != nil {
		t.Fatalf("write = %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("echo of 8 MiB differs from what was sent")
	}
}

// TestHalfClose: after the client's shutdown(SHUT_WR) the server echoes what
// is pending, then closes.
func TestHalfClose(t *testing.T) {
	c := dial(t, startServer(t, 0))
	if _, err := c.Write([]byte("last words")); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "last words" {
		t.Fatalf("after CloseWrite, read = %q, %v; want %q, then EOF", got, err, "last words")
	}
}

// TestReset: clients that abort with RST, while idle or while the server is
// writing a large echo, do not stop the server serving the next client.
func TestReset(t *testing.T) {
	for _, pool := range []int{0, 1} {
		addr := startServer(t, pool)

		idle := dial(t, addr)
		roundTrip(t, idle, "ping")
		idle.SetLinger(0) // close sends RST
		idle.Close()

		busy := dial(t, addr)
		busy.Write(make([]byte, 4<<20)) // more than the socket buffers hold; we never read
		busy.SetLinger(0)
		busy.Close()

		roundTrip(t, dial(t, addr), "still there?")
	}
}

// TestPoolQueues: with a pool of 2, a third client connects but gets no
// echo until one of the first two leaves.
func TestPoolQueues(t *testing.T) {
	addr := startServer(t, 2)
	first, second := dial(t, addr), dial(t, addr)
	roundTrip(t, first, "one")
	roundTrip(t, second, "two")

	third := dial(t, addr)
	if _, err := third.Write([]byte("three")); err != nil {
		t.Fatal(err)
	}
	// Checking that something does not happen needs a wait; 300 ms is
	// plenty for an echo on loopback.
	third.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := third.Read(make([]byte, 8)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("third client read = %d, %v while both workers are busy; want a timeout", n, err)
	}

	first.Close()
	third.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, 5)
	if _, err := io.ReadFull(third, got); err != nil || string(got) != "three" {
		t.Fatalf("after a worker freed up, third client read = %q, %v; want %q", got, err, "three")
	}
}
