package procfs

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	pfs "github.com/prometheus/procfs"
)

// TicksPerSecond is USER_HZ, the unit of CPUTicks; 100 on every Linux
// architecture Go supports.
const TicksPerSecond = 100

// Group returns the processes whose process group is pgid.
func Group(pgid int) ([]Proc, error) {
	return matching(func(st pfs.ProcStat) bool { return st.PGRP == pgid })
}

// Children returns the processes whose parent is ppid: for a child
// subreaper, its own children and the orphans re-parented to it.
func Children(ppid int) ([]Proc, error) {
	return matching(func(st pfs.ProcStat) bool { return st.PPID == ppid })
}

// Live reports whether pid exists and has not exited (neither a zombie
// waiting to be reaped nor dead).
func Live(pid int) bool {
	p, err := pfs.NewProc(pid)
	if err != nil {
		return false
	}
	st, err := p.Stat()
	return err == nil && st.State != "Z" && st.State != "X"
}

func matching(keep func(pfs.ProcStat) bool) ([]Proc, error) {
	fs, err := pfs.NewDefaultFS()
	if err != nil {
		return nil, fmt.Errorf("procfs: %w", err)
	}
	all, err := fs.AllProcs()
	if err != nil {
		return nil, fmt.Errorf("procfs: listing processes: %w", err)
	}
	var out []Proc
	for _, p := range all {
		st, err := p.Stat()
		if err != nil || !keep(st) {
			continue // gone meanwhile, or not ours
		}
		out = append(out, snapshot(p, st))
	}
	return out, nil
}

func snapshot(p pfs.Proc, st pfs.ProcStat) Proc {
	n, err := p.FileDescriptorsLen()
	if err != nil {
		n = -1
	}
	return Proc{
		PID: st.PID, PPID: st.PPID, PGID: st.PGRP, SID: st.Session,
		Comm: st.Comm, State: st.State, Threads: st.NumThreads,
		CPUTicks: uint64(st.UTime + st.STime), FDs: n,
	}
}

// FDTotal is the number of descriptors open in the processes, zombies not
// counted.
func FDTotal(ps []Proc) int {
	n := 0
	for _, p := range ps {
		if p.FDs > 0 {
			n += p.FDs
		}
	}
	return n
}

// CPUTotal is the CPU time used by the processes, in ticks.
func CPUTotal(ps []Proc) uint64 {
	var n uint64
	for _, p := range ps {
		n += p.CPUTicks
	}
	return n
}

// TimeWait counts the sockets in TIME_WAIT whose local port is port, in
// the calling thread's network namespace (see netns.NS.Do).
func TimeWait(port int) (int, error) {
	socks, err := tcpSockets(timeWaitStates, port, 0)
	return len(socks), err
}

// TCP states as /proc/net/tcp numbers them (include/net/tcp_states.h).
const (
	tcpEstablished = 0x01
	tcpTimeWait    = 0x06
	tcpCloseWait   = 0x08
	tcpListen      = 0x0A
)

// Of returns a snapshot of each of pids that still exists: processes found
// some other way than by their group (those that called setsid).
func Of(pids []int) []Proc {
	var out []Proc
	for _, pid := range pids {
		p, err := pfs.NewProc(pid)
		if err != nil {
			continue
		}
		st, err := p.Stat()
		if err != nil {
			continue // gone meanwhile
		}
		out = append(out, snapshot(p, st))
	}
	return out
}

// WithEnv lists the processes, other than this one, whose environment
// holds the entry kv ("NAME=value"), e.g. to check that nothing a run
// started is left.
func WithEnv(kv string) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	want := []byte(kv)
	self := os.Getpid()
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil {
			continue
		}
		for v := range bytes.SplitSeq(data, []byte{0}) {
			if bytes.Equal(v, want) {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}

// Comm is pid's command name, or "" if it cannot be read.
func Comm(pid int) string {
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(comm))
}
