package launch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/procfs"
)

// StrayFacts say how a server's processes are counted and found on
// Linux (see Facts).
var StrayFacts = Facts{
	NewCgroup: "newCgroup makes a pids cgroup for one server and returns its " +
		"folder, or \"\" where the kit cannot (then RLIMIT_NPROC stands " +
		"in).",
	Strays: "strays lists the live processes (zombies excluded) that carry " +
		"token in their environment or sit in cgroup dir, whatever " +
		"their process group.",
}

// A server's processes are found three ways, so one that leaves its
// process group (setsid after a double fork) is still found: its process
// group; its pids cgroup, which no process can leave on its own; and the
// run token every process started for it inherits in its environment.
// Orphans are re-parented to the kit (a child subreaper), which reaps them.

// runToken identifies one start of a server in its processes' environment.
const runTokenVar = "ECHOSPEC_RUN"

var runSeq atomic.Int64

func newRunToken() string {
	return fmt.Sprintf("%d.%d", os.Getpid(), runSeq.Add(1))
}

// pidsRoot is the cgroup v1 pids hierarchy the kit makes a group in for
// each server, when it may (root, v1 pids mounted).
const pidsRoot = "/sys/fs/cgroup/pids"

// newCgroup does what StrayFacts.NewCgroup says.
func newCgroup(token string, max uint64) string {
	if _, err := os.Stat(filepath.Join(pidsRoot, "cgroup.procs")); err != nil {
		return ""
	}
	dir := filepath.Join(pidsRoot, "echospec-"+token)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return ""
	}
	if err := os.WriteFile(filepath.Join(dir, "pids.max"), []byte(strconv.FormatUint(max, 10)), 0); err != nil {
		os.Remove(dir)
		return ""
	}
	return dir
}

// removeCgroup removes an empty cgroup made by newCgroup.
// A process that has just been reaped may still be counted in its cgroup
// for a moment (EBUSY); the removal tries again for up to two seconds.
func removeCgroup(dir string) {
	if dir == "" {
		return
	}
	deadline := time.Now().Add(2 * time.Second)
	for unix.Rmdir(dir) == unix.EBUSY && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling the cgroup's emptiness, an observable state
	}
}

// strays does what StrayFacts.Strays says.
func strays(token, cgroup string) []int {
	seen := map[int]bool{}
	var out []int
	add := func(pid int) {
		if !seen[pid] && procfs.Live(pid) {
			seen[pid] = true
			out = append(out, pid)
		}
	}
	if cgroup != "" {
		if data, err := os.ReadFile(filepath.Join(cgroup, "cgroup.procs")); err == nil {
			for f := range strings.FieldsSeq(string(data)) {
				if pid, err := strconv.Atoi(f); err == nil {
					add(pid)
				}
			}
		}
	}
	for _, pid := range procfs.WithEnv(runTokenVar + "=" + token) {
		add(pid)
	}
	return out
}

// reapStray collects pid if it is an exited child of the kit (a stray
// re-parented to the kit as subreaper).
func reapStray(pid int) {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		if !errors.Is(err, unix.EINTR) {
			return
		}
	}
}

// describeProcs names processes for a message: pid, command and state.
func describeProcs(pids []int) string {
	var parts []string
	for _, pid := range pids {
		parts = append(parts, fmt.Sprintf("pid %d %q", pid, procfs.Comm(pid)))
	}
	return strings.Join(parts, ", ")
}
