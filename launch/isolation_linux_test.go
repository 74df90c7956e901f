package launch

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/echospec/echospec/netns"
	"github.com/echospec/echospec/procfs"
	"github.com/echospec/echospec/rlimit"
)

// startWith starts script (Python) with options o filled in.
func startWith(t *testing.T, script string, o Options) *Server {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "s.py"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	if o.Port == 0 {
		p, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		o.Port = p
	}
	o.Name, o.Dir, o.Host, o.Source = "t", dir, "127.0.0.1", "test"
	if o.Sandbox != nil && o.Sandbox.Copy == "" {
		o.Sandbox.Copy = dir
	}
	o.Argv = []string{"python3", "s.py", strconv.Itoa(o.Port), dir}
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 10 * time.Second
	}
	s, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(time.Second) })
	return s
}

const echoServer = listener + `
while True:
    c, _ = s.accept()
    while True:
        d = c.recv(65536)
        if not d: break
        c.sendall(d)
    c.close()
`

// The limits hold from the server's first instruction: it reads them
// before doing anything else.
func TestLimitsBindFromTheStart(t *testing.T) {
	lim := rlimit.Defaults
	lim.OpenFiles, lim.AddressSpace, lim.FileSize = 123, 3<<30, 1<<20
	s := startWith(t, `import resource, sys
print("nofile", *resource.getrlimit(resource.RLIMIT_NOFILE), "as", *resource.getrlimit(resource.RLIMIT_AS),
      "fsize", *resource.getrlimit(resource.RLIMIT_FSIZE), "core", *resource.getrlimit(resource.RLIMIT_CORE), flush=True)
`+listener+"import time\nwhile True: time.sleep(1)\n", Options{Limits: lim})
	want := fmt.Sprintf("nofile 123 123 as %d %d fsize %d %d core 0 0", 3<<30, 3<<30, 1<<20, 1<<20)
	if got := strings.TrimSpace(s.Stdout.String()); got != want {
		t.Fatalf("the server saw limits %q; want %q", got, want)
	}
}

// A server may not start more processes and threads than Processes.
func TestProcessLimit(t *testing.T) {
	if newCgroupProbe() == "" && os.Getuid() == 0 {
		t.Skip("no pids cgroup here, and root is exempt from RLIMIT_NPROC")
	}
	lim := rlimit.Defaults
	lim.Processes = 12
	s := startWith(t, `import os, time
ok = 0
for i in range(30):
    try:
        if os.fork() == 0:
            time.sleep(60); os._exit(0)
        ok += 1
    except OSError:
        pass
print("forked", ok, flush=True)
`+listener+"while True: time.sleep(1)\n", Options{Limits: lim})
	var n int
	if _, err := fmt.Sscanf(s.Stdout.String(), "forked %d", &n); err != nil || n > 11 {
		t.Fatalf("with processes = 12 the server forked %q (want at most 11 children besides itself)", s.Stdout.String())
	}
}

// newCgroupProbe reports whether a pids cgroup can be made here.
func newCgroupProbe() string {
	dir := newCgroup(newRunToken(), 1)
	removeCgroup(dir)
	return dir
}

// A grandchild that leaves the process group (double fork and setsid) and
// ignores SIGTERM is still found and killed by Stop, and reaped.
func TestStopKillsADaemonizedGrandchild(t *testing.T) {
	s := startWith(t, listener+`
import signal
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        open(os.path.join(sys.argv[2], "daemon.pid"), "w").write(str(os.getpid()))
        time.sleep(600)
        os._exit(0)
    os._exit(0)
while True: time.sleep(1)
`, Options{})
	pidFile := filepath.Join(s.cmd.Dir, "daemon.pid")
	var daemon int
	deadline := time.Now().Add(10 * time.Second)
	for daemon == 0 {
		if data, err := os.ReadFile(pidFile); err == nil && len(data) > 0 {
			daemon, _ = strconv.Atoi(string(data))
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the daemon never wrote its pid")
		}
		select {
		case <-s.Exited():
			t.Fatalf("the server exited: %s", s.Report())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if pg, _ := syscall.Getpgid(daemon); pg == s.PID {
		t.Fatalf("the daemon %d is still in the server's group %d; the test is wrong", daemon, s.PID)
	}
	if got := s.Strays(); len(got) != 1 || got[0] != daemon {
		t.Fatalf("Strays() = %v; want [%d], the daemon", got, daemon)
	}
	if s.GroupGone() {
		t.Fatal("GroupGone() is true while the daemon runs")
	}
	began := time.Now()
	s.Stop(200 * time.Millisecond)
	if err := syscall.Kill(daemon, 0); err != syscall.ESRCH {
		t.Fatalf("after Stop, kill(%d, 0) = %v; want ESRCH: the daemon survived or was not reaped", daemon, err)
	}
	if !s.GroupGone() {
		t.Fatal("GroupGone() is false after Stop")
	}
	if left := procfs.WithEnv(runTokenVar + "=" + s.token); len(left) > 0 {
		t.Fatalf("processes with the run token remain: %v", left)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Fatalf("Stop took %v", d)
	}
}

// Two servers fixed on the same port run at once, each in its own network
// namespace, and each client reaches its own server.
func TestSamePortInTwoNamespaces(t *testing.T) {
	if err := netns.Available(); err != nil {
		t.Skipf("no network namespaces: %v", err)
	}
	var srvs []*Server
	for range 2 {
		ns, err := netns.New()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ns.Close() })
		srvs = append(srvs, startWith(t, echoServer, Options{Port: 9090, NetNS: ns}))
	}
	for i, s := range srvs {
		if ino, err := netns.Of(s.PID); err != nil || ino != s.NetNS.Inode() {
			t.Fatalf("server %d is in namespace %d (%v); want %d", i, ino, err, s.NetNS.Inode())
		}
		var c net.Conn
		if err := s.NetNS.Do(func() (err error) { c, err = net.DialTimeout("tcp", s.Addr(), 5*time.Second); return }); err != nil {
			t.Fatalf("server %d: %v\n%s", i, err, s.Report())
		}
		msg := fmt.Sprintf("to server %d (pid %d)\n", i, s.PID)
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
			t.Fatalf("server %d echoed %q, %v; want %q", i, got, err, msg)
		}
		c.Close()
	}
}
