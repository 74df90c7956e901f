//go:build linux

package bundle

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// results mirrors the results.json fields Gradescope reads.
type results struct {
	Score            *float64 `json:"score"`
	MaxScore         float64  `json:"max_score"`
	ExecutionTime    *float64 `json:"execution_time"`
	Output           string   `json:"output"`
	StdoutVisibility string   `json:"stdout_visibility"`
	Tests            []struct {
		Name       string   `json:"name"`
		Number     string   `json:"number"`
		Score      *float64 `json:"score"`
		MaxScore   float64  `json:"max_score"`
		Status     string   `json:"status"`
		Output     string   `json:"output"`
		Visibility string   `json:"visibility"`
	} `json:"tests"`
}

// TestBundleRunsLikeGradescope builds the bundle, unpacks it into two
// temporary roots laid out like Gradescope's /autograder, runs the real
// run_autograder on a correct and a broken submission, checks results.json
// field by field, and wants the same scores as tools/grade gives the same
// submissions with the same seed and rubric.
func TestBundleRunsLikeGradescope(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the suite and runs it four times")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("needs python3 for the submissions: make deps")
	}
	repo, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	fx := filepath.Join(repo, "fixtures", "gradescope")
	out := t.TempDir()
	if err := run(context.Background(), []string{"--manifest", filepath.Join(fx, "teacher", "echospec.toml"),
		"--rubric", filepath.Join(fx, "rubric.toml"), "--languages", "python", "--seed", "1234", "--out", out}); err != nil {
		t.Fatal(err)
	}
	zipFile := filepath.Join(out, "autograder.zip")
	names, err := unzip(zipFile, filepath.Join(out, "unpacked"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"setup.sh", "run_autograder", "grade", "spec.test", "echospec.toml", "rubric.toml", "gradescope.json"} {
		if !names[want] {
			t.Errorf("autograder.zip has no %s at its top (has %v)", want, names)
		}
	}
	// The binaries are stripped (no symbol table) and hold no path of
	// the machine that built them (-trimpath).
	for _, name := range []string{"grade", "spec.test"} {
		p := filepath.Join(out, "unpacked", name)
		f, err := elf.Open(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f.Section(".symtab") != nil {
			t.Errorf("%s has a symbol table: build it with -ldflags=-s -w", name)
		}
		f.Close()
		data, _ := os.ReadFile(p)
		if bytes.Contains(data, []byte(repo+"/")) {
			t.Errorf("%s holds the path %s: build it with -trimpath", name, repo)
		}
	}
	setup, _ := os.ReadFile(filepath.Join(out, "unpacked", "setup.sh"))
	if !strings.Contains(string(setup), "apt-get install -y --no-install-recommends python3\n") || strings.Contains(string(setup), "golang") {
		t.Errorf("setup.sh should install python3 and no Go:\n%s", setup)
	}

	// The submissions: a correct server and one that dies on an empty
	// client (LIFE-4), as a student hands them in: server.py, and for the
	// broken one an echospec.toml of its own that tries another model.
	from := map[string]string{"correct": "py-single", "broken": "py-single-crash-on-empty"}
	subDir := filepath.Join(out, "handed-in")
	for sub, fixture := range from {
		dir := filepath.Join(subDir, sub)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := copyFile(filepath.Join(repo, "fixtures", "students", fixture, "server.py"), filepath.Join(dir, "server.py")); err != nil {
			t.Fatal(err)
		}
	}
	studentManifest := "model = \"multithread\"\ncommand = [\"python3\", \"-u\", \"server.py\", \"{port}\"]\n"
	if err := os.WriteFile(filepath.Join(subDir, "broken", "echospec.toml"), []byte(studentManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	subs := []string{"correct", "broken"}
	got := map[string]results{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, sub := range subs {
		wg.Go(func() {
			root := filepath.Join(out, "root-"+sub)
			// The broken one's unzip drops the files' modes, as some do:
			// run_autograder makes the binaries executable itself.
			_, err := unzipModes(zipFile, filepath.Join(root, "source"), sub != "broken")
			if err == nil {
				err = copyFile(filepath.Join(root, "source", "run_autograder"), filepath.Join(root, "run_autograder"))
			}
			if err == nil {
				err = os.CopyFS(filepath.Join(root, "submission"), os.DirFS(filepath.Join(subDir, sub)))
			}
			if err != nil {
				t.Error(err)
				return
			}
			cmd := exec.Command(filepath.Join(root, "run_autograder"))
			cmd.Env = append(os.Environ(), "AUTOGRADER_ROOT="+root)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s: run_autograder: %v\n%s", sub, err, b)
			}
			var r results
			data, err := os.ReadFile(filepath.Join(root, "results", "results.json"))
			if err == nil {
				err = json.Unmarshal(data, &r)
			}
			if err != nil {
				t.Errorf("%s: results.json: %v", sub, err)
				return
			}
			mu.Lock()
			got[sub] = r
			mu.Unlock()
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for sub, r := range got {
		if r.Score == nil || r.ExecutionTime == nil || *r.ExecutionTime <= 0 || r.MaxScore != 50 || r.StdoutVisibility != "hidden" || len(r.Tests) < 10 {
			t.Errorf("%s: score %v, execution_time %v, max_score %v, stdout_visibility %q, %d tests; want all set (50 points, hidden stdout, a test per property)",
				sub, r.Score, r.ExecutionTime, r.MaxScore, r.StdoutVisibility, len(r.Tests))
		}
		cents := int64(0)
		for _, tc := range r.Tests {
			cents += int64(math.Round(tc.MaxScore * 100))
		}
		if cents != 5000 {
			t.Errorf("%s: the tests' max_score add up to %d hundredths; want exactly 5000", sub, cents)
		}
		for _, tc := range r.Tests {
			wantVis := "visible"
			if strings.HasPrefix(tc.Number, "MODEL-") {
				wantVis = "after_due_date"
			}
			if tc.Name == "" || !strings.Contains(tc.Name, tc.Number) || tc.Score == nil || tc.MaxScore <= 0 || (tc.Status != "passed" && tc.Status != "failed") || tc.Visibility != wantVis {
				t.Errorf("%s: test %+v; want name with the ID, number, score, max_score, status and visibility %s", sub, tc, wantVis)
			}
		}
	}
	if *got["correct"].Score != 50 {
		t.Errorf("the correct submission scored %v of 50", *got["correct"].Score)
	}
	broken := got["broken"]
	if !strings.Contains(broken.Output, "echospec.toml sets model = \"multithread\", but model is the course's to decide (its manifest, which sets \"single\"), so it is not used.") {
		t.Errorf("the broken submission's output does not say its model was not used:\n%s", broken.Output)
	}
	var life4 bool
	for _, tc := range broken.Tests {
		if tc.Number == "LIFE-4" {
			life4 = tc.Status == "failed" && strings.Contains(tc.Output, "the server ended during this spec") && strings.Contains(tc.Output, "hint: ")
		}
	}
	if !life4 {
		t.Errorf("the broken submission's LIFE-4 is not failed with the crash and a hint: %+v", broken.Tests)
	}

	// tools/grade on the same submissions, as the course's manifest makes
	// them, with the same seed and rubric: the same scores.
	class := filepath.Join(out, "class")
	for _, sub := range subs {
		dir := filepath.Join(class, sub)
		if err := os.CopyFS(dir, os.DirFS(filepath.Join(subDir, sub))); err != nil {
			t.Fatal(err)
		}
		if err := copyFile(filepath.Join(fx, "teacher", "echospec.toml"), filepath.Join(dir, "echospec.toml")); err != nil {
			t.Fatal(err)
		}
	}
	src := filepath.Join(out, "unpacked")
	cmd := exec.Command(filepath.Join(src, "grade"), "--suite", filepath.Join(src, "spec.test"), "--seed", "1234",
		"--rubric", filepath.Join(src, "rubric.toml"), "--parallel", "2", "--out", filepath.Join(out, "graded"), class)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("grade: %v\n%s", err, b)
	}
	for _, sub := range subs {
		var r results
		data, err := os.ReadFile(filepath.Join(out, "graded", "results", sub, "results.json"))
		if err == nil {
			err = json.Unmarshal(data, &r)
		}
		if err != nil {
			t.Fatal(err)
		}
		g := got[sub]
		if *r.Score != *g.Score || len(r.Tests) != len(g.Tests) {
			t.Errorf("%s: grade scored %v with %d tests, run_autograder %v with %d", sub, *r.Score, len(r.Tests), *g.Score, len(g.Tests))
			continue
		}
		for i := range r.Tests {
			if r.Tests[i].Number != g.Tests[i].Number || *r.Tests[i].Score != *g.Tests[i].Score || r.Tests[i].Status != g.Tests[i].Status {
				t.Errorf("%s: test %d: grade %s %v %s, run_autograder %s %v %s", sub, i, r.Tests[i].Number, *r.Tests[i].Score, r.Tests[i].Status, g.Tests[i].Number, *g.Tests[i].Score, g.Tests[i].Status)
			}
		}
	}
}

// unzip extracts zipFile into dir and returns the names it held.
func unzip(zipFile, dir string) (map[string]bool, error) { return unzipModes(zipFile, dir, true) }

// unzipModes is unzip, which gives every file 0644 unless modes is set.
func unzipModes(zipFile, dir string, modes bool) (map[string]bool, error) {
	zr, err := zip.OpenReader(zipFile)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
		p := filepath.Join(dir, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		mode := f.Mode()
		if !modes {
			mode = 0o644
		}
		w, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
		if err == nil {
			_, err = io.Copy(w, rc)
			w.Close()
		}
		rc.Close()
		if err != nil {
			return nil, err
		}
	}
	return names, nil
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err == nil {
		err = os.WriteFile(to, data, 0o755)
	}
	return err
}
