package threadlimit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadCount(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		text string
		want int
	}{{"max\n", 1 << 30}, {"64\n", 64}, {"7", 7}} {
		path := filepath.Join(dir, "pids.max")
		if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		if got, err := readCount(path); err != nil || got != tc.want {
			t.Errorf("readCount(%q) = %d, %v; want %d", tc.text, got, err, tc.want)
		}
	}
	if _, err := readCount(filepath.Join(dir, "missing")); err == nil {
		t.Error("readCount of a missing file succeeded")
	}
}

// TestLeftInPidsCgroup runs this test binary in a pids cgroup with
// pids.max = 64, where Left must report 64 less the threads it runs.
func TestLeftInPidsCgroup(t *testing.T) {
	if os.Getenv("THREADLIMIT_PRINT") != "" {
		fmt.Println("left", Left())
		os.Exit(0)
	}
	const root = "/sys/fs/cgroup/pids"
	if _, err := os.Stat(filepath.Join(root, "cgroup.procs")); err != nil {
		t.Skipf("no cgroup v1 pids hierarchy at %s", root)
	}
	dir := filepath.Join(root, fmt.Sprintf("threadlimit-test-%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("cannot make a pids cgroup (root only): %v", err)
	}
	defer func() {
		// The child may take a moment to leave it.
		for deadline := time.Now().Add(5 * time.Second); syscall.Rmdir(dir) != nil && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
	}()
	if err := os.WriteFile(filepath.Join(dir, "pids.max"), []byte("64"), 0); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", `echo $$ > "$0/cgroup.procs" && exec "$@"`, dir, os.Args[0], "-test.run=^TestLeftInPidsCgroup$")
	cmd.Env = append(os.Environ(), "THREADLIMIT_PRINT=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	f := strings.Fields(string(out))
	if len(f) < 2 || f[0] != "left" {
		t.Fatalf("child printed %q", out)
	}
	left, _ := strconv.Atoi(f[1])
	t.Logf("in a pids cgroup of 64: Left() = %d", left)
	// The child runs a handful of threads; anything from 40 to 63 is sane.
	if left < 40 || left > 63 {
		t.Errorf("Left() = %d in a cgroup with pids.max 64; want 64 less a few threads", left)
	}
}
