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
// group can be signalled and reaped, whatever the server forks.
func isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	platformAttr(cmd.SysProcAttr)
}

func signalGroup(pgid int, sig os.Signal) error {
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

func stopGroup(pgid int, leaderExited <-chan struct{}, grace time.Duration) {
	_ = signalGroup(pgid, syscall.SIGTERM)
	if !waitGroup(pgid, leaderExited, grace) {
		_ = signalGroup(pgid, syscall.SIGKILL)
		// After SIGKILL only an uninterruptible sleep can delay the end;
		// bound the wait anyway so the kit never hangs.
		waitGroup(pgid, leaderExited, 10*time.Second)
	}
}

// waitGroup waits until the leader is reaped and the group is empty.
func waitGroup(pgid int, leaderExited <-chan struct{}, d time.Duration) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	select {
	case <-leaderExited:
	case <-deadline.C:
		return false
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !groupGone(pgid) {
		select {
		case <-deadline.C:
			return false
		case <-tick.C:
		}
	}
	return true
}

func exitText(st *os.ProcessState) string {
	ws, ok := st.Sys().(syscall.WaitStatus)
	switch {
	case !ok:
		return "exited: " + st.String()
	case ws.Signaled():
		return fmt.Sprintf("was killed by signal %s (%d)", unix.SignalName(ws.Signal()), int(ws.Signal()))
	default:
		return fmt.Sprintf("exited with status %d", ws.ExitStatus())
	}
}
