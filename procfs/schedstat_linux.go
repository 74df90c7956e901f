package procfs

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Demand is how long a process's threads have been running or ready to
// run: /proc/PID/task/TID/schedstat's time on a CPU plus time waiting on a
// run queue, summed over threads. Unlike CPU time it does not shrink when
// the machine is busy: a thread that spins is runnable all the time
// whether or not it gets a CPU.
func Demand(pid int) (time.Duration, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil {
		return 0, err
	}
	if len(tasks) == 0 {
		return 0, fmt.Errorf("procfs: pid %d has no readable schedstat", pid)
	}
	var sum time.Duration
	for _, t := range tasks {
		data, err := os.ReadFile(t)
		if err != nil {
			continue // the thread ended meanwhile
		}
		f := strings.Fields(string(data))
		if len(f) < 2 {
			return 0, fmt.Errorf("procfs: %s: %q is not 'run wait slices'", t, data)
		}
		run, err1 := strconv.ParseInt(f[0], 10, 64)
		wait, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			return 0, fmt.Errorf("procfs: %s: %q is not 'run wait slices'", t, data)
		}
		sum += time.Duration(run + wait)
	}
	return sum, nil
}
