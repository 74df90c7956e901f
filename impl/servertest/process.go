//go:build unix

package servertest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Main is a TestMain for the package of a server binary: it builds the
// package under test (the current directory, with CGO_ENABLED=0 as
// fixtures/targets build it) into a temporary directory, stores the
// binary's path in *bin, runs the tests and removes the binary.
//
//	var serverBin string
//
//	func TestMain(m *testing.M) { servertest.Main(m, &serverBin) }
func Main(m *testing.M, bin *string) {
	dir, err := os.MkdirTemp("", "servertest")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*bin = filepath.Join(dir, "server")
	build := exec.Command("go", "build", "-o", *bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// A Process is a server binary running in a process group of its own, as
// the kit runs a target.
type Process struct {
	Addr string // where it listens, from its "listening on ADDR" line
	Pid  int    // the process started, also its process group id

	exited chan struct{} // closed once Pid has exited and been reaped
	gone   chan struct{} // closed once every process holding its stderr has exited

	mu  sync.Mutex
	log bytes.Buffer // what the server wrote to stderr
}

// Exec starts bin on an ephemeral port ("-port 0" before args) and waits
// until it prints "listening on ADDR" on stderr. Cleanup kills the whole
// process group, waits for every process in it, and logs the server's
// stderr if the test failed.
func Exec(t *testing.T, bin string, args ...string) *Process {
	t.Helper()
	return start(t, exec.Command(bin, append([]string{"-port", "0"}, args...)...))
}

// Limits are resource limits for ExecLimited, as a target manifest's
// [limits] table sets them for the kit. A zero field leaves that limit as
// the test process has it.
type Limits struct {
	// OpenFiles is RLIMIT_NOFILE, soft and hard, set by prlimit(1), or
	// else by the shell's ulimit, which then exec the server.
	OpenFiles int
	// Processes bounds the server's processes and threads together: the
	// pids.max of a pids cgroup made for it (Linux, cgroup v1, as root;
	// the kit does the same). RLIMIT_NPROC would count every process of
	// the user, and does not apply to root at all.
	Processes int
}

// pidsRoot is the cgroup v1 pids hierarchy ExecLimited makes groups in.
const pidsRoot = "/sys/fs/cgroup/pids"

var cgroupSeq atomic.Int64

// ExecLimited is Exec with the limits lim. The server is exec'd by the
// helpers that set them, so Pid is still the server's. It skips the test
// if a limit cannot be set here.
func ExecLimited(t *testing.T, lim Limits, bin string, args ...string) *Process {
	t.Helper()
	argv := append([]string{bin, "-port", "0"}, args...)
	if lim.OpenFiles > 0 {
		n := strconv.Itoa(lim.OpenFiles)
		if prlimit, err := exec.LookPath("prlimit"); err == nil {
			argv = append([]string{prlimit, "--nofile=" + n + ":" + n, "--"}, argv...)
		} else if sh, err := exec.LookPath("sh"); err == nil {
			// sh -c SCRIPT ARG0 ARGS...: $0 is the limit, "$@" the command.
			argv = append([]string{sh, "-c", `ulimit -n "$0" && exec "$@"`, n}, argv...)
		} else {
			t.Skip("neither prlimit nor sh found: cannot lower RLIMIT_NOFILE for the server")
		}
	}
	if lim.Processes > 0 {
		dir := pidsCgroup(t, lim.Processes)
		sh, err := exec.LookPath("sh")
		if err != nil {
			t.Skip("no sh to start the server in a pids cgroup")
		}
		// The shell moves itself into the cgroup, then becomes the rest.
		argv = append([]string{sh, "-c", `echo $$ > "$0/cgroup.procs" && exec "$@"`, dir}, argv...)
	}
	return start(t, exec.Command(argv[0], argv[1:]...))
}

// pidsCgroup makes a pids cgroup with pids.max = n, and returns its
// folder; Cleanup removes it, after the server's own Cleanup has ended
// every process in it. It skips the test where it cannot.
func pidsCgroup(t *testing.T, n int) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(pidsRoot, "cgroup.procs")); err != nil {
		t.Skipf("no cgroup v1 pids hierarchy at %s to bound processes and threads", pidsRoot)
	}
	dir := filepath.Join(pidsRoot, fmt.Sprintf("servertest-%d-%d", os.Getpid(), cgroupSeq.Add(1)))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("cannot make a pids cgroup (root only): %v", err)
	}
	t.Cleanup(func() {
		// The last processes may take a moment to leave it.
		var err error
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if err = syscall.Rmdir(dir); err == nil || time.Now().After(deadline) {
				break
			}
		}
		if err != nil {
			t.Errorf("removing cgroup %s: %v", dir, err)
		}
	})
	if err := os.WriteFile(filepath.Join(dir, "pids.max"), []byte(strconv.Itoa(n)), 0); err != nil {
		t.Skipf("cannot set pids.max: %v", err)
	}
	return dir
}

func start(t *testing.T, cmd *exec.Cmd) *Process {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = pw // inherited by any children too
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		t.Fatal(err)
	}
	pw.Close()
	p := &Process{Pid: cmd.Process.Pid, exited: make(chan struct{}), gone: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(p.exited)
	}()
	listening := make(chan string, 1)
	go func() {
		defer close(p.gone) // EOF: nobody holds the write end any more
		defer pr.Close()
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				select {
				case listening <- addr:
				default:
				}
			}
			p.mu.Lock()
			fmt.Fprintln(&p.log, sc.Text())
			p.mu.Unlock()
		}
		close(listening)
	}()
	t.Cleanup(func() {
		syscall.Kill(-p.Pid, syscall.SIGKILL)
		p.WaitGone(t, 5*time.Second)
		if t.Failed() {
			t.Logf("server stderr:\n%s", p.Log())
		}
	})
	select {
	case addr, ok := <-listening:
		if !ok {
			t.Fatalf("server exited before listening; stderr:\n%s", p.Log())
		}
		p.Addr = addr
	case <-time.After(10 * time.Second):
		t.Fatal("server did not print \"listening on\" within 10 s")
	}
	return p
}

// Log is what the server has written to stderr so far.
func (p *Process) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// Exited reports whether the process started has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// WaitGone waits until the process and every process that inherited its
// stderr have exited, and fails the test if that takes longer than d.
func (p *Process) WaitGone(t *testing.T, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for _, ch := range []chan struct{}{p.exited, p.gone} {
		select {
		case <-ch:
		case <-timeout:
			t.Errorf("server processes still running %v after being signalled", d)
			return
		}
	}
}

// Terminate sends SIGTERM to the process group, as a service manager or a
// terminal's Ctrl-C does, and fails the test unless every process in it
// has exited within 3 s (PROC-2).
func (p *Process) Terminate(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(-p.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.WaitGone(t, 3*time.Second)
}
