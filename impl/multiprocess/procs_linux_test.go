package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/echospec/echospec/impl/servertest"
)

// proc is what /proc/PID/stat says about a process.
type proc struct {
	pid   int
	state string // R, S, D, Z (zombie), ...
	ppid  int
	pgrp  int
}

// children returns the processes whose parent is ppid, zombies included.
func children(t *testing.T, ppid int) []proc {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var kids []proc
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // exited meanwhile
		}
		// The command name in parentheses may hold spaces: split after it.
		fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		p := proc{state: fields[0]}
		p.pid, _ = strconv.Atoi(filepath.Base(filepath.Dir(f)))
		p.ppid, _ = strconv.Atoi(fields[1])
		p.pgrp, _ = strconv.Atoi(fields[2])
		if p.ppid == ppid {
			kids = append(kids, p)
		}
	}
	return kids
}

// sockets counts the socket descriptors pid holds.
func sockets(t *testing.T, pid int) int {
	t.Helper()
	fds, err := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/fd/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(fd); err == nil && strings.HasPrefix(target, "socket:") {
			n++
		}
	}
	return n
}

// threads returns the thread count of pid.
func threads(pid int) int {
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*")
	return len(tasks)
}

// TestProcessPerConnection checks the model itself: each connection is held
// by a child process of its own in the parent's process group, the parent
// keeps only the listening socket, and finished children are reaped.
func TestProcessPerConnection(t *testing.T) {
	s := startServer(t)
	const n = 8
	var conns []*net.TCPConn
	for i := range n {
		c := servertest.Dial(t, s.Addr)
		servertest.RoundTrip(t, c, "conn "+strconv.Itoa(i)) // its child is serving now
		conns = append(conns, c)
	}

	kids := children(t, s.Pid)
	if len(kids) != n {
		t.Fatalf("%d child processes with %d connections open; want %d", len(kids), n, n)
	}
	for _, k := range kids {
		if k.state == "Z" || k.pgrp != s.Pid {
			t.Errorf("child %d: state %s, process group %d; want a live process in group %d", k.pid, k.state, k.pgrp, s.Pid)
		}
		if got := sockets(t, k.pid); got != 1 {
			t.Errorf("child %d holds %d sockets; want 1 (its connection)", k.pid, got)
		}
	}
	// The parent closes its copies just after starting each child, which
	// may be a moment after the child has echoed.
	var held int
	if !servertest.Eventually(func() bool { held = sockets(t, s.Pid); return held == 1 }) {
		t.Errorf("parent holds %d sockets with %d connections open; want 1 (the listener)", held, n)
	}
	// Reaping with cmd.Wait would park a thread per child in waitid(2).
	t.Logf("%d connections: %d children, parent has %d threads and %d sockets", n, len(kids), threads(s.Pid), held)
	if got := threads(s.Pid); got >= n {
		t.Errorf("parent has %d threads with %d children; want fewer than %d", got, n, n)
	}

	for _, c := range conns {
		c.Close()
	}
	if !servertest.Eventually(func() bool { kids = children(t, s.Pid); return len(kids) == 0 }) {
		t.Errorf("after all clients left, children %v remain; want none (not even zombies, state Z)", kids)
	}
}

// TestPoolWorkers: -pool 3 runs exactly three workers; one that dies is
// reaped and replaced.
func TestPoolWorkers(t *testing.T) {
	s := startServer(t, "-pool", "3")
	var kids []proc
	live := func() bool {
		kids = children(t, s.Pid)
		for _, k := range kids {
			if k.state == "Z" {
				return false
			}
		}
		return len(kids) == 3
	}
	if !servertest.Eventually(live) {
		t.Fatalf("children %v; want 3 live workers", kids)
	}
	for _, k := range kids {
		if got := sockets(t, k.pid); got != 1 {
			t.Errorf("idle worker %d holds %d sockets; want 1 (the listener)", k.pid, got)
		}
	}

	victim := kids[0].pid
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	replaced := func() bool {
		if !live() {
			return false
		}
		for _, k := range kids {
			if k.pid == victim {
				return false
			}
		}
		return true
	}
	if !servertest.Eventually(replaced) {
		t.Fatalf("after killing worker %d, children are %v; want 3 live workers without it", victim, kids)
	}
	servertest.RoundTrip(t, servertest.Dial(t, s.Addr), "after a worker died")
}

// TestParentDeath: when only the parent is killed, the children get
// SIGTERM from the kernel (Pdeathsig) and exit, instead of serving on, or
// holding the port, as orphans.
func TestParentDeath(t *testing.T) {
	for _, args := range [][]string{nil, {"-pool", "2"}} {
		s := startServer(t, args...)
		servertest.RoundTrip(t, servertest.Dial(t, s.Addr), "hold")
		if err := syscall.Kill(s.Pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		s.WaitGone(t, 3*time.Second)
	}
}
