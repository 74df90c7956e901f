//go:build unix && !aix

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// serverBin is the server binary, built once by TestMain.
var serverBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "multiprocess-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	serverBin = filepath.Join(dir, "server")
	build := exec.Command("go", "build", "-o", serverBin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running server binary in a process group of its own.
type server struct {
	addr   string
	pid    int           // the parent, also the process group id
	exited chan struct{} // closed once the parent has exited and been reaped
	gone   chan struct{} // closed once every process holding stderr has exited

	mu  sync.Mutex
	log bytes.Buffer // what the server wrote to stderr
}

// startServer starts the server binary on an ephemeral port with args and
// waits until it listens. Cleanup kills the whole process group and waits
// for every process in it.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(serverBin, append([]string{"-port", "0"}, args...)...)
	cmd.Stderr = pw // inherited by the children too
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	s := &server{pid: cmd.Process.Pid, exited: make(chan struct{}), gone: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(s.exited)
	}()
	listening := make(chan string, 1)
	go func() {
		defer close(s.gone) // EOF: nobody holds the write end any more
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				listening <- addr
			}
			s.mu.Lock()
			fmt.Fprintln(&s.log, sc.Text())
			s.mu.Unlock()
		}
		close(listening)
	}()
	t.Cleanup(func() {
		syscall.Kill(-s.pid, syscall.SIGKILL)
		s.waitGone(t, 5*time.Second)
		if t.Failed() {
			s.mu.Lock()
			t.Logf("server stderr:\n%s", s.log.String())
			s.mu.Unlock()
		}
	})
	select {
	case addr, ok := <-listening:
		if !ok {
			t.Fatal("server exited before listening")
		}
		s.addr = addr
	case <-time.After(10 * time.Second):
		t.Fatal("server did not print \"listening on\" within 10 s")
	}
	return s
}

// waitGone waits until the parent and every process that inherited its
// stderr have exited, and fails the test if that takes longer than d.
func (s *server) waitGone(t *testing.T, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for _, ch := range []chan struct{}{s.exited, s.gone} {
		select {
		case <-ch:
		case <-timeout:
			t.Errorf("server processes still running %v after being signalled", d)
			return
		}
	}
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
	for _, args := range [][]string{nil, {"-pool", "2"}} {
		c := dial(t, startServer(t, args...).addr)
		roundTrip(t, c, "hello, world\n")
		roundTrip(t, c, "\x00\xff\xfe binary \x80")
	}
}

// TestLargeEcho sends 8 MiB while reading concurrently: the child must write
// back every byte even though one write may take only part of a buffer.
func TestLargeEcho(t *testing.T) {
	c := dial(t, startServer(t).addr)
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

// TestHalfClose: after the client's shutdown(SHUT_WR) the child echoes what
// is pending, then closes, and the client sees EOF: the parent kept no copy
// of the socket that would hold the connection open.
func TestHalfClose(t *testing.T) {
	for _, args := range [][]string{nil, {"-pool", "2"}} {
		c := dial(t, startServer(t, args...).addr)
		if _, err := c.Write([]byte("last words")); err != nil {
			t.Fatal(err)
		}
		if err := c.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(c)
		if err != nil || string(got) != "last words" {
			t.Fatalf("%v: after CloseWrite, read = %q, %v; want %q, then EOF", args, got, err, "last words")
		}
	}
}

// TestReset: clients that abort with RST, while idle or while the child is
// writing a large echo, do not stop the server serving the next client.
func TestReset(t *testing.T) {
	for _, args := range [][]string{nil, {"-pool", "1"}} {
		addr := startServer(t, args...).addr

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

// TestPoolQueues: with a pool of 2, a third client connects but gets no echo
// until one of the first two leaves.
func TestPoolQueues(t *testing.T) {
	addr := startServer(t, "-pool", "2").addr
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

// TestSIGTERMGroup: a SIGTERM to the process group ends the parent and
// every child within 3 s.
func TestSIGTERMGroup(t *testing.T) {
	for _, args := range [][]string{nil, {"-pool", "2"}} {
		s := startServer(t, args...)
		for range 2 {
			roundTrip(t, dial(t, s.addr), "hold")
		}
		if err := syscall.Kill(-s.pid, syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		s.waitGone(t, 3*time.Second)
	}
}
