//go:build unix

package grade

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestGitHubAction runs what action.yml runs, with the workflow's
// variables pointing at temporary files, on a server whose suite fails
// many properties, and reads the summary, the annotations and the status.
func TestGitHubAction(t *testing.T) {
	ws := t.TempDir()
	dir := filepath.Join(ws, "student")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "echospec.toml"), []byte("model = \"single\"\ncommand = [\"./server\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	summary := filepath.Join(ws, "summary.md")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	t.Setenv("GITHUB_WORKSPACE", ws)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}

	t.Setenv("GRADE_FAKE_SUITE", "verdict") // ECHO-1 passes, ECHO-2 fails, the rest never ran
	var out strings.Builder
	err = githubMain(context.Background(), []string{"--suite", self, "--seed", "5", dir}, &out)
	var q quietExit
	if !errors.As(err, &q) || q != 1 {
		t.Fatalf("exit %v; want status 1: a property failed", err)
	}
	log := out.String()
	var errs []string
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, "::error ") {
			errs = append(errs, l)
		}
	}
	failed := len(applicable("single", 0, "")) - 1
	if len(errs) != maxAnnotations+1 {
		t.Fatalf("%d ::error lines; want %d and one saying how many more:\n%s", len(errs), maxAnnotations, log)
	}
	if !strings.HasPrefix(errs[0], "::error file=student/echospec.toml,title=[ECHO-2] ") || !strings.Contains(errs[0], "::expected the same bytes back%0Ahint: ") {
		t.Errorf("first annotation %q; want ECHO-2 on student/echospec.toml, its first line, then the hint", errs[0])
	}
	if want := "::" + strconv.Itoa(failed-maxAnnotations) + " more properties failed"; !strings.Contains(errs[maxAnnotations], want) {
		t.Errorf("last annotation %q; want %q", errs[maxAnnotations], want)
	}
	if !strings.Contains(log, "::group::the suite's output") || !strings.Contains(log, "echospec: seed 5") {
		t.Errorf("the log lacks the suite's output group or the seed:\n%s", log)
	}
	data, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	md := string(data)
	for _, want := range []string{"## echospec: student (single)", "| Echo | ❌ failed | 1 |", "### The first failure of each family", "#### [ECHO-2] ", "expected the same bytes back\n  hint: ", "Score with the default rubric"} {
		if !strings.Contains(md, want) {
			t.Errorf("the job summary lacks %q:\n%s", want, md)
		}
	}

	// A server that cannot be judged at all: status 2, one annotation.
	t.Setenv("GRADE_FAKE_SUITE", "crash")
	if err := os.Remove(summary); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = githubMain(context.Background(), []string{"--suite", self, dir}, &out)
	if !errors.As(err, &q) || q != 2 || strings.Count(out.String(), "::error ") != 1 || !strings.Contains(out.String(), "nothing could be judged") {
		t.Errorf("a crashed suite: exit %v, log:\n%s\nwant status 2 and one annotation saying nothing could be judged", err, out.String())
	}
	if data, _ := os.ReadFile(summary); !strings.Contains(string(data), "**Nothing could be judged:**") {
		t.Errorf("summary:\n%s", data)
	}
}
