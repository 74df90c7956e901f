package main

import (
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/procfs"
)

// becomeSubreaper makes grade a child subreaper: the processes of a suite
// that had to be killed (servers' workers whose parent died with it) are
// re-parented to grade rather than init, so sweep can find and end them.
func becomeSubreaper() { _ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) }

// killOrphans SIGKILLs the process group of every child of grade whose
// pid is not in keep (the suites still running), and reaps it.
func killOrphans(keep map[int]bool) {
	own := syscall.Getpgrp()
	children, _ := procfs.Children(os.Getpid())
	for _, c := range children {
		pid, pgid := c.PID, c.PGID
		if keep[pid] {
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
