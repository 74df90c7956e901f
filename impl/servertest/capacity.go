//go:build unix

package servertest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/echospec/echospec/procfs"
)

// Capacity is what RunCapacity saw.
type Capacity struct {
	Clients int // clients connected one by one
	Held    int // of them, served at once when the server was full
	Waiting int // left in the listen queue past that (none if all were held)
	Aborted int // of the waiting ones, reset while still queued

	Threads int           // threads in the process group while full
	CPU     time.Duration // CPU the process group used over Window while full (utime+stime, 10 ms ticks)
	Run     time.Duration // the same from schedstat, in nanoseconds
	Window  time.Duration

	Recovery time.Duration // from the held clients closing to the first waiting client's echo
	Drained  time.Duration // ... to the last waiting client's echo
	IdleCPU  time.Duration // CPU over IdleWin afterwards, with one idle client (ticks)
	IdleRun  time.Duration // the same from schedstat
	IdleWin  time.Duration
}

func (c Capacity) String() string {
	return fmt.Sprintf("%d clients: %d held, %d waiting (%d of them reset while queued), %d threads; "+
		"CPU %v (schedstat %v) in %v while full; first waiting client served %v after the held ones left, all %v; "+
		"idle CPU %v (schedstat %v) in %v",
		c.Clients, c.Held, c.Waiting, c.Aborted, c.Threads,
		c.CPU, c.Run.Round(10*time.Microsecond), c.Window, c.Recovery.Round(time.Microsecond), c.Drained.Round(time.Microsecond),
		c.IdleCPU, c.IdleRun.Round(10*time.Microsecond), c.IdleWin)
}

// The thresholds RunCapacity holds a server to.
const (
	// FullCPU is the most CPU a full server may use per second of being
	// full (CAP-2: under 20 % of one core).
	FullCPU = 200 * time.Millisecond
	// IdleCPU is the most an idle server may use per second (IDLE-1
	// allows 5 %; /proc counts in 10 ms ticks, hence the margin).
	IdleCPU = 100 * time.Millisecond
	// RecoveryTime bounds how long the first queued client waits once
	// the clients holding the server's descriptors leave (CAP-3).
	RecoveryTime = time.Second
)

// RunCapacity checks a server started with few descriptors (see
// ExecLimited) past its limit, as CAP-1 to CAP-3 and RESET-4 do:
//
//  1. It connects clients one by one, each echoing once, until one gets no
//     echo within 500 ms: the server is full (accept fails with EMFILE, or
//     every worker is busy). The rest connect (the kernel completes the
//     handshake and queues them), send a message and wait. A client that
//     is refused (EOF or reset) instead of queued fails the check.
//  2. Every other waiting client resets its connection while still in the
//     listen queue (SO_LINGER {1, 0}), before the server can accept it.
//  3. For 1 s the process group must use under FullCPU, while a queued
//     client gets nothing: a server that retries accept at once spins.
//  4. The server must still be running, and every held client echoes.
//  5. The held clients leave. Every waiting client still connected must
//     then get its echo, in the order they connected (a server serving one
//     at a time gets to each as the one before leaves), the first within
//     RecoveryTime; and a new client is served.
//  6. Idle again, with one client connected, the group uses next to no CPU.
//
// It needs /proc (Linux) and skips elsewhere.
func RunCapacity(t *testing.T, p *Process, clients int) Capacity {
	t.Helper()
	if _, err := procfs.Group(p.Pid); err != nil {
		t.Skip(err)
	}
	if lim := openFilesLimit(p.Pid); lim != "" {
		t.Logf("server's open files limit: %s", lim)
	}
	res := Capacity{Clients: clients}

	var held, waiting []*net.TCPConn
	msg := func(i int) string { return fmt.Sprintf("client %d\n", i) }
	for i := range clients {
		c := Dial(t, p.Addr)
		if _, err := c.Write([]byte(msg(i))); err != nil {
			t.Fatalf("client %d: write: %v", i, err)
		}
		if len(waiting) > 0 {
			waiting = append(waiting, c)
			continue
		}
		c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		got := make([]byte, len(msg(i)))
		_, err := io.ReadFull(c, got)
		switch {
		case err == nil && string(got) == msg(i):
			held = append(held, c)
		case errors.Is(err, os.ErrDeadlineExceeded):
			waiting = append(waiting, c) // full: this one and the rest queue
		case err == nil:
			t.Fatalf("client %d: echo %q, want %q", i, got, msg(i))
		default:
			t.Fatalf("client %d, after %d held: %v; want it served or left waiting in the listen queue, not refused", i, len(held), err)
		}
	}
	res.Held, res.Waiting = len(held), len(waiting)
	if len(held) == 0 {
		t.Fatal("no client was served")
	}

	// RESET-4: reset every other queued client before the server has
	// accepted it. The first stays, to watch for echo while full.
	var kept []*net.TCPConn
	var keptIdx []int
	for i, c := range waiting {
		if i%2 == 1 {
			Abort(t, c)
			res.Aborted++
			continue
		}
		kept = append(kept, c)
		keptIdx = append(keptIdx, len(held)+i)
	}

	// CAP-2: wait out a read deadline while full, measuring CPU.
	watch := held[0]
	if len(kept) > 0 {
		watch = kept[0]
	}
	res.Window = time.Second
	cpu0 := sampleCPU(t, p.Pid)
	watch.SetReadDeadline(time.Now().Add(res.Window))
	if n, err := watch.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("while full, a client read %d bytes, %v; want nothing (a timeout)", n, err)
	}
	res.CPU, res.Run = sampleCPU(t, p.Pid).since(cpu0)
	res.Threads = groupThreads(t, p.Pid)
	if res.CPU > FullCPU*res.Window/time.Second {
		t.Errorf("the server used %v of CPU in %v while full; want under %v: does it retry accept at once?", res.CPU, res.Window, FullCPU)
	}

	// CAP-1: still running, still serving the clients it holds.
	if p.Exited() {
		t.Fatalf("the server exited once full")
	}
	for i, c := range held {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		RoundTrip(t, c, fmt.Sprintf("held %d still served\n", i))
	}

	// CAP-3: once the held clients leave, the queued ones are served.
	t0 := time.Now()
	for _, c := range held {
		c.Close()
	}
	for j, c := range kept {
		i := keptIdx[j]
		c.SetDeadline(time.Now().Add(5 * time.Second))
		got := make([]byte, len(msg(i)))
		if _, err := io.ReadFull(c, got); err != nil || string(got) != msg(i) {
			t.Fatalf("queued client %d, once the held clients left: read %q, %v; want %q", i, got, err, msg(i))
		}
		if j == 0 {
			res.Recovery = time.Since(t0)
		}
		RoundTrip(t, c, "and served on\n")
		c.Close() // a server serving one at a time moves on to the next
	}
	res.Drained = time.Since(t0)
	if len(kept) > 0 && res.Recovery > RecoveryTime {
		t.Errorf("the first queued client was served %v after the held clients left; want within %v", res.Recovery, RecoveryTime)
	}
	idle := Dial(t, p.Addr)
	RoundTrip(t, idle, "a new client after the limit\n")

	// Idle again: nothing left spinning, such as a retry timer.
	res.IdleWin = 500 * time.Millisecond
	cpu0 = sampleCPU(t, p.Pid)
	idle.SetReadDeadline(time.Now().Add(res.IdleWin))
	if n, err := idle.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("an idle client read %d bytes, %v; want a timeout", n, err)
	}
	res.IdleCPU, res.IdleRun = sampleCPU(t, p.Pid).since(cpu0)
	if res.IdleCPU > IdleCPU*res.IdleWin/time.Second {
		t.Errorf("the server used %v of CPU in %v when idle again; want next to none", res.IdleCPU, res.IdleWin)
	}
	idle.SetDeadline(time.Now().Add(5 * time.Second))
	RoundTrip(t, idle, "still served\n")
	return res
}

