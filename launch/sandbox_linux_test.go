package launch

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/echospec/echospec/rlimit"
)

// sandboxed is Options for a sandboxed start of a script that startWith
// writes into a folder of its own, beside a canary folder the script must
// not reach.
func sandboxed(t *testing.T, lim rlimit.Set) (Options, string) {
	t.Helper()
	for _, l := range Layers() {
		if l.Missing != "" && l.Name != "memory" {
			t.Skipf("no sandbox here: %s: %s", l.Name, l.Missing)
		}
	}
	canary := t.TempDir()
	if err := os.WriteFile(filepath.Join(canary, "secret"), []byte("teacher's"), 0o644); err != nil {
		t.Fatal(err)
	}
	binds, caches, _ := Toolchains()
	return Options{Limits: lim, Sandbox: &Sandbox{Hide: []string{canary}, Binds: binds, Caches: caches}}, canary
}

// waitOutput waits until the server printed want (or exited).
func waitOutput(t *testing.T, s *Server, want string) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		out := s.Stdout.String()
		if strings.Contains(out, want) {
			return out
		}
		select {
		case <-deadline:
			t.Fatalf("the server never printed %q:\n%s", want, s.Report())
		case <-s.Exited():
			if out := s.Stdout.String(); strings.Contains(out, want) {
				return out
			}
			t.Fatalf("the server ended before printing %q:\n%s", want, s.Report())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// A sandboxed server runs as a user of its own, in a pid namespace where
// it is not PID 1, sees neither the home folders nor the hidden canary,
// cannot write outside its private copy and /tmp, and its writes to its
// copy never reach the original folder.
func TestSandboxConfines(t *testing.T) {
	o, canary := sandboxed(t, rlimit.Defaults)
	script := listener + fmt.Sprintf(`
import errno
def tried(f):
    try:
        f(); return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]
here = sys.argv[2]
print("uid", os.getuid(), "pid", os.getpid(), "ppid", os.getppid(), flush=True)
print("canary", tried(lambda: os.listdir(%q)), flush=True)
print("root", tried(lambda: open("/root/.profile")), "shadow", tried(lambda: open("/etc/shadow")), flush=True)
print("etc", tried(lambda: open("/etc/echospec-test", "w")), flush=True)
print("own", tried(lambda: open(os.path.join(here, "written"), "w").write("x")), flush=True)
print("tmp", tried(lambda: open("/tmp/x", "w").write("x")), flush=True)
print("procs", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()), flush=True)
print("done", flush=True)
while True: time.sleep(1)
`, canary+"/secret")
	s := startWith(t, script, o)
	out := waitOutput(t, s, "done")
	var uid, pid, ppid int
	if _, err := fmt.Sscanf(out, "uid %d pid %d ppid %d", &uid, &pid, &ppid); err != nil {
		t.Fatalf("the server printed %q: %v", out, err)
	}
	// Its parent is the kit's init, PID 1, and it sees no other process.
	procs := fmt.Sprintf("procs [1, %d]", pid)
	for _, want := range []string{"canary ENOENT", "root ENOENT", "shadow EACCES", "etc EROFS", "own ok", "tmp ok", procs, "ppid 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("the sandboxed server printed:\n%s\nwant a line with %q", out, want)
		}
	}
	if strings.Contains(out, "uid 0 ") || strings.Contains(out, fmt.Sprintf("uid %d ", os.Getuid())) {
		t.Errorf("the sandboxed server runs as the kit's user: %s", out)
	}
	if _, err := os.Stat(filepath.Join(s.cmd.Dir, "written")); !os.IsNotExist(err) {
		t.Errorf("the server's write reached its original folder: stat = %v", err)
	}
}

// A server that takes more memory than its limit is killed, and its end
// says so.
func TestSandboxMemoryLimit(t *testing.T) {
	if why := Missing("memory"); why != "" {
		t.Skipf("no memory layer here: %s", why)
	}
	lim := rlimit.Defaults
	lim.Memory = 64 << 20
	o, _ := sandboxed(t, lim)
	s := startWith(t, listener+`
hog = []
print("listening", flush=True)
while True:
    hog.append(bytearray(16 << 20))
`, o)
	select {
	case <-s.Exited():
	case <-time.After(20 * time.Second):
		t.Fatalf("the memory hog still runs after 20s: %s", s.Report())
	}
	if got, want := s.Status(), "was killed for using more than 64MiB of memory"; !strings.Contains(got, want) {
		t.Fatalf("Status() = %q; want it to contain %q", got, want)
	}
}

// What a server writes is bounded in all by the disk limit.
func TestSandboxDiskLimit(t *testing.T) {
	lim := rlimit.Defaults
	lim.Disk = 8 << 20
	o, _ := sandboxed(t, lim)
	s := startWith(t, listener+`
import errno
wrote = 0
try:
    for i in range(16):
        with open("/tmp/f%d" % i, "wb") as f:
            f.write(b"x" * (1 << 20))
        wrote += 1
except OSError as e:
    print("stopped", errno.errorcode[e.errno], flush=True)
print("wrote", wrote, flush=True)
while True: time.sleep(1)
`, o)
	out := waitOutput(t, s, "wrote")
	if !strings.Contains(out, "stopped ENOSPC") {
		t.Fatalf("with disk = 8MiB the server printed %q; want ENOSPC before 16 MiB", out)
	}
}

