package detail

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/probe"
	"github.com/echospec/echospec/props"
)

// exchanges cover every way probe words an exchange (each arm of
// Headline and Describe).
func exchanges() []probe.Exchange {
	sent := make([]byte, 8<<20+1)
	for i := range sent {
		sent[i] = byte(i)
	}
	bad := append([]byte{}, sent[:4096]...)
	bad[5] = 'x'
	how := "(random) in 64 KiB writes, reading once the server has taken it all or stopped taking it"
	eof, reset, wr := errors.New("EOF"), syscall.ECONNRESET, syscall.EPIPE
	return []probe.Exchange{
		{Sent: sent, Got: bad, How: how, Stalled: 4 * time.Second, Elapsed: 4033 * time.Millisecond},
		{Sent: sent[:10], Got: sent[:12], How: "then shutdown(SHUT_WR)", EOF: true},
		{Sent: sent, Got: sent[:100], EOF: true, How: "as 1,000 one-byte writes"},
		{Sent: sent, Got: sent[:100], Stalled: 5 * time.Second},
		{Sent: sent, Got: sent[:1], ReadErr: reset},
		{Sent: sent, Got: sent[:1], ReadErr: eof, WriteErr: wr},
		{Sent: sent[:1], Got: nil},
		{Sent: sent[:4], Got: sent[:4], WriteErr: wr},
		{Sent: sent[:1024], Got: sent[:1024], Stalled: time.Second, How: "(the greeting, if declared, then the line)"},
		{Sent: sent[:1024], Got: sent[:1024], ReadErr: eof, How: "(the greeting declared in /x/echospec.toml)"},
		{Sent: sent[:1024], Got: sent[:1024], EOF: true},
	}
}

// TestProbeInChinese: every text probe makes of an exchange comes out of
// the table with no English sentence left.
func TestProbeInChinese(t *testing.T) {
	for _, m := range []bool{false, true} {
		matcher := probe.BeWholeEcho()
		if m {
			matcher = probe.BeEchoThenEOF()
		}
		for _, ex := range exchanges() {
			en := matcher.FailureMessage(ex)
			zh := Translate(en, props.Zh)
			if e := English(zh); e != "" {
				t.Errorf("English left (%q) in\n%s\nfrom\n%s", e, zh, en)
			}
			if Translate(en, props.En) != en {
				t.Errorf("English changed by Translate(en)")
			}
		}
	}
}

// TestLaunchInChinese: the server's state and the ways a start or a build
// fails (launch's words).
func TestLaunchInChinese(t *testing.T) {
	for _, en := range []string{
		"server py (pid 22216, port 33287): running",
		"  server py (pid {pid}, port {port}): running",
		"server py (pid 22216, port 33287): exited with status 1\n  stderr (last lines):\n    | Traceback (most recent call last):\n    | [... 3 lines above]",
		"server c (pid 1, port 2): was killed by signal SIGSEGV (11)",
		"py: the server exited with status 1 before listening on port 4000 (last printed: \"bind failed\")",
		"py: the server did not listen on port 4000 within 10s (it is running (it printed nothing)); check that it binds the port given as {port} or $PORT (or the manifest's port = N) and calls listen()",
		"py: the server did not listen on port 4000 within 10s (it exited with status 2 (it printed nothing)); check that it binds the port given as {port} or $PORT (or the manifest's port = N) and calls listen()",
		"the server did not listen on the port the kit chose within 2s (it is running (last printed: \"ready!\")); check that it binds the port given as {port} or $PORT (or the manifest's port = N) and calls listen()",
		"py: the server exited with status 1 before listening on the port the kit chose (it printed nothing)",
		"py: cannot start \"python9\": executable file not found in $PATH (command in /x/echospec.toml; a relative path is taken from the manifest's folder /x)",
		"c: the build \"gcc -o server server.c\" failed (exited with status 1); its stderr ends with:",
		"c: the build \"make\" did not finish within 2m0s; it was stopped",
		"py: cannot start \"./server\": permission denied: the file is not executable (chmod +x, or run it through its interpreter) (command in /x/echospec.toml)",
		"the server ended during this spec (it exited with status 1): client 3 could not connect: connection refused",
		"a new client was not served after the others left: received 0 of 6 bytes, then the server closed the connection",
		"the server's writes to the non-reading client blocked: still not so after 5s: send queue 0",
		"client 3 of 64 got neither its echo nor a refusal (a close) within 5s: received 0 of 10 bytes, then nothing for 5s",
		"server py (pid 3, port 4): was killed for using more than 1GiB of memory (the sandbox's limit; [limits] memory)",
		"py: the sandbox could not start the server (the folder /x does not fit in the sandbox's disk limit of 256MiB ([limits] disk)) (it printed nothing)",
		"the kit cannot start a sandbox here (clone: operation not permitted); without root, user namespaces must be allowed (sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone, AppArmor's restrict_unprivileged_userns)",
		"no sandbox on darwin: the server runs as the kit's own user and sees what the kit sees",
		"cannot make a memory cgroup (v2) in /sys/fs/cgroup/user.slice: permission denied",
		"cannot set /sys/fs/cgroup/x/memory.max: read-only file system",
		"no memory controller: cgroup v1's is not mounted and cgroup v2 is not mounted",
		"cgroup v2's memory controller is not delegated to /sys/fs/cgroup/user.slice",
		"cannot enable the memory controller in /sys/fs/cgroup/x/cgroup.subtree_control: device or resource busy (the kit's own cgroup holds processes; run it in a delegated cgroup, e.g. systemd-run --user --scope -p Delegate=yes)",
	} {
		zh := Translate(en, props.Zh)
		if e := English(zh); e != "" {
			t.Errorf("English left (%q) in\n%s\nfrom\n%s", e, zh, en)
		}
	}
}

