//go:build unix

package grade

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolveShard(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, c := range []struct {
		spec   string
		shards int
		env    func(string) string
		i, n   int
		err    string
	}{
		{"", 0, env(), 1, 1, ""},
		{"2/4", 0, env(), 2, 4, ""},
		{"auto", 0, env("JOB_COMPLETION_INDEX", "0", "JOB_COMPLETIONS", "3"), 1, 3, ""},
		{"auto", 5, env("JOB_COMPLETION_INDEX", "4"), 5, 5, ""},
		{"auto", 0, env("STRATEGY_JOB_INDEX", "1", "STRATEGY_JOB_TOTAL", "2"), 2, 2, ""},
		{"auto", 0, env("SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_COUNT", "3", "SLURM_ARRAY_TASK_MIN", "1"), 3, 3, ""},
		{"auto", 0, env("JOB_COMPLETION_INDEX", "2"), 0, 0, "set JOB_COMPLETIONS or give --shards N"},
		{"auto", 0, env("JOB_COMPLETION_INDEX", "3", "JOB_COMPLETIONS", "3"), 0, 0, "want 0 <= index < count"},
		{"auto", 0, env("SLURM_ARRAY_TASK_ID", "x", "SLURM_ARRAY_TASK_COUNT", "3"), 0, 0, "is not a number"},
		{"auto", 0, env(), 0, 0, "none of JOB_COMPLETION_INDEX"},
	} {
		i, n, _, err := resolveShard(c.spec, c.shards, c.env)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("resolveShard(%q, %d): err %v; want one saying %q", c.spec, c.shards, err, c.err)
		case c.err == "" && (err != nil || i != c.i || n != c.n):
			t.Errorf("resolveShard(%q, %d) = %d/%d, %v; want %d/%d", c.spec, c.shards, i, n, err, c.i, c.n)
		}
	}
}

// TestShardsFromEachEngineMergeToOneRun grades a class of seven once, and
// in three shards as each engine hands them out, merges the shards, and
// wants every output byte for byte the same as the single run's.
func TestShardsFromEachEngineMergeToOneRun(t *testing.T) {
	t.Setenv("GRADE_FAKE_SUITE", "verdict")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	class := filepath.Join(tmp, "class")
	for i := range 7 {
		dir := filepath.Join(class, fmt.Sprintf("s%d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "echospec.toml"), []byte("model = \"single\"\ncommand = [\"./server\"]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	grade := func(out string, extra ...string) {
		t.Helper()
		args := append([]string{"--suite", self, "--seed", "7", "--parallel", "2", "--out", out}, extra...)
		if err := gradeMain(context.Background(), append(args, class)); err != nil {
			t.Fatalf("grade %v: %v", extra, err)
		}
	}
	one := filepath.Join(tmp, "one")
	grade(one)
	engines := []struct {
		name      string
		index     string
		vars      map[string]string
		firstFrom int
	}{
		{"kubernetes", "JOB_COMPLETION_INDEX", map[string]string{"JOB_COMPLETIONS": "3"}, 0},
		{"github", "STRATEGY_JOB_INDEX", map[string]string{"STRATEGY_JOB_TOTAL": "3"}, 0},
		{"slurm", "SLURM_ARRAY_TASK_ID", map[string]string{"SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "1"}, 1},
	}
	for _, e := range engines {
		var outs []string
		for k := range 3 {
			for _, v := range []string{"JOB_COMPLETION_INDEX", "JOB_COMPLETIONS", "STRATEGY_JOB_INDEX", "STRATEGY_JOB_TOTAL", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN"} {
				t.Setenv(v, "")
			}
			t.Setenv(e.index, fmt.Sprint(k+e.firstFrom))
			for kk, vv := range e.vars {
				t.Setenv(kk, vv)
			}
			out := filepath.Join(tmp, fmt.Sprintf("%s-%d", e.name, k))
			grade(out, "--shard", "auto")
			outs = append(outs, out)
		}
		merged := filepath.Join(tmp, e.name+"-merged")
		if err := mergeMain(append([]string{"--out", merged}, outs...)); err != nil {
			t.Fatalf("%s: merge: %v", e.name, err)
		}
		compareOutputs(t, e.name, one, merged)
	}
}

// compareOutputs wants the same files, byte for byte, in both folders,
// leaving out the logs and timings (they hold times).
func compareOutputs(t *testing.T, name, want, got string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(want, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(want, p)
		if strings.HasPrefix(rel, "logs") || rel == "timings.json" {
			return nil
		}
		a, _ := os.ReadFile(p)
		b, err := os.ReadFile(filepath.Join(got, rel))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: %s differs from the single run's (%v)", name, rel, err)
		}
		files++
		return nil
	})
	if err != nil || files < 12 {
		t.Fatalf("%s: compared %d files (%v); want the outputs and 7 results.json", name, files, err)
	}
}
