package launch

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// gone waits, a bounded while, for pid to be gone and reaped.
func gone(t *testing.T, pid int) bool {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if errors.Is(unix.Kill(pid, 0), unix.ESRCH) {
			return true
		}
		time.Sleep(5 * time.Millisecond) // polling a state, not ordering events
	}
	return false
}

func TestOwnGroupAndSignalGroup(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sleep 30 & sleep 30")
	OwnGroup(cmd)
	DieWithParent(cmd, syscall.SIGKILL)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if pgid, err := unix.Getpgid(pid); err != nil || pgid != pid {
		t.Fatalf("Getpgid(%d) = %d, %v: not a group of its own", pid, pgid, err)
	}
	if err := SignalGroup(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if err := SignalGroup(pid, os.Kill); err != nil {
		t.Errorf("SignalGroup of a group that is gone: %v, want nil", err)
	}
}

func TestChildrenSweepsOrphans(t *testing.T) {
	c := NewChildren()
	// The shell leaves a sleep behind, in its group, and exits: the sleep
	// is re-parented to this process, a subreaper now.
	cmd := exec.Command("sh", "-c", "sleep 30 & echo $!")
	OwnGroup(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(cmd); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	orphan, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	c.Done(cmd)
	c.Sweep()
	if !gone(t, orphan) {
		t.Errorf("the orphan %d is still there after Sweep", orphan)
	}
}