// TestKeeps: quoted bytes and the server's own lines are not translated.
func TestKeeps(t *testing.T) {
	in := "received 3 of 4 bytes (last printed: \"received 3 of 4 bytes\")\n    | received 1 byte"
	out := Translate(in, props.Zh)
	if !strings.Contains(out, "\"received 3 of 4 bytes\"") || !strings.HasSuffix(out, "    | received 1 byte") {
		t.Errorf("quoted text changed:\n%s", out)
	}
}

// TestEnglish: the scanner finds a sentence and lets code and names by.
func TestEnglish(t *testing.T) {
	for s, want := range map[string]bool{
		"发生了什么：the echo differs from what":           true,
		"提示：用 with 语句":                               false,
		"OSError: [Errno 98] Address already in use": false,
		"    | listening on 33287":                   false,
		"服务器 py（pid 3）：\"it said hello world\"":      false,
	} {
		if got := English(s) != ""; got != want {
			t.Errorf("English(%q) = %q, want found=%v", s, English(s), want)
		}
	}
}

// TestManifestInChinese: the errors of the keys a student writes.
func TestManifestInChinese(t *testing.T) {
	for _, body := range []string{
		`model = "threads"` + "\ncommand = [\"python3\", \"server.py\"]",
		`command = ["python3", "server.py"]`,
		`model = "single"`,
		`model = "single"` + "\ncommand = []",
		`model = "single"` + "\ncommand = [\"x\"]\nport = 70000",
		`model = "single"` + "\ncommand = [\"x\"]\nmechanism = \"kqueue2\"",
		`model = "single"` + "\ncommand = [\"x\"]\nready_timeout = \"-1s\"",
		`model = "single"` + "\ncommand = [\"x\"]\nbuild = []",
		`model = "single"` + "\ncommand = \"python3 server.py\"",
		`model = "single"` + "\ncommand = [\"x\"]\nmodle = \"single\"",
		`model = "single"` + "\ncommand = [\"x\"]\npool = 4",
		`model = "multithread"` + "\ncommand = [\"x\"]\npool = 1",
		`model = "single"` + "\ncommand = [\"x\"]\nready_timeout = \"soon\"",
		`model = "single"` + "\nname = \"a b\"\ncommand = [\"x\"]",
		`model = "single"` + "\ncommand = [\"x\"\n",
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, manifest.FileName), []byte(body+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := manifest.Load(dir)
		if err == nil {
			t.Errorf("%s: no error", body)
			continue
		}
		zh := Translate(err.Error(), props.Zh)
		if e := English(zh); e != "" {
			t.Errorf("English left (%q) in\n%s", e, zh)
		}
	}
}

// TestTheBanksDetails: every failure the fixture bank's servers drew
// from the suite (testdata/details.json: one of each shape, from grade
// --expect over fixtures/ on the kit's 2-core development machine, hints
// and server output left out, numbers as they came), put into Chinese,
// leaves no English sentence.
func TestTheBanksDetails(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "details.json"))
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	if err := json.Unmarshal(data, &details); err != nil {
		t.Fatal(err)
	}
	for _, d := range details {
		zh := Failure(d, props.Zh)
		if e := English(zh); e != "" {
			t.Errorf("English left (%q) in\n%s\nfrom\n%s", e, zh, d)
		}
		if Failure(d, props.En) != d {
			t.Errorf("Failure(en) changed\n%s", d)
		}
	}
}

// TestSkipsInChinese: every reason the suite gives for a skip, with each
// what the suite's specs name (s.local("...") in spec/).
func TestSkipsInChinese(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "spec", "*_test.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("the suite's files: %v", err)
	}
	local := regexp.MustCompile(`\.local\("([^"]*)"\)`)
	var whats []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range local.FindAllSubmatch(src, -1) {
			whats = append(whats, string(m[1]))
		}
	}
	if len(whats) < 10 {
		t.Fatalf("found %d calls of s.local in spec/: has it been renamed?", len(whats))
	}
	for _, what := range whats {
		for _, en := range []string{"needs Linux's /proc to check " + what + " (this is darwin)", "needs to see the server's processes to check " + what + "; --addr targets are tested over the network only"} {
			if zh := Line(en, props.Zh); English(zh) != "" {
				t.Errorf("English left (%q) in %s", English(zh), zh)
			}
		}
	}
}
