//go:build unix

package main

import (
	"os"
	"os/exec"
	"syscall"
)

// inGroup starts cmd in process group pgid, or in a new group of its own
// (pgid 0), out of the terminal's reach: Ctrl-C goes to stability, which
// kills the group.
func inGroup(cmd *exec.Cmd, pgid int) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: pgid}
}

// killGroup sends SIGKILL to the process group pgid.
// A pgid of 0 or less (which kill(2) takes for our own group, or every
// process) is ignored.
func killGroup(pgid int) {
	if pgid > 0 {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

// terminate asks p to stop, as make's Ctrl-C would.
func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }
