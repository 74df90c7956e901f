// Package threadlimit tells a reference server how many more threads it
// may create before the kernel refuses, for the servers that start a
// thread or process per connection: a Go program that fails to create a
// thread dies ("runtime: failed to create new OS thread ... fatal error:
// newosproc"), so they must stop short of the limit instead of hitting it.
package threadlimit

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Left returns how many more threads this process may create before
// clone(2) fails with EAGAIN, or -1 if nothing it can see limits that. Two
// things do on Linux, and each counts threads, not processes:
//
//   - the pids cgroup the process is in, and each of its ancestors:
//     pids.max less pids.current;
//   - RLIMIT_NPROC, for a user other than root: the limit less the
//     threads of every process of the same real user.
//
// Both may also count other processes, whose threads come and go, so the
// answer is only as good as the moment it is taken.
func Left() int {
	left := -1
	less := func(n int) {
		if left < 0 || n < left {
			left = max(n, 0)
		}
	}
	for _, dir := range pidsCgroups() {
		maxPids, err1 := readCount(filepath.Join(dir, "pids.max"))
		current, err2 := readCount(filepath.Join(dir, "pids.current"))
		if err1 == nil && err2 == nil {
			less(maxPids - current)
		}
	}
	var lim unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NPROC, &lim) == nil && lim.Cur != unix.RLIM_INFINITY && os.Geteuid() != 0 {
		less(int(min(lim.Cur, 1<<30)) - userThreads(os.Getuid()))
	}
	return left
}

// pidsCgroups lists the folders of this process's pids cgroup and of its
// ancestors that exist, from /proc/self/cgroup: "ID:pids:/path" for
// cgroup v1, "0::/path" for v2, under the usual mount points.
func pidsCgroups() []string {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return nil
	}
	defer f.Close()
	var dirs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		var roots []string
		switch {
		case parts[0] == "0" && parts[1] == "":
			roots = []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}
		case strings.Contains(","+parts[1]+",", ",pids,"):
			roots = []string{"/sys/fs/cgroup/pids"}
		default:
			continue
		}
		for _, root := range roots {
			for p := filepath.Clean("/" + parts[2]); ; p = filepath.Dir(p) {
				if _, err := os.Stat(filepath.Join(root, p, "pids.max")); err == nil {
					dirs = append(dirs, filepath.Join(root, p))
				}
				if p == "/" {
					break
				}
			}
		}
	}
	return dirs
}

// readCount reads a cgroup file holding one number, or "max" for none.
func readCount(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return 1 << 30, nil
	}
	return strconv.Atoi(s)
}

// userThreads counts the threads of every process whose real user is
// uid, from /proc/PID/status.
func userThreads(uid int) int {
	stats, _ := filepath.Glob("/proc/[0-9]*/status")
	n := 0
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // exited meanwhile
		}
		ruid, threads := -1, 0
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Uid:"); ok {
				if f := strings.Fields(v); len(f) > 0 {
					ruid, _ = strconv.Atoi(f[0])
				}
			} else if v, ok := strings.CutPrefix(line, "Threads:"); ok {
				threads, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		if ruid == uid {
			n += threads
		}
	}
	return n
}
