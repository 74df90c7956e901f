//go:build linux

package grade

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/echospec/echospec/launch"
	"github.com/echospec/echospec/procfs"
	"github.com/echospec/echospec/rlimit"
	"github.com/echospec/echospec/tools/internal/suite"
)

// attackers are the folders of fixtures/attacks, graded beside a correct
// server (a copy of students/py-single, the victim).
var attackers = []string{"walks-up", "kills-grader", "memory-hog", "disk-filler", "fork-bomb", "escapes"}

// TestSandboxHoldsAgainstAttackers grades a class of the attackers beside a
// correct server, in folders this test makes (under out/, not /tmp, so that
// the private /tmp hides nothing the test checks), with
// ECHOSPEC_ATTACK_PLAN naming the victim, the class, a canary folder beside
// it, the output folder and this process, the grader. The grader must
// finish with a verdict per submission, each as its manifest expects (the
// victim passes every spec, the memory hog fails every one for memory); no
// byte of the class or the canary may change; nothing of the victim's code
// or /etc/shadow may reach the outputs; nothing may be left running or on
// disk.
func TestSandboxHoldsAgainstAttackers(t *testing.T) {
	if testing.Short() {
		t.Skip("grades a class: not in -short")
	}
	for _, l := range launch.Layers() {
		if l.Missing != "" {
			t.Skipf("the sandbox's %s layer is missing here: %s", l.Name, l.Missing)
		}
	}
	repo, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(repo, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	root, err := os.MkdirTemp(filepath.Join(repo, "out"), "attack-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	class, canary, out := filepath.Join(root, "class"), filepath.Join(root, "canary"), filepath.Join(root, "out")
	secret := randomHex(t)
	victim := filepath.Join(class, "victim")
	for _, d := range []string{class, canary, victim} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := launch.CopyFolder(filepath.Join(repo, "fixtures", "students", "py-single"), victim); err != nil {
		t.Fatal(err)
	}
	appendFile(t, filepath.Join(victim, "server.py"), "\n# the victim's secret: "+secret+"\n")
	if err := os.WriteFile(filepath.Join(canary, "canary.txt"), []byte("the teacher's "+secret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, a := range attackers {
		dst := filepath.Join(class, a)
		if err := os.Mkdir(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := launch.CopyFolder(filepath.Join(repo, "fixtures", "attacks", a), dst); err != nil {
			t.Fatal(err)
		}
	}
	plan, err := json.Marshal(map[string]any{
		"victims": []string{victim}, "class": class, "canary": canary, "out": out, "grader_pid": os.Getpid(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("ECHOSPEC_ATTACK_PLAN", string(plan))
	before := map[string]string{"class": hashTree(t, class), "canary": hashTree(t, canary)}
	shadow, _ := os.ReadFile("/etc/shadow")

	bin, err := suite.Cached(context.Background(), repo, suite.Build{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := gradeMain(context.Background(), []string{"--suite", bin, "--expect", "--parallel", "3", "--out", out, class}); err != nil {
		t.Fatalf("grading the attackers' class: %v (the log of each is in %s/logs)", err, out)
	}

	rows := gradeRows(t, filepath.Join(out, "grades.csv"))
	for _, name := range append([]string{"victim"}, attackers...) {
		if _, ok := rows[name]; !ok {
			t.Errorf("grades.csv has no row for %s: %v", name, rows)
		}
	}
	if score := rows["victim"]; score != "100" {
		t.Errorf("the correct server scored %q; want 100", score)
	}
	for what, sum := range map[string]string{"class": hashTree(t, class), "canary": hashTree(t, canary)} {
		if sum != before[what] {
			t.Errorf("the %s folder changed during grading", what)
		}
	}
	firstShadowLine, _, _ := strings.Cut(string(shadow), "\n")
	_ = filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, _ := os.ReadFile(p)
		if strings.Contains(string(data), secret) {
			t.Errorf("%s holds the victim's secret", p)
		}
		if firstShadowLine != "" && strings.Contains(string(data), firstShadowLine) {
			t.Errorf("%s holds a line of /etc/shadow", p)
		}
		return nil
	})
	if m, _ := filepath.Glob("/tmp/echospec-attack-fill-*"); len(m) > 0 {
		t.Errorf("the disk filler's files are left in /tmp: %v", m)
	}
	if left := procfs.WithEnv("ECHOSPEC_ATTACK_PLAN=" + string(plan)); len(left) > 0 {
		t.Errorf("processes of this class are left: %v", left)
	}
}

// TestAttacksAreRefused starts each attacker as the suite does, with the
// plan, and reads what it printed of its attempts: each one was refused by
// the kernel, so the attacks ran and failed (the class test alone could
// pass with attackers that never attacked).
func TestAttacksAreRefused(t *testing.T) {
	for _, l := range launch.Layers() {
		if l.Missing != "" && l.Name != "memory" {
			t.Skipf("the sandbox's %s layer is missing here: %s", l.Name, l.Missing)
		}
	}
	repo, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	class, canary := filepath.Join(root, "class"), filepath.Join(root, "canary")
	victim := filepath.Join(class, "victim")
	for _, d := range []string{victim, canary} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := launch.CopyFolder(filepath.Join(repo, "fixtures", "students", "py-single"), victim); err != nil {
		t.Fatal(err)
	}
	plan, _ := json.Marshal(map[string]any{
		"victims": []string{victim}, "class": class, "canary": canary, "out": filepath.Join(root, "out"), "grader_pid": os.Getpid(),
	})
	binds, _, _ := launch.Toolchains()
	limits := rlimit.Defaults
	limits.Processes = 32 // the fork bomb's refusal comes sooner
	want := map[string][]string{
		"walks-up":     {"list .. ok walks-up\n", "append to " + victim + "/server.py ENOENT", "read " + victim + "/server.py ENOENT", "plant in " + class + " EACCES", "plant in " + canary + " ENOENT", "read /etc/shadow EACCES", "plant in own folder ok"},
		"kills-grader": {fmt.Sprintf("kill grader %d ESRCH", os.Getpid())},
		"escapes":      {"setuid(0) EPERM", "mount tmpfs on /mnt EPERM", "ptrace grader ESRCH", "read results ENOENT"},
		"fork-bomb":    {"fork refused EAGAIN after"},
		"disk-filler":  {"fill own folder 0 ok", "fill /tmp 0 ok", "fill own folder 1 ENOSPC"},
	}
	for name, lines := range want {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(class, name)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := launch.CopyFolder(filepath.Join(repo, "fixtures", "attacks", name), dir); err != nil {
				t.Fatal(err)
			}
			port, err := launch.FreePort()
			if err != nil {
				t.Fatal(err)
			}
			s, err := launch.Start(t.Context(), launch.Options{
				Name: name, Dir: dir, Argv: []string{"python3", "-u", "server.py", strconv.Itoa(port)}, Host: "127.0.0.1", Port: port,
				Env: []string{"ECHOSPEC_ATTACK_PLAN=" + string(plan)}, ReadyTimeout: time.Minute, Source: "test",
				Limits: limits, Sandbox: &launch.Sandbox{Copy: dir, Hide: []string{class}, Binds: binds},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Stop(0)
			// The attacks come before listen(); their lines may still be
			// on their way through the pipe.
			deadline := time.Now().Add(10 * time.Second)
			for !printedAll(s.Stdout.String(), lines) && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			got := s.Stdout.String()
			for _, w := range lines {
				if !strings.Contains(got, "attack: "+w) {
					t.Errorf("want a line %q; the attacker printed:\n%s", "attack: "+w, got)
				}
			}
		})
	}
}

func printedAll(out string, lines []string) bool {
	for _, w := range lines {
		if !strings.Contains(out, "attack: "+w) {
			return false
		}
	}
	return true
}

func randomHex(t *testing.T) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func appendFile(t *testing.T, path, text string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// hashTree is a digest of every name, mode and byte under dir.
func hashTree(t *testing.T, dir string) string {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %v %d\n", p, info.Mode(), info.Size())
		if info.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// gradeRows maps each submission of grades.csv to its score.
func gradeRows(t *testing.T, file string) map[string]string {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) < 1 {
		t.Fatalf("%s: %v", file, err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	name, score := col["submission"], col["score"]
	rows := map[string]string{}
	for _, r := range recs[1:] {
		rows[r[name]] = r[score]
	}
	return rows
}
