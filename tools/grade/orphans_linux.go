package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// becomeSubreaper makes grade a child subreaper: the processes of a suite
// that had to be killed (servers' workers whose parent died with it) are
// re-parented to grade rather than init, so sweep can find and end them.
func becomeSubreaper() { _ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) }

// killOrphans SIGKILLs the process group of every child of grade whose
// pid is not in keep (the suites still running), and reaps it.
func killOrphans(keep map[int]bool) {
	self, own := os.Getpid(), syscall.Getpgrp()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// "pid (comm) state ppid pgrp ...": comm may hold spaces and ')'.
		i := strings.LastIndexByte(string(data), ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(data[i+1:]))
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(f)))
		if len(fields) < 3 || keep[pid] {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		pgid, _ := strconv.Atoi(fields[2])
		if ppid != self {
			continue
		}
		if pgid > 1 && pgid != own {
			_ = unix.Kill(-pgid, unix.SIGKILL)
		} else {
			_ = unix.Kill(pid, unix.SIGKILL)
		}
		// Reaped when it is gone; a process stuck in the kernel must not
		// hold up grading.
		go func() {
			var ws unix.WaitStatus
			for {
				if _, err := unix.Wait4(pid, &ws, 0, nil); err != unix.EINTR {
					return
				}
			}
		}()
	}
}

// dieWithGrade has the suite sent SIGTERM if grade itself dies, so that it
// stops its server and ends instead of running on unwatched.
func dieWithGrade(cmd *exec.Cmd) { cmd.SysProcAttr.Pdeathsig = syscall.SIGTERM }
