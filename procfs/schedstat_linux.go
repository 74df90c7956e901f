package procfs

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Sched returns how long a process's threads have run on a CPU and how
// long they have waited on a run queue, from /proc/PID/task/TID/schedstat
// (nanoseconds, unlike stat's 10 ms ticks), summed over threads. Their
// sum is the process's demand: unlike CPU time it does not shrink when
// the machine is busy, since a thread that spins is runnable all the time
// whether or not it gets a CPU.
func Sched(pid int) (run, wait time.Duration, err error) {
	ts, err := threadSched(pid, false)
	for _, t := range ts {
		run += t.Run
		wait += t.Wait
	}
	return run, wait, err
}

// TaskSched is one thread's time on a CPU and on a run queue, and how
// often it gave the CPU up by itself (it blocked: voluntary) or had it
// taken (it was preempted: involuntary), from its status.
type TaskSched struct {
	Run, Wait              time.Duration
	Voluntary, Involuntary uint64
}

// ThreadSched returns, per thread ID of process pid, how long it has run
// and waited (/proc/PID/task/TID/schedstat). A thread that ends while it
// is read is left out.
func ThreadSched(pid int) (map[int]TaskSched, error) { return threadSched(pid, true) }

// threadSched is ThreadSched; the context switches, in each thread's
// status, are read only if switches.
func threadSched(pid int, switches bool) (map[int]TaskSched, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil {
		return nil, err
	}
	if len(tasks) == 0 {
		return nil, fmt.Errorf("procfs: pid %d has no readable schedstat", pid)
	}
	out := map[int]TaskSched{}
	for _, t := range tasks {
		tid, err := strconv.Atoi(filepath.Base(filepath.Dir(t)))
		if err != nil {
			continue
		}
		data, err := os.ReadFile(t)
		if err != nil {
			continue // the thread ended meanwhile
		}
		f := strings.Fields(string(data))
		if len(f) < 2 {
			return nil, fmt.Errorf("procfs: %s: %q is not 'run wait slices'", t, data)
		}
		r, err1 := strconv.ParseInt(f[0], 10, 64)
		w, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("procfs: %s: %q is not 'run wait slices'", t, data)
		}
		ts := TaskSched{Run: time.Duration(r), Wait: time.Duration(w)}
		if !switches {
			out[tid] = ts
			continue
		}
		if status, err := os.ReadFile(filepath.Join(filepath.Dir(t), "status")); err == nil {
			ts.Voluntary, ts.Involuntary = ctxtSwitches(string(status))
		}
		out[tid] = ts
	}
	return out, nil
}

// ctxtSwitches reads voluntary_ctxt_switches and nonvoluntary_ctxt_switches
// from a task's status.
func ctxtSwitches(status string) (voluntary, involuntary uint64) {
	for _, line := range strings.Split(status, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "voluntary_ctxt_switches":
			voluntary = n
		case "nonvoluntary_ctxt_switches":
			involuntary = n
		}
	}
	return voluntary, involuntary
}
