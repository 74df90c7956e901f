package procfs

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	pfs "github.com/prometheus/procfs"
)

// Thread is one thread of a process and what it is doing.
type Thread struct {
	TID int
	// Syscall is the number of the system call the thread is blocked in,
	// NotInSyscall if it is blocked outside one, or Running.
	Syscall int
}

// Special values of Thread.Syscall.
const (
	NotInSyscall = -1
	Running      = -2
)

// Threads lists pid's threads with the system call each is in. It reads
// /proc/PID/task/TID/syscall, which needs ptrace access to pid (the kit is
// the server's parent, or root).
func Threads(pid int) ([]Thread, error) {
	fs, err := pfs.NewDefaultFS()
	if err != nil {
		return nil, fmt.Errorf("procfs: %w", err)
	}
	ts, err := fs.AllThreads(pid)
	if err != nil {
		return nil, fmt.Errorf("procfs: threads of pid %d: %w", pid, err)
	}
	var out []Thread
	for _, t := range ts {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/syscall", pid, t.PID))
		if err != nil {
			continue // the thread ended meanwhile
		}
		nr, err := parseSyscall(string(data))
		if err != nil {
			return nil, fmt.Errorf("procfs: /proc/%d/task/%d/syscall: %w", pid, t.PID, err)
		}
		out = append(out, Thread{TID: t.PID, Syscall: nr})
	}
	return out, nil
}

// parseSyscall reads "NR a1 ... a6 sp pc", "-1 sp pc" or "running".
func parseSyscall(s string) (int, error) {
	f := strings.Fields(s)
	switch {
	case len(f) == 0:
		return 0, fmt.Errorf("empty")
	case f[0] == "running":
		return Running, nil
	}
	n, err := strconv.Atoi(f[0])
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, err)
	}
	if n < 0 {
		return NotInSyscall, nil
	}
	return n, nil
}
