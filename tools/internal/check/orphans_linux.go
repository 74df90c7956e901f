package check

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/procfs"
)

// becomeSubreaper makes check a child subreaper: the processes of a suite
// that had to be killed (a server whose kit died with it) are re-parented
// to check rather than init, so sweep finds and ends them.
func becomeSubreaper() { _ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) }

// sweep SIGKILLs the process group of every child of check, and the child
// itself, and reaps them: after a run nothing it started may be left.
func sweep() {
	own := syscall.Getpgrp()
	children, _ := procfs.Children(os.Getpid())
	for _, c := range children {
		if c.PGID > 1 && c.PGID != own {
			_ = unix.Kill(-c.PGID, unix.SIGKILL)
		}
		_ = unix.Kill(c.PID, unix.SIGKILL)
		var ws unix.WaitStatus
		for {
			if _, err := unix.Wait4(c.PID, &ws, 0, nil); err != unix.EINTR {
				break
			}
		}
	}
}

// dieWithCheck has cmd sent SIGTERM if check itself dies, so that the
// suite stops its server instead of running on unwatched.
func dieWithCheck(cmd *exec.Cmd) { cmd.SysProcAttr.Pdeathsig = syscall.SIGTERM }

// stopWithGoRun has check sent SIGTERM when the process that started it
// ends, if that is `go run`: go run does not pass its signals on, so an
// IDE's stop button or timeout would end go run and leave check (and
// check --watch) running on its own.
func stopWithGoRun() {
	ppid := os.Getppid()
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", ppid))
	if err != nil || strings.TrimSpace(string(comm)) != "go" {
		return
	}
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGTERM), 0, 0, 0)
	if os.Getppid() != ppid { // it ended before the prctl
		_ = unix.Kill(os.Getpid(), unix.SIGTERM)
	}
}
