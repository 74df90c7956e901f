package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fakeRun writes a grade.json as tools/grade does (with fields this
// command ignores) into dir/run-n, and reads it back.
func fakeRun(t *testing.T, dir string, n int, failed map[string][]string) Run {
	t.Helper()
	return fakeRunMay(t, dir, n, failed, nil, nil)
}

// fakeRunMay is fakeRun with each fixture's [expect] fail and may_fail.
func fakeRunMay(t *testing.T, dir string, n int, failed, expectFail, mayFail map[string][]string) Run {
	t.Helper()
	type verdict struct {
		Target string            `json:"target"`
		Failed []string          `json:"failed"`
		Passed []string          `json:"passed"`
		Why    map[string]string `json:"why,omitempty"`
	}
	type sub struct {
		Name    string         `json:"name"`
		Dir     string         `json:"dir"`
		Expect  map[string]any `json:"expect"`
		Verdict verdict        `json:"verdict"`
	}
	var subs []sub
	for name, ids := range failed {
		why := map[string]string{}
		for _, id := range ids {
			why[id] = "some first line"
		}
		subs = append(subs, sub{Name: name, Dir: "fixtures/students/" + name, Expect: map[string]any{"fail": append([]string{}, expectFail[name]...), "may_fail": mayFail[name]},
			Verdict: verdict{Target: name, Failed: ids, Passed: []string{"ECHO-1"}, Why: why}})
	}
	data, err := json.MarshalIndent(map[string]any{"rubric": "rubric.toml", "rubric_text": "", "submissions": subs}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	runDir := filepath.Join(dir, fmt.Sprintf("run-%d", n))
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(runDir, "grade.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := readRun(n, runDir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestTableListsOnlyTheVerdictsThatChanged(t *testing.T) {
	dir := t.TempDir()
	runs := []Run{
		fakeRun(t, dir, 1, map[string][]string{"steady": {"ECHO-4"}, "clean": {}, "flaky": {"RESET-2", "LIFE-1"}, "gone": {"PROC-1"}}),
		fakeRun(t, dir, 2, map[string][]string{"steady": {"ECHO-4"}, "clean": {}, "flaky": {"LIFE-1"}, "gone": {"PROC-1"}}),
		fakeRun(t, dir, 3, map[string][]string{"steady": {"ECHO-4"}, "clean": {}, "flaky": {"LIFE-1", "RESET-2"}}),
	}
	var b bytes.Buffer
	if n := printTable(&b, runs); n != 2 {
		t.Errorf("printTable = %d changes; want 2 (flaky, and gone, not graded in run 3)", n)
	}
	hasRows(t, b.String(),
		"fixture | run | failed\n",
		"flaky | 1 | LIFE-1 RESET-2\n", // catalogue order, whatever the file's
		" | 2 | LIFE-1\n",
		" | 3 | LIFE-1 RESET-2\n",
		" | runs failed | LIFE-1 3/3, RESET-2 2/3\n",
		"gone | 1 | PROC-1\n",
		" | 3 | (not graded)\n",
		" | runs failed | PROC-1 2/3\n",
		"4 fixtures, 3 runs, 2 verdict changes\n")
	if out := b.String(); strings.Contains(out, "steady") || strings.Contains(out, "clean") {
		t.Errorf("table lists a fixture whose verdict held:\n%s", b.String())
	}
}

func TestTableOfStableRuns(t *testing.T) {
	dir := t.TempDir()
	same := map[string][]string{"a": {"CONC-1", "ECHO-1"}, "b": {}}
	runs := []Run{fakeRun(t, dir, 1, same), fakeRun(t, dir, 2, same)}
	if got := strings.Join(runs[0].Failed["a"], " "); got != "ECHO-1 CONC-1" {
		t.Fatalf("read a's failed IDs as %q; want the catalogue's order, ECHO-1 CONC-1", got)
	}
	var b bytes.Buffer
	if n := printTable(&b, runs); n != 0 || b.String() != "2 fixtures, 2 runs, 0 verdict changes\n" {
		t.Errorf("printTable = %d:\n%s\nwant 0 changes and only the count line", n, b.String())
	}
}

func TestReadRunWithoutGradeJSON(t *testing.T) {
	if _, err := readRun(1, t.TempDir()); err == nil {
		t.Error("readRun of an empty folder: want an error")
	}
}

func TestTableSetsMayFailRacesApart(t *testing.T) {
	dir := t.TempDir()
	may := map[string][]string{"racy": {"IDLE-1", "RESET-1"}, "flaky": {"IDLE-1"}, "kitnoise": {"CAP-2"}}
	fail := map[string][]string{"racy": {"SERIAL-1"}, "flaky": {"CONC-4"}}
	runs := []Run{
		fakeRunMay(t, dir, 1, map[string][]string{"racy": {"SERIAL-1", "RESET-1"}, "flaky": {"CONC-4"}, "kitnoise": {"CAP-2"}}, fail, may),
		fakeRunMay(t, dir, 2, map[string][]string{"racy": {"SERIAL-1", "IDLE-1"}, "flaky": {"IDLE-1"}, "kitnoise": {}}, fail, may),
	}
	var b bytes.Buffer
	if n := printTable(&b, runs); n != 2 {
		t.Errorf("printTable = %d changes; want 2 (flaky's CONC-4; kitnoise's CAP-2, may_fail on a correct fixture; racy changed only in may_fail IDs)", n)
	}
	hasRows(t, b.String(),
		"racy (only may_fail IDs changed) | 1 | RESET-1 SERIAL-1\n",
		" | runs failed | RESET-1 1/2 (may_fail), SERIAL-1 2/2, IDLE-1 1/2 (may_fail)\n",
		"flaky | 1 | CONC-4\n",
		"kitnoise (correct fixture: its may_fail flips are the kit's) | 1 | CAP-2\n",
		"3 fixtures, 2 runs, 2 verdict changes (and 1 fixtures whose only changes were in IDs their manifest lists as may_fail)\n")
}

// A spec that goes from failed to not judged is a changed verdict.
func TestTableCountsNotJudged(t *testing.T) {
	dir := t.TempDir()
	a := fakeRun(t, dir, 1, map[string][]string{"x": {"CONC-2"}})
	b := fakeRun(t, dir, 2, map[string][]string{"x": {}})
	b.Failed["x"] = []string{"CONC-2" + notJudgedMark}
	var out bytes.Buffer
	if n := printTable(&out, []Run{a, b}); n != 1 {
		t.Errorf("printTable = %d changes; want 1", n)
	}
	hasRows(t, out.String(), " | 2 | CONC-2 (not judged)\n")
}

// hasRows fails t for each row the table lacks, its columns written
// "a | b | c".
func hasRows(t *testing.T, table string, rows ...string) {
	t.Helper()
	cols := regexp.MustCompile(`  +`).ReplaceAllString(table, " | ")
	for _, row := range rows {
		if !strings.Contains(cols, row) {
			t.Errorf("table lacks %q:\n%s", row, table)
		}
	}
}
