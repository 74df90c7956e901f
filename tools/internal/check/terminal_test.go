//go:build linux

package check

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/echospec/echospec/tools/internal/suite"
)

// These tests use check as a student does: the binary, in a terminal (a
// pseudo-terminal) or a pipe, on fixtures of the bank, with --only or
// --family to keep each run to seconds.

var bins struct {
	once         sync.Once
	check, suite string
	err          error
}

// binaries builds check and the suite once for all the tests.
func binaries(t *testing.T) (checkBin, suiteBin string) {
	t.Helper()
	bins.once.Do(func() {
		dir, err := os.MkdirTemp("", "echospec-check-test-")
		if err != nil {
			bins.err = err
			return
		}
		bins.check = filepath.Join(dir, "check")
		argv := []string{"go", "build", "-o", bins.check, "../../check"}
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			bins.err = fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, out)
			return
		}
		root, err := suite.Root()
		if err == nil {
			bins.suite, err = suite.Cached(context.Background(), root, suite.Build{}, nil)
		}
		bins.err = err
	})
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	return bins.check, bins.suite
}

func TestMain(m *testing.M) {
	if mode := os.Getenv("CHECK_FAKE_SUITE"); mode != "" {
		os.Exit(fakeSuite(mode, os.Args[1:]))
	}
	code := m.Run()
	if bins.check != "" {
		os.RemoveAll(filepath.Dir(bins.check))
	}
	os.Exit(code)
}

// screen is what a terminal (or a pipe) has shown so far.
type screen struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on every write
	closed  bool
}

func newScreen(r io.Reader) *screen {
	s := &screen{changed: make(chan struct{})}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := r.Read(b)
			s.mu.Lock()
			s.buf.Write(b[:n])
			if err != nil {
				s.closed = true
			}
			close(s.changed)
			s.changed = make(chan struct{})
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return s
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitFor waits until the screen shows want after offset from, and
// returns the offset just past it; it fails the test at the deadline.
func (s *screen) waitFor(t *testing.T, want string, from int, d time.Duration) int {
	t.Helper()
	deadline := time.After(d)
	for {
		s.mu.Lock()
		text, ch, closed := s.buf.String(), s.changed, s.closed
		s.mu.Unlock()
		if i := strings.Index(text[min(from, len(text)):], want); i >= 0 {
			return from + i + len(want)
		}
		if closed {
			t.Fatalf("the output ended without %q; it was:\n%s", want, text)
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no %q within %v; the output so far:\n%s", want, d, text)
		}
	}
}

// drained waits until the reader has met the end of the output: on
// Linux, the pty's master reads EIO once the last slave is closed.
func (s *screen) drained(t *testing.T, deadline <-chan time.Time) {
	t.Helper()
	for {
		s.mu.Lock()
		ch, closed := s.changed, s.closed
		s.mu.Unlock()
		if closed {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("the terminal's output did not end; so far:\n%s", s.String())
		}
	}
}

// session is check running in a pseudo-terminal, 120 columns wide.
type session struct {
	cmd  *exec.Cmd
	tty  *os.File
	out  *screen
	done chan struct{}
	err  error
}

func startTerminal(t *testing.T, env []string, args ...string) *session {
	t.Helper()
	check, _ := binaries(t)
	cmd := exec.Command(check, args...)
	cmd.Env = append(os.Environ(), env...)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 120, Rows: 40})
	if err != nil {
		t.Fatal(err)
	}
	s := &session{cmd: cmd, tty: f, out: newScreen(f), done: make(chan struct{})}
	go func() { s.err = cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			_ = cmd.Process.Kill()
			<-s.done
		}
		f.Close()
	})
	return s
}

// wait waits for check to exit, and for the terminal to have shown all
// it wrote, and returns its status.
func (s *session) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	deadline := time.After(d)
	select {
	case <-s.done:
	case <-deadline:
		t.Fatalf("check did not exit within %v; its output:\n%s", d, s.out.String())
	}
	s.out.drained(t, deadline)
	var ee *exec.ExitError
	if errors.As(s.err, &ee) {
		return ee.ExitCode()
	}
	if s.err != nil {
		t.Fatal(s.err)
	}
	return 0
}

