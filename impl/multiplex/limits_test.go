//go:build unix

package main

import (
	"errors"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/impl/servertest"
)

// The tests in this file check the limits of the model: memory per client,
// CPU when idle, and descriptor numbers.

func TestBackpressure(t *testing.T) {
	forEachMechanism(t, func(t *testing.T, mechanism string) {
		ts := start(t, mechanism)

		// A client that sends without reading does not delay another.
		servertest.Stall(t, servertest.Dial(t, ts.addr))
		servertest.RoundTrip(t, servertest.Dial(t, ts.addr), "not kept waiting\n")

		// It got at most about maxPending of buffered echo, and the server
		// stopped reading from it.
		ts.halt(t)
		stalled := 0
		for _, c := range ts.conns {
			if c.pending() > maxPending+readSize || cap(c.out) > 4*maxPending {
				t.Errorf("pending %d bytes in a buffer of %d: want at most %d pending",
					c.pending(), cap(c.out), maxPending+readSize)
			}
			if !c.want().read {
				stalled++
			}
		}
		if stalled != 1 {
			t.Errorf("%d connections have reading paused, want 1", stalled)
		}
	})
}

// cpuTime is the CPU time this process has used so far.
func cpuTime() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestIdleLoopDoesNotSpin(t *testing.T) {
	forEachMechanism(t, func(t *testing.T, mechanism string) {
		ts := start(t, mechanism)
		idle := servertest.Dial(t, ts.addr)
		servertest.RoundTrip(t, idle, "then silence\n")
		servertest.Stall(t, servertest.Dial(t, ts.addr)) // pending output, but the socket is full

		// Wait out a read deadline on the idle client; the server must send
		// nothing and use next to no CPU meanwhile.
		cpu0, wall0 := cpuTime(), time.Now()
		idle.SetReadDeadline(wall0.Add(300 * time.Millisecond))
		if n, err := idle.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("idle client read %d bytes, err %v; want a timeout", n, err)
		}
		cpu, wall := cpuTime()-cpu0, time.Since(wall0)
		// A spinning loop burns a whole core: cpu close to wall.
		if cpu > wall/4 {
			t.Errorf("used %v of CPU in %v while idle: the loop spins", cpu, wall)
		}
	})
}

// fillDescriptors opens descriptors until every one below FD_SETSIZE is in
// use, so the next socket anyone opens gets a number at or above it.
func fillDescriptors(t *testing.T) (release func()) {
	t.Helper()
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || uint64(lim.Cur) < unix.FD_SETSIZE+64 {
		t.Skipf("RLIMIT_NOFILE %d is too low to open descriptors beyond FD_SETSIZE", lim.Cur)
	}
	var fds []int
	release = func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
		fds = nil
	}
	for {
		// open returns the lowest free descriptor, so once it returns
		// FD_SETSIZE-1 or more, everything below is taken.
		fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			release()
			t.Fatal(err)
		}
		fds = append(fds, fd)
		if fd >= unix.FD_SETSIZE-1 {
			return release
		}
	}
}

func TestDescriptorsBeyondFDSetSize(t *testing.T) {
	forEachMechanism(t, func(t *testing.T, mechanism string) {
		ts := start(t, mechanism)
		release := fillDescriptors(t)
		defer release()

		c := servertest.Dial(t, ts.addr)
		if mechanism != "select" {
			// The others have no such limit.
			servertest.RoundTrip(t, c, "high descriptors are fine\n")
			return
		}
		// select must refuse the connection (closing it) rather than panic.
		_, err := c.Read(make([]byte, 1))
		if err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("read from a refused connection: %v, want EOF or a reset", err)
		}
		release()
		servertest.RoundTrip(t, servertest.Dial(t, ts.addr), "served once descriptors are free\n")
	})
}

func TestListenRejectsBadAddresses(t *testing.T) {
	for _, tc := range []struct {
		host string
		port int
	}{{"localhost", 0}, {"127.0.0.1", 70000}, {"127.0.0.1", -1}} {
		if fd, _, err := listen(tc.host, tc.port); err == nil {
			unix.Close(fd)
			t.Errorf("listen(%q, %d) succeeded, want an error", tc.host, tc.port)
		}
	}
}
