package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/echospec/echospec/impl/servertest"
)

// readSyscall is the number of read(2) per architecture, as it appears in
// /proc/PID/task/TID/syscall.
var readSyscall = map[string]string{"amd64": "0", "386": "3", "arm": "3", "arm64": "63", "riscv64": "63", "loong64": "63"}

// readers returns the ids of this process's threads that are blocked in
// read(2), and the total number of threads.
func readers(t *testing.T) (tids map[string]bool, total int) {
	t.Helper()
	// The thread reading the files is itself in read(2): skip it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	self := strconv.Itoa(syscall.Gettid())
	tasks, err := filepath.Glob("/proc/self/task/*/syscall")
	if err != nil {
		t.Fatal(err)
	}
	tids = make(map[string]bool)
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread exited meanwhile
		}
		total++
		tid := filepath.Base(filepath.Dir(f))
		if nr, _, _ := strings.Cut(string(b), " "); nr == readSyscall[runtime.GOARCH] && tid != self {
			tids[tid] = true
		}
	}
	return tids, total
}

// newReaders waits, for at most 5 s, until at least want threads that are
// not in before are blocked in read(2), and returns those threads and the
// total number of threads. A server thread goes back into read(2) a moment
// after its echo reaches the client, so one look straight after a round
// trip may miss it.
func newReaders(t *testing.T, before map[string]bool, want int) (tids map[string]bool, total int) {
	t.Helper()
	servertest.Eventually(func() bool {
		tids, total = readers(t)
		for tid := range before {
			delete(tids, tid)
		}
		return len(tids) >= want
	})
	return tids, total
}

// TestThreadPerConnection checks the model itself: each open connection has
// a thread of its own, asleep in read(2), and that thread ends when the
// connection does.
func TestThreadPerConnection(t *testing.T) {
	if readSyscall[runtime.GOARCH] == "" {
		t.Skipf("read(2) syscall number for %s not known", runtime.GOARCH)
	}
	addr := startServer(t, 0)
	before, total0 := readers(t)

	const n = 8
	var conns []net.Conn
	for i := range n {
		c := servertest.Dial(t, addr)
		servertest.RoundTrip(t, c, fmt.Sprint("conn ", i)) // its thread is serving now
		conns = append(conns, c)
	}
	during, total := newReaders(t, before, n)
	t.Logf("threads: %d idle, %d with %d connections open, %d of them in read(2)", total0, total, n, len(during))
	if len(during) != n {
		t.Errorf("%d new threads in read(2) with %d connections open; want %d", len(during), n, n)
	}

	for _, c := range conns {
		c.Close()
	}
	alive := func() (ids []string) {
		for tid := range during {
			if _, err := os.Stat("/proc/self/task/" + tid); err == nil {
				ids = append(ids, tid)
			}
		}
		return ids
	}
	if !servertest.Eventually(func() bool { return len(alive()) == 0 }) {
		t.Errorf("threads %v still exist after their clients left; want each to exit with its connection", alive())
	}
}

// TestPoolThreads: with a pool of 2, five open connections still have only
// two threads reading; the other clients wait.
func TestPoolThreads(t *testing.T) {
	if readSyscall[runtime.GOARCH] == "" {
		t.Skipf("read(2) syscall number for %s not known", runtime.GOARCH)
	}
	addr := startServer(t, 2)
	before, _ := readers(t)
	for i := range 5 {
		c := servertest.Dial(t, addr)
		if i < 2 {
			servertest.RoundTrip(t, c, "served")
		}
	}
	during, total := newReaders(t, before, 2)
	t.Logf("pool of 2, 5 connections: %d threads, %d new in read(2)", total, len(during))
	if len(during) != 2 {
		t.Errorf("%d new threads in read(2) with a pool of 2 and 5 connections; want 2", len(during))
	}
}
