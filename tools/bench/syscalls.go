//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// A syscallCount counts one process's system calls, all its threads, with
// `perf stat -e raw_syscalls:sys_enter -I 100` attached to it. perf
// attaches a moment after it starts, and the run begins with dialing and
// ends with draining, so the count is a rate over the 100 ms intervals in
// between: the first and last are dropped.
type syscallCount struct {
	cmd *exec.Cmd
	out bytes.Buffer
}

var (
	perfOnce sync.Once
	perfErr  error
)

// perfUsable says why perf cannot count system calls here, or nil.
func perfUsable() error {
	perfOnce.Do(func() {
		out, err := exec.Command("perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "--", "true").CombinedOutput()
		if err == nil && !strings.Contains(string(out), "raw_syscalls:sys_enter") {
			err = errors.New("no raw_syscalls:sys_enter count in its output")
		}
		if err != nil {
			perfErr = fmt.Errorf("perf stat -e raw_syscalls:sys_enter: %v (%s)", err, lastLine(string(out)))
		}
	})
	return perfErr
}

// countSyscalls starts counting pid's system calls.
func countSyscalls(ctx context.Context, pid int) (*syscallCount, error) {
	if err := perfUsable(); err != nil {
		return nil, err
	}
	c := &syscallCount{}
	c.cmd = exec.CommandContext(ctx, "perf", "stat", "-x,", "-I", "100", "-e", "raw_syscalls:sys_enter", "-p", strconv.Itoa(pid))
	c.cmd.Stderr = &c.out
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	return c, nil
}

// perSecond stops perf and returns the system calls per second it counted.
func (c *syscallCount) perSecond() (float64, error) {
	// SIGINT is how perf stat is told to print its counts and exit.
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return 0, errors.New("perf stat did not exit within 5 s of SIGINT")
	}
	// Lines: "seconds since start,count,,raw_syscalls:sys_enter,...".
	var at, counts []float64
	for _, line := range strings.Split(c.out.String(), "\n") {
		f := strings.Split(strings.TrimSpace(line), ",")
		if len(f) < 4 || !strings.HasPrefix(f[3], "raw_syscalls:sys_enter") {
			continue
		}
		t, err1 := strconv.ParseFloat(f[0], 64)
		n, err2 := strconv.ParseFloat(f[1], 64)
		if err1 != nil || err2 != nil {
			n = 0 // "<not counted>": nothing happened in that interval
		}
		at, counts = append(at, t), append(counts, n)
	}
	if len(at) < 4 {
		return 0, fmt.Errorf("perf stat printed %d intervals, too few to drop the first and last: %s", len(at), lastLine(c.out.String()))
	}
	var calls float64
	for _, n := range counts[1 : len(counts)-1] {
		calls += n
	}
	return calls / (at[len(at)-2] - at[0]), nil
}
