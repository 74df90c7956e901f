//go:build unix

package launch

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func supported() error { return nil }

// isolate puts the command in a process group of its own, so the whole
// group can be signalled and reaped, whatever the server forks; if the kit
// dies, the server it started dies with it.
func isolate(cmd *exec.Cmd) {
	OwnGroup(cmd)
	DieWithParent(cmd, syscall.SIGKILL)
}

// OwnGroup has cmd start in a process group of its own, whose ID is its
// pid, so that the whole group can be signalled (SignalGroup) and reaped,
// whatever it forks.
func OwnGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
}

func getpgid(pid int) (int, error) { return unix.Getpgid(pid) }

// SignalGroup sends sig to the process group pgid. A group that is
// already gone is not an error.
func SignalGroup(pgid int, sig os.Signal) error {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return fmt.Errorf("launch: %v is not a signal the kit can send", sig)
	}
	if err := unix.Kill(-pgid, s); err != nil && !errors.Is(err, unix.ESRCH) {
		return os.NewSyscallError("kill", err)
	}
	return nil
}

// groupGone reaps what it can of the group and reports whether nothing of
// it is left. Call it only after the group leader has been reaped, so no
// wait4 here can steal the leader's status from exec.Cmd.Wait.
func groupGone(pgid int) bool {
	reapGroup(pgid)
	return errors.Is(unix.Kill(-pgid, 0), unix.ESRCH)
}

// reapGroup collects every exited child of ours in the group: processes of
// the group orphaned by their parent are re-parented to the kit, which is a
// child subreaper where the platform has one.
func reapGroup(pgid int) {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-pgid, &ws, unix.WNOHANG, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || pid <= 0 {
			return
		}
	}
}

// stopGroup ends a process group: SIGTERM to the group and to the
// processes strays lists (a server's processes that left its group), up to
// grace for all of them to end, then SIGKILL. strays may be nil.
func stopGroup(pgid int, leaderExited <-chan struct{}, grace time.Duration, strays func() []int) {
	if strays == nil {
		strays = func() []int { return nil }
	}
	signalAll := func(sig syscall.Signal) {
		_ = SignalGroup(pgid, sig)
		for _, pid := range strays() {
			_ = unix.Kill(pid, sig)
		}
	}
	signalAll(syscall.SIGTERM)
	if !waitGroup(pgid, leaderExited, grace, strays) {
		signalAll(syscall.SIGKILL)
		// After SIGKILL only an uninterruptible sleep can delay the end;
		// bound the wait anyway so the kit never hangs.
		waitGroup(pgid, leaderExited, 10*time.Second, strays)
	}
}

// waitGroup waits until the leader is reaped, the group is empty and no
// stray is alive (strays reaps those that were re-parented to the kit).
func waitGroup(pgid int, leaderExited <-chan struct{}, d time.Duration, strays func() []int) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	select {
	case <-leaderExited:
	case <-deadline.C:
		return false
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if groupGone(pgid) && len(strays()) == 0 {
			return true
		}
		select {
		case <-deadline.C:
			return false
		case <-tick.C:
		}
	}
}

func exitText(st *os.ProcessState) string {
	ws, ok := st.Sys().(syscall.WaitStatus)
	if !ok {
		return "exited: " + st.String()
	}
	return waitText(unix.WaitStatus(ws))
}

// waitText words a wait status: "exited with status N" or "was killed by
// signal NAME (N)".
func waitText(ws unix.WaitStatus) string {
	switch {
	case ws.Signaled():
		return fmt.Sprintf("was killed by signal %s (%d)", unix.SignalName(ws.Signal()), int(ws.Signal()))
	default:
		return fmt.Sprintf("exited with status %d", ws.ExitStatus())
	}
}
