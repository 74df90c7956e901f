//go:build linux

package launch

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func start(t *testing.T, script string, ready time.Duration) (*Server, error) {
	t.Helper()
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "s.py"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Start(context.Background(), Options{
		Name: "t", Dir: dir, Argv: []string{"python3", "s.py", strconv.Itoa(port)},
		Host: "127.0.0.1", Port: port, ReadyTimeout: ready, Source: "test",
	})
	if s != nil {
		t.Cleanup(func() { s.Stop(time.Second) })
	}
	return s, err
}

const listener = `
import socket, sys, os, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
`

func TestMissingBinary(t *testing.T) {
	_, err := Start(context.Background(), Options{Name: "t", Dir: t.TempDir(), Argv: []string{"./no-such-server"}, Port: 1, ReadyTimeout: time.Second, Source: "command in x"})
	if err == nil || !strings.Contains(err.Error(), "cannot start") || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("Start = %v; want a cannot-start error", err)
	}
}

func TestExitsAtOnce(t *testing.T) {
	_, err := start(t, "import sys; print('boom: bad port', file=sys.stderr); sys.exit(3)", 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "exited with status 3 before listening") || !strings.Contains(err.Error(), "boom: bad port") {
		t.Fatalf("Start = %v; want the exit status and the stderr tail", err)
	}
}

func TestNeverListens(t *testing.T) {
	began := time.Now()
	_, err := start(t, "import time\nwhile True: time.sleep(1)", 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not listen") {
		t.Fatalf("Start = %v; want a did-not-listen error", err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Fatalf("Start took %v; the ready timeout was 300ms", d)
	}
}

func TestFloodIsBounded(t *testing.T) {
	// The server listens, floods stdout with 20 MB, then exits: the kit's
	// tail must keep only TailSize bytes and never block the writer.
	s, err := start(t, listener+"import sys\nfor i in range(200000): sys.stdout.write('x'*99+'\\n')\nsys.stdout.flush()\n", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Exited():
	case <-time.After(20 * time.Second):
		t.Fatalf("the flooding server did not finish within 20s; it wrote %d bytes so far (blocked on a full pipe?)", s.Stdout.Total())
	}
	if got := len(s.Stdout.Bytes()); got > TailSize {
		t.Fatalf("kept %d bytes; want at most %d", got, TailSize)
	}
	if s.Stdout.Total() != 20_000_000 {
		t.Fatalf("saw %d bytes of output; want 20,000,000", s.Stdout.Total())
	}
}

func TestStopKillsTheGroup(t *testing.T) {
	// The server forks a child that ignores SIGTERM and outlives its parent.
	s, err := start(t, listener+`
import signal
if os.fork() == 0:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True: time.sleep(1)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
while True: time.sleep(1)
`, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	s.Stop(200 * time.Millisecond)
	if !s.GroupGone() {
		t.Fatal("processes of the group remain after Stop")
	}
	if err := syscall.Kill(-s.PID, 0); err != syscall.ESRCH {
		t.Fatalf("kill(-pgid, 0) = %v; want ESRCH", err)
	}
	if d := time.Since(began); d > 3*time.Second {
		t.Fatalf("Stop took %v", d)
	}
}

func TestBuildFailureShowsOutput(t *testing.T) {
	err := Build(context.Background(), "t", t.TempDir(), []string{"sh", "-c", "echo 'server.c:3: error: expected ;' >&2; exit 1"}, nil, 10*time.Second, "build in x")
	if err == nil || !strings.Contains(err.Error(), "expected ;") {
		t.Fatalf("Build = %v; want the compiler's output", err)
	}
	err = Build(context.Background(), "t", t.TempDir(), []string{"sleep", "30"}, nil, 200*time.Millisecond, "build in x")
	if err == nil || !strings.Contains(err.Error(), "did not finish") {
		t.Fatalf("Build = %v; want a time-out", err)
	}
}

func TestListensOnAnotherPort(t *testing.T) {
	// The server ignores the port it is given and binds its own: the start
	// fails as soon as that is seen, naming the port, not at the timeout.
	other, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	_, err = start(t, strings.Replace(listener, "int(sys.argv[1])", strconv.Itoa(other), 1)+"while True: time.sleep(1)\n", 20*time.Second)
	want := "it listens on 127.0.0.1:" + strconv.Itoa(other) + ", not on the port it was given ("
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "set `port = "+strconv.Itoa(other)+"` in the manifest") {
		t.Fatalf("Start = %v; want %q and the port to set", err, want)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Fatalf("Start took %v; the other port should end the wait well before the 20s ready timeout", d)
	}
}

// A copy made inside the folder it copies (a temporary folder that is the
// submission's own) leaves itself out instead of copying itself forever.
func TestCopyFolderIntoItself(t *testing.T) {
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "server.py"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(src, "copy")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := CopyFolder(src, dst); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dst, "server.py")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dst, "copy")); !os.IsNotExist(err) {
		t.Fatalf("the copy holds itself: %v", err)
	}
}