// runPiped runs check with its output to a pipe, as in CI or an editor.
func runPiped(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	check, _ := binaries(t)
	cmd := exec.Command(check, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

func fixture(name string) string {
	return filepath.Join("..", "..", "..", "fixtures", "students", name)
}

// In a terminal: the live line says which spec of how many, its family
// and the time, redrawn in place; then the families, then the failure.
// This run compiles the suite itself into an empty cache folder, as a
// student's first does.
func TestCheckInATerminal(t *testing.T) {
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	must(t, err)
	cache := []string{"XDG_CACHE_HOME=" + t.TempDir(), "GOCACHE=" + strings.TrimSpace(string(gocache))}
	s := startTerminal(t, append(cache, "LC_ALL=", "LC_MESSAGES=", "LANG=en_US.UTF-8"), "--only", "ECHO-1,ECHO-4", fixture("py-send-ignored"))
	code := s.wait(t, 90*time.Second)
	out := s.out.String()
	for _, want := range []string{
		"compiling the suite",
		"\r\x1b[Kspec 1 of 2 · Echo · ECHO-",
		"\r\x1b[Kspec 2 of 2 · Echo · ECHO-",
		"✗ echo    Echo",
		"1 passed; 1 failed: ECHO-4",
		"py-send-ignored (multiplex, select): 1 passed, 1 failed, 0 skipped",
		"✗ ECHO-4  echoes every byte of an 8 MiB payload sent while the client reads",
		"what happened: ",
		"hint:     the echo stopped short of 8 MiB",
		"the server's last output (stdout), in ECHO-4's spec:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the terminal does not show %q; it shows:\n%s", want, out)
		}
	}
	if code != exitFail {
		t.Errorf("exit status %d, want %d", code, exitFail)
	}

	// The locale's language by default: Chinese for LANG=zh_CN.UTF-8.
	_, suite := binaries(t)
	s = startTerminal(t, []string{"LC_ALL=", "LC_MESSAGES=", "LANG=zh_CN.UTF-8"}, "--suite", suite, "--only", "ECHO-1", fixture("py-single"))
	code = s.wait(t, 60*time.Second)
	out = s.out.String()
	for _, want := range []string{"\r\x1b[K第 1 项，共 1 项 · 回显 · ECHO-1", "✓ echo    回显", "1 项通过", "所有检查的属性都通过了"} {
		if !strings.Contains(out, want) {
			t.Errorf("the terminal does not show %q; it shows:\n%s", want, out)
		}
	}
	if code != exitPass {
		t.Errorf("exit status %d, want %d", code, exitPass)
	}
}