// RunRefusals checks a server that may refuse (close at once) the clients
// it cannot watch, as select(2) cannot watch descriptors at or above
// FD_SETSIZE (CAP-4): it connects clients one by one, each echoing once or
// being refused, then checks the server still serves the clients it holds,
// and serves new ones once those leave. It returns how many were held and
// how many refused.
func RunRefusals(t *testing.T, addr string, clients int) (held, refused int) {
	t.Helper()
	var conns []*net.TCPConn
	for i := range clients {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		tc := c.(*net.TCPConn)
		t.Cleanup(func() { tc.Close() })
		tc.SetDeadline(time.Now().Add(5 * time.Second))
		msg := fmt.Sprintf("client %d\n", i)
		if _, err := tc.Write([]byte(msg)); err != nil {
			if !refusal(err) {
				t.Fatalf("client %d: write: %v", i, err)
			}
			refused++
			tc.Close()
			continue
		}
		got := make([]byte, len(msg))
		switch _, err := io.ReadFull(tc, got); {
		case err == nil && string(got) == msg:
			conns = append(conns, tc)
		case err != nil && refusal(err):
			refused++
			tc.Close()
		default:
			t.Fatalf("client %d: read %q, %v; want its echo, or to be refused", i, got, err)
		}
	}
	if len(conns) == 0 {
		t.Fatal("no client was served")
	}
	for i, c := range conns {
		RoundTrip(t, c, fmt.Sprintf("held %d\n", i))
	}
	for _, c := range conns {
		c.Close()
	}
	RoundTrip(t, Dial(t, addr), "served once the others left\n")
	return len(conns), refused
}

// refusal reports whether err is how a client sees a server close its
// connection at once: EOF, or a reset.
func refusal(err error) bool {
	return err == io.EOF || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// cpuSample is the CPU time used so far by each live process of a group:
// utime+stime from /proc/PID/stat, in 10 ms ticks, and the time its live
// threads have run, from schedstat, in nanoseconds.
type cpuSample map[int]struct{ cpu, run time.Duration }

func sampleCPU(t *testing.T, pgid int) cpuSample {
	t.Helper()
	ps, err := procfs.Group(pgid)
	if err != nil {
		t.Fatal(err)
	}
	s := make(cpuSample, len(ps))
	for _, p := range ps {
		run, _, _ := procfs.Sched(p.PID)
		s[p.PID] = struct{ cpu, run time.Duration }{
			time.Duration(p.CPUTicks) * time.Second / procfs.TicksPerSecond, run}
	}
	return s
}

// since is the CPU the group used between s0 and s, counting the
// processes alive at both: one that exited took its counters with it
// (a child that serves one connection and exits uses next to none).
func (s cpuSample) since(s0 cpuSample) (cpu, run time.Duration) {
	for pid, v := range s {
		if v0, ok := s0[pid]; ok {
			cpu += max(v.cpu-v0.cpu, 0)
			run += max(v.run-v0.run, 0)
		}
	}
	return cpu, run
}

// groupThreads counts the threads of the processes in process group pgid.
func groupThreads(t *testing.T, pgid int) int {
	t.Helper()
	ps, err := procfs.Group(pgid)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range ps {
		n += p.Threads
	}
	return n
}

// openFilesLimit is the "Max open files" line of /proc/PID/limits (soft,
// hard), or "" where there is none.
func openFilesLimit(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Max open files"); ok {
			return strings.Join(strings.Fields(rest), " ")
		}
	}
	return ""
}
