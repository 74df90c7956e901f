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
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil {
		return 0, 0, err
	}
	if len(tasks) == 0 {
		return 0, 0, fmt.Errorf("procfs: pid %d has no readable schedstat", pid)
	}
	for _, t := range tasks {
		data, err := os.ReadFile(t)
		if err != nil {
			continue // the thread ended meanwhile
		}
		f := strings.Fields(string(data))
		if len(f) < 2 {
			return 0, 0, fmt.Errorf("procfs: %s: %q is not 'run wait slices'", t, data)
		}
		r, err1 := strconv.ParseInt(f[0], 10, 64)
		w, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			return 0, 0, fmt.Errorf("procfs: %s: %q is not 'run wait slices'", t, data)
		}
		run += time.Duration(r)
		wait += time.Duration(w)
	}
	return run, wait, nil
}