// Exit statuses 0, 1 and 2, in both languages, with plain lines on a pipe.
func TestExitStatuses(t *testing.T) {
	_, suite := binaries(t)
	broken := t.TempDir()
	must(t, os.WriteFile(filepath.Join(broken, "server.c"), []byte("int main( {\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(broken, "echospec.toml"), []byte(`model = "single"
build = ["gcc", "-o", "{builddir}/server", "server.c"]
command = ["{builddir}/server", "{port}"]
`), 0o644))
	cases := []struct {
		lang, dir, filter string
		code              int
		want              []string
	}{
		{"en", fixture("py-single"), "ECHO-1", exitPass, []string{"[1/1] ECHO-1 passed", "Every property checked passed."}},
		{"zh", fixture("py-single"), "ECHO-1", exitPass, []string{"[1/1] ECHO-1 通过", "所有检查的属性都通过了。"}},
		{"en", fixture("py-send-ignored"), "", exitFail, []string{"1 failed or not judged, in catalogue order", "\n✗ ECHO-4  echoes every byte", "hint:     the echo stopped short"}},
		{"zh", fixture("py-send-ignored"), "ECHO-4", exitFail, []string{"[1/1] ECHO-4 失败", "\n✗ ECHO-4  客户端边发边读时，8 MiB 的数据每个字节都能返回", "提示：    客户端读得慢了之后", "服务器最后的输出（stdout，ECHO-4 检查项中）："}},
		{"en", broken, "ECHO-1", exitBroken, []string{"could not be built or started, so no property was checked", "server.c", "hint: the build in echospec.toml failed"}},
		{"en", filepath.Join("..", "..", "..", "fixtures", "hostile", "exits-at-once"), "ECHO-1", exitBroken, []string{"could not be built or started", "before listening", "hint: the server did not come up listening"}},
		{"zh", broken, "ECHO-1", exitBroken, []string{"无法编译或启动，因此没有检查任何属性", "server.c", "提示：echospec.toml 中的 build 编译失败"}},
	}
	for _, c := range cases {
		args := []string{"--suite", suite, "--lang", c.lang}
		if c.filter != "" {
			args = append(args, "--only", c.filter)
		} else {
			args = append(args, "--family", "echo")
		}
		out, code := runPiped(t, nil, append(args, c.dir)...)
		if code != c.code {
			t.Errorf("check %s: exit %d, want %d; output:\n%s", strings.Join(args, " "), code, c.code, out)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("check %s %s: no %q in:\n%s", strings.Join(args, " "), c.dir, w, out)
			}
		}
		if strings.Contains(out, "\x1b[") {
			t.Errorf("check on a pipe drew terminal escapes:\n%q", out)
		}
		if c.code == exitFail {
			// The right failure first: the bug this fixture is about.
			if i := strings.Index(out, "\n✗ "); i < 0 || !strings.HasPrefix(out[i:], "\n✗ ECHO-4") {
				t.Errorf("the first failure shown is not ECHO-4:\n%s", out)
			}
		}
	}
}

// --watch runs again when the server's source changes, clears the screen
// between runs, and Ctrl-C in the middle of a run stops it with nothing
// left running.
func TestWatchRerunsOnChangeAndCtrlCLeavesNothing(t *testing.T) {
	_, suite := binaries(t)
	dir := t.TempDir()
	for _, f := range []string{"server.py", "echospec.toml"} {
		data, err := os.ReadFile(filepath.Join(fixture("py-single"), f))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	src := filepath.Join(dir, "server.py")
	good, err := os.ReadFile(src)
	must(t, err)
	if !bytes.Contains(good, []byte("client_sock.sendall(data)")) {
		t.Fatal("py-single no longer echoes with client_sock.sendall(data): update this test")
	}
	token := make([]byte, 8)
	_, _ = rand.Read(token)
	mark := "ECHOSPEC_CHECK_TEST=" + hex.EncodeToString(token)

	s := startTerminal(t, []string{mark}, "--watch", "--lang", "en", "--suite", suite, "--only", "ECHO-1,IDLE-2", dir)
	at := s.out.waitFor(t, "watching "+dir, 0, 60*time.Second)
	if out := s.out.String(); !strings.Contains(out, "Every property checked passed.") || !strings.Contains(out, "\x1b[H\x1b[2J") {
		t.Fatalf("the first run did not pass on a clean screen:\n%s", out)
	}

	// A bug: the echo gets a byte more.
	must(t, os.WriteFile(src, bytes.Replace(good, []byte("client_sock.sendall(data)"), []byte("client_sock.sendall(data + b'!')"), 1), 0o644))
	at = s.out.waitFor(t, "server.py changed: checking again", at, 30*time.Second)
	at = s.out.waitFor(t, "1 failed: ECHO-1", at, 60*time.Second)
	at = s.out.waitFor(t, "since the last run:", at, 30*time.Second)
	at = s.out.waitFor(t, "ECHO-1: passed → failed", at, 30*time.Second)
	at = s.out.waitFor(t, "watching "+dir, at, 30*time.Second)

	// Fixed again; Ctrl-C once its server is up.
	must(t, os.WriteFile(src, good, 0o644))
	at = s.out.waitFor(t, "server.py changed: checking again", at, 30*time.Second)
	deadline := time.Now().Add(30 * time.Second)
	for len(marked(mark, "server.py")) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no server of the third run started within 30s:\n%s", s.out.String())
		}
		select {
		case <-s.done:
			t.Fatalf("check exited:\n%s", s.out.String())
		case <-time.After(20 * time.Millisecond): // polling /proc, which has no event to wait on
		}
	}
	if _, err := s.tty.Write([]byte{3}); err != nil { // Ctrl-C
		t.Fatal(err)
	}
	s.out.waitFor(t, "stopped by Ctrl-C (SIGINT); nothing is left running", at, 30*time.Second)
	if code := s.wait(t, 30*time.Second); code != 130 {
		t.Errorf("exit status %d after Ctrl-C, want 130", code)
	}
	if left := marked(mark, ""); len(left) > 0 {
		t.Errorf("after Ctrl-C these processes of check's are still running: %s", strings.Join(left, "; "))
	}
}

// marked lists the processes whose environment holds mark (and whose
// command line holds cmd, if given), as pid and command line.
func marked(mark, cmd string) []string {
	var found []string
	self := fmt.Sprint(os.Getpid())
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid := e.Name()
		if pid[0] < '0' || pid[0] > '9' || pid == self {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", pid, "environ"))
		if err != nil || !bytes.Contains(env, []byte(mark+"\x00")) {
			continue
		}
		line, _ := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
		c := strings.ReplaceAll(string(bytes.TrimRight(line, "\x00")), "\x00", " ")
		if cmd == "" || strings.Contains(c, cmd) {
			found = append(found, pid+" "+c)
		}
	}
	return found
}
