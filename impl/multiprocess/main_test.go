//go:build unix && !aix

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/echospec/echospec/impl/servertest"
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
			servertest.Run(t, startServer(t, m.args...).addr)
		})
	}
}

// TestPoolQueues: with a pool of 2, a third client connects but gets no echo
// until one of the first two leaves.
func TestPoolQueues(t *testing.T) {
	servertest.RunPool(t, startServer(t, "-pool", "2").addr, 2)
}

// TestSIGTERMGroup: a SIGTERM to the process group ends the parent and
// every child within 3 s.
func TestSIGTERMGroup(t *testing.T) {
	for _, args := range [][]string{nil, {"-pool", "2"}} {
		s := startServer(t, args...)
		for range 2 {
			servertest.RoundTrip(t, servertest.Dial(t, s.addr), "hold")
		}
		if err := syscall.Kill(-s.pid, syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		s.waitGone(t, 3*time.Second)
	}
}
