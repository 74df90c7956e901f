package procfs

import (
	"fmt"
	"slices"
)

// Syscall names a system call a thread may be blocked in.
type Syscall struct {
	Name string
	NR   int
}

// Waits returns the system calls that mean "blocked waiting in this
// mechanism" on this architecture. Both the classic call and its newer
// form count: Go issues pselect6, ppoll and epoll_pwait, and arm64 and
// riscv64 have only those. An io_uring loop waits for its completions in
// io_uring_enter (426 on every architecture: it came after the tables
// were unified).
func Waits(mechanism string) []Syscall { return waits[mechanism] }

// Reads are the calls of a thread blocked reading one connection.
func Reads() []Syscall { return reads }

// Name describes nr for a message: "epoll_pwait (281)".
func Name(nr int) string {
	switch nr {
	case Running:
		return "running"
	case NotInSyscall:
		return "blocked outside a system call"
	}
	for _, list := range append([][]Syscall{reads}, mapValues(waits)...) {
		for _, s := range list {
			if s.NR == nr {
				return fmt.Sprintf("%s (%d)", s.Name, nr)
			}
		}
	}
	for _, s := range others {
		if s.NR == nr {
			return fmt.Sprintf("%s (%d)", s.Name, nr)
		}
	}
	return fmt.Sprintf("system call %d", nr)
}

// In reports whether nr is one of calls.
func In(nr int, calls []Syscall) bool {
	return slices.ContainsFunc(calls, func(s Syscall) bool { return s.NR == nr })
}

func mapValues(m map[string][]Syscall) [][]Syscall {
	var out [][]Syscall
	for _, k := range []string{"select", "poll", "epoll", "kqueue", "io_uring"} {
		out = append(out, m[k])
	}
	return out
}