// A server's end is its process's exit, even while a child it left holds
// its output open.
func TestSandboxExitSeenWhileChildHoldsOutput(t *testing.T) {
	o, _ := sandboxed(t, rlimit.Defaults)
	s := startWith(t, listener+`
if os.fork() == 0:
    time.sleep(600)
    os._exit(0)
time.sleep(0.2)
os._exit(3)
`, o)
	select {
	case <-s.Exited():
	case <-time.After(20 * time.Second):
		t.Fatalf("the server's exit was not seen within 20s: %s", s.Report())
	}
	if got := s.Status(); got != "exited with status 3" {
		t.Fatalf("Status() = %q; want %q", got, "exited with status 3")
	}
	if s.GroupGone() {
		t.Fatal("GroupGone() is true while the child runs")
	}
}

// A sandboxed build writes to its folder and output folder, which keep
// what it wrote, and to nothing else; it has no network.
func TestSandboxedBuild(t *testing.T) {
	o, canary := sandboxed(t, rlimit.Defaults)
	dir, out := t.TempDir(), t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	script := fmt.Sprintf(`set -e
echo built > made-here
echo built > %s/bin
if ls %s 2>/dev/null; then echo "saw the canary"; exit 1; fi
if echo x 2>/dev/null > /etc/echospec-test; then echo "wrote to /etc"; exit 1; fi
if python3 -c 'import socket; socket.create_connection(("127.0.0.1", %d), 2)' 2>/dev/null; then echo "reached the host"; exit 1; fi
`, out, canary, ln.Addr().(*net.TCPAddr).Port)
	o.Sandbox.Binds = append(o.Sandbox.Binds, Bind{Path: dir, Writable: true}, Bind{Path: out, Writable: true})
	if err := BuildIn(t.Context(), "t", dir, []string{"sh", "-c", script}, nil, time.Minute, "test", o.Sandbox); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Join(dir, "made-here"), filepath.Join(out, "bin")} {
		if data, err := os.ReadFile(f); err != nil || string(data) != "built\n" {
			t.Errorf("%s = %q, %v; want the build's output", f, data, err)
		}
	}
	err = BuildIn(t.Context(), "t", dir, []string{"sh", "-c", "echo broken; exit 2"}, nil, time.Minute, "test", o.Sandbox)
	if err == nil || !strings.Contains(err.Error(), "failed (exited with status 2)") {
		t.Fatalf("a failing build: err = %v", err)
	}
}

// As an unprivileged user the sandbox is a user namespace in which the
// server holds no capability, and it confines as it does for root: run
// as root, this test runs the sandbox tests again as nobody (65534).
func TestSandboxAsAnotherUser(t *testing.T) {
	if os.Getuid() != 0 || os.Getenv("ECHOSPEC_SANDBOX_AS_NOBODY") != "" {
		t.Skip("runs the sandbox tests as another user; needs root")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("needs setpriv (util-linux)")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// A copy nobody may run: go test's own folder is its owner's only.
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "launch.test")
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--",
		bin, "-test.run", "^TestSandbox(Confines|DiskLimit|ExitSeenWhileChildHoldsOutput|edBuild|MemoryLimit)$", "-test.v", "-test.count=1")
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(tmp, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+tmp, "TMPDIR="+tmp, "ECHOSPEC_SANDBOX_AS_NOBODY=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the sandbox tests as nobody: %v\n%s", err, out)
	}
	for _, name := range []string{"TestSandboxConfines", "TestSandboxDiskLimit", "TestSandboxExitSeenWhileChildHoldsOutput", "TestSandboxedBuild"} {
		if !strings.Contains(string(out), "--- PASS: "+name) {
			t.Errorf("as nobody, %s did not pass:\n%s", name, out)
		}
	}
	t.Logf("as nobody:\n%s", out)
}

// What a server printed before it ended is in its failure, however soon
// after the printing it ended (the kit hears of the end only once the
// output is read).
func TestSandboxLastWordsKept(t *testing.T) {
	o, _ := sandboxed(t, rlimit.Defaults)
	dir := t.TempDir()
	o.Name, o.Dir, o.Host, o.Source, o.ReadyTimeout = "t", dir, "127.0.0.1", "test", 10*time.Second
	o.Sandbox.Copy = dir
	o.Argv = []string{"sh", "-c", "echo 'bind: Address already in use' >&2; exit 1"}
	for i := range 20 {
		port, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		o.Port = port
		_, err = Start(t.Context(), o)
		if err == nil || !strings.Contains(err.Error(), "Address already in use") {
			t.Fatalf("start %d: err = %v; want the server's last words", i, err)
		}
	}
}

// A folder bound into the sandbox (a Go module under /tmp) is seen as the
// host has it, except what is hidden inside it; a folder bound deeper
// inside it is seen on top.
func TestSandboxHiddenInsideABind(t *testing.T) {
	o, _ := sandboxed(t, rlimit.Defaults)
	root := t.TempDir()
	for _, d := range []string{"class/other", "class/own", "lib"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"class/other/secret", "lib/shared"} {
		if err := os.WriteFile(filepath.Join(root, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o.Sandbox.Hide = append(o.Sandbox.Hide, filepath.Join(root, "class"))
	o.Sandbox.Binds = append(o.Sandbox.Binds, Bind{Path: root})
	dir := filepath.Join(root, "class", "own")
	o.Name, o.Dir, o.Host, o.Source, o.ReadyTimeout = "t", dir, "127.0.0.1", "test", 10*time.Second
	o.Sandbox.Copy = dir
	o.Argv = []string{"sh", "-c", fmt.Sprintf("ls %s/lib %s/class; echo done; exec sleep 600", root, root)}
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	o.Port = port
	s, err := run(o, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop(0)
	out := waitOutput(t, s, "done")
	if !strings.Contains(out, "shared") || strings.Contains(out, "other") || !strings.Contains(out, "own") {
		t.Fatalf("the sandbox listed:\n%s\nwant lib/shared and class/own, and not class/other", out)
	}
}
