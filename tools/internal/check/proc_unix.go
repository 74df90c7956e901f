//go:build unix

package check

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// ownGroup runs cmd in a process group of its own: the terminal's Ctrl-C
// reaches check alone, which then stops the group and all it started.
func ownGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	dieWithCheck(cmd)
}

// signalGroup sends SIGTERM, or SIGKILL if kill is set, to process group
// pgid. A group that is gone already is not an error.
func signalGroup(pgid int, kill bool) error {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	if err := syscall.Kill(-pgid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return os.NewSyscallError("kill", err)
	}
	return nil
}

// interrupts are the signals that stop check: Ctrl-C, an IDE's stop
// button or timeout's SIGTERM, and the SIGHUP of a terminal closed.
var interrupts = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// stoppedBy is how check names sig (a key of its catalogue), and the exit
// status a shell gives a command it ended: 128 + its number.
func stoppedBy(sig os.Signal) (string, int) {
	switch sig {
	case syscall.SIGTERM:
		return "sig-term", 128 + int(syscall.SIGTERM)
	case syscall.SIGHUP:
		return "sig-hup", 128 + int(syscall.SIGHUP)
	}
	return "sig-int", 128 + int(syscall.SIGINT)
}
