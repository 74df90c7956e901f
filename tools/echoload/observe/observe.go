// Package observe samples a server's process group through /proc while
// echoload loads it: how much CPU time its processes have used, how many
// processes and threads it has, and the memory they hold.
//
// Memory is counted as the kernel charges it to the group: PSS (resident
// pages, each shared page divided among the processes mapping it, so the
// sum over a group counts every page once), page tables (VmPTE), and one
// kernel stack per thread. Socket buffers are left out: every model pays
// the same for a connection's socket.
package observe

import "errors"

// ErrUnsupported is returned where /proc is not available.
var ErrUnsupported = errors.New("observe: needs Linux's /proc")

// KernelStack is the kernel stack each thread costs on x86-64 and arm64
// (THREAD_SIZE), in bytes; it shows in no per-process file.
const KernelStack = 16 << 10

// Sample is one look at a process group.
type Sample struct {
	Procs   int `json:"procs"`
	Threads int `json:"threads"`
	// CPU is the run time of the group's live threads, in seconds, from
	// schedstat (nanosecond resolution).
	CPU float64 `json:"cpu_seconds"`
	// Runnable is CPU plus the time those threads waited for a CPU: the
	// time they wanted to run. Over a window it reaches the window's length
	// (per thread) when the thread never slept: when the server is
	// saturated, however busy the machine is.
	Runnable float64 `json:"runnable_seconds"`
	// PSS and PageTables are in bytes, summed over the group.
	PSS        int64 `json:"pss_bytes"`
	PageTables int64 `json:"page_table_bytes"`

	threads map[int]Thread // for Busiest
}

// Thread is one thread's counters, or their increase over a window.
type Thread struct {
	TID int `json:"tid"`
	// CPU and Runnable are as in Sample, in seconds.
	CPU      float64 `json:"cpu_seconds"`
	Runnable float64 `json:"runnable_seconds"`
	// Sleeps counts voluntary context switches: how often the thread
	// blocked (in epoll_wait, read, accept, futex, ...). A thread that
	// never ran out of work does not block.
	Sleeps int64 `json:"sleeps"`
}

// Busiest is the thread that used the most CPU between two samples of the
// same group (or process), with the increase of its counters: for an event
// loop, the loop's thread.
func Busiest(before, after Sample) Thread {
	var best Thread
	for tid, a := range after.threads {
		b := before.threads[tid] // zero if the thread is new
		d := Thread{TID: tid, CPU: a.CPU - b.CPU, Runnable: a.Runnable - b.Runnable, Sleeps: a.Sleeps - b.Sleeps}
		if d.CPU > best.CPU {
			best = d
		}
	}
	return best
}

// Memory is PSS, page tables and kernel stacks: what the group's processes
// and threads cost, socket buffers aside.
func (s Sample) Memory() int64 {
	return s.PSS + s.PageTables + int64(s.Threads)*KernelStack
}
