//go:build unix

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/impl/selector"
	"github.com/echospec/echospec/impl/servertest"
)

// skipUnavailable skips a backend this system refuses (io_uring where it is
// missing or disabled), with the reason.
func skipUnavailable(t *testing.T, backend string) {
	t.Helper()
	s, err := selector.Open(backend)
	if err == nil {
		s.Close()
		return
	}
	if errors.Is(err, selector.ErrUnavailable) {
		servertest.SkipUnavailable(t, backend, err)
	}
}

// eachBackend runs f against an in-process server on an ephemeral port, once
// per selector backend, and checks that the server stops cleanly.
func eachBackend(t *testing.T, f func(t *testing.T, addr string)) {
	for _, name := range selector.Backends() {
		t.Run(name, func(t *testing.T) {
			skipUnavailable(t, name)
			srv, err := listen("127.0.0.1", 0, name)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				runtime.LockOSThread()
				done <- srv.serve()
			}()
			t.Cleanup(func() {
				srv.stop()
				select {
				case err := <-done:
					if err != nil {
						t.Errorf("serve() = %v", err)
					}
				case <-time.After(5 * time.Second):
					t.Error("serve did not return within 5s of stop")
				}
			})
			f(t, srv.addr)
		})
	}
}

func payload(n int) []byte {
	p := make([]byte, n)
	_, _ = rand.NewChaCha8([32]byte{42}).Read(p)
	return p
}

// expectEcho reads len(want) bytes from c and compares them with want.
func expectEcho(t *testing.T, c net.Conn, want []byte) {
	t.Helper()
	got := make([]byte, len(want))
	n, err := io.ReadFull(c, got)
	if err != nil {
		t.Fatalf("received %d of %d bytes, then %v", n, len(want), err)
	}
	if i := firstDiff(got, want); i >= 0 {
		t.Fatalf("echo differs from what was sent at byte %d of %d", i, len(want))
	}
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// TestEcho runs the checks every echo server must pass, once per backend.
func TestEcho(t *testing.T) {
	eachBackend(t, servertest.Run)
}

// After the client's shutdown(SHUT_WR), the server sends the echo it still
// holds, then closes. The client reads nothing until then, so much of the
// 256 KiB is still pending when the server sees EOF.
func TestHalfCloseWithPendingEcho(t *testing.T) {
	eachBackend(t, func(t *testing.T, addr string) {
		c := servertest.Dial(t, addr)
		want := payload(256 << 10)
		if _, err := c.Write(want); err != nil {
			t.Fatal(err)
		}
		if err := c.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("reading until EOF: %v after %d bytes", err, len(got))
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("received %d bytes before EOF; want the %d sent", len(got), len(want))
		}
	})
}

// A client that sends without reading fills its pending echo and then
// stalls; other clients are served meanwhile, and the stalled one gets every
// byte once it reads.
func TestBackpressure(t *testing.T) {
	eachBackend(t, func(t *testing.T, addr string) {
		hog := servertest.Dial(t, addr)
		hog.SetDeadline(time.Now().Add(20 * time.Second))
		want := payload(8 << 20)
		werr := make(chan error, 1)
		go func() {
			_, err := hog.Write(want)
			werr <- err
		}()
		for i := range 20 {
			c := servertest.Dial(t, addr)
			servertest.RoundTrip(t, c, fmt.Sprintf("client %d\n", i))
			c.Close()
		}
		expectEcho(t, hog, want)
		if err := <-werr; err != nil {
			t.Fatalf("write: %v", err)
		}
	})
}

// Concurrent clients each get their own bytes back.
func TestConcurrentClients(t *testing.T) {
	eachBackend(t, func(t *testing.T, addr string) {
		var wg sync.WaitGroup
		for i := range 64 {
			c := servertest.Dial(t, addr)
			wg.Go(func() {
				msg := bytes.Repeat([]byte{byte(i)}, 1000+i)
				for range 10 {
					if _, err := c.Write(msg); err != nil {
						t.Error(err)
						return
					}
					got := make([]byte, len(msg))
					if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
						t.Errorf("client %d: echo %v, %v", i, err, firstDiff(got, msg))
						return
					}
				}
			})
		}
		wg.Wait()
	})
}

// Connected but silent clients cost no CPU: Write is not left registered.
func TestIdleDoesNotSpin(t *testing.T) {
	eachBackend(t, func(t *testing.T, addr string) {
		var idle *net.TCPConn
		for range 16 {
			idle = servertest.Dial(t, addr)
			servertest.RoundTrip(t, idle, "ping")
		}
		// Wait out a read deadline on one of them: the server must send
		// nothing meanwhile.
		before := cpuTime(t)
		idle.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if n, err := idle.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("idle client read %d bytes, err %v; want a timeout", n, err)
		}
		used := cpuTime(t) - before
		t.Logf("CPU used while idle: %v", used)
		if used > 30*time.Millisecond {
			t.Errorf("process used %v CPU in 300ms with 16 idle clients; want ~0 (Write left registered?)", used)
		}
	})
}

func cpuTime(t *testing.T) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
