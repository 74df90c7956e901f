package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/echospec/echospec/props"
)

// Run is one grading of the bank: each fixture's failed IDs.
type Run struct {
	N int // 1-based, as in out/stability/run-N
	// Failed is, per fixture, the IDs it failed, then those not judged
	// marked "ID (not judged)", in catalogue order: a spec that goes from
	// failed to not judged is a changed verdict too.
	Failed map[string][]string
	// MayFail is each fixture's [expect] may_fail: IDs its manifest
	// says fail in some runs and pass in others, because the bug itself
	// is a race (manifest.Expectation.MayFail). On a correct fixture (one
	// that must fail nothing) a may_fail ID has no bug to race with: its
	// flips are the kit's, and count as changes (Correct).
	MayFail map[string][]string
	// Correct says, per fixture, that its manifest expects no failure.
	Correct map[string]bool
}

// notJudgedMark marks an ID that was not judged in a run's set.
const notJudgedMark = " (not judged)"

// gradeJSON is the part of tools/grade's grade.json read here.
type gradeJSON struct {
	Submissions []struct {
		Name   string `json:"name"`
		Expect struct {
			Fail      []string `json:"fail"`
			NotJudged []string `json:"not_judged"`
			MayFail   []string `json:"may_fail"`
		} `json:"expect"`
		Verdict struct {
			Failed    []string `json:"failed"`
			NotJudged []string `json:"not_judged"`
		} `json:"verdict"`
	} `json:"submissions"`
}

// readRun reads dir/grade.json as run n.
func readRun(n int, dir string) (Run, error) {
	file := filepath.Join(dir, "grade.json")
	data, err := os.ReadFile(file)
	if err != nil {
		return Run{}, err
	}
	var g gradeJSON
	if err := json.Unmarshal(data, &g); err != nil {
		return Run{}, fmt.Errorf("%s: %w", file, err)
	}
	r := Run{N: n, Failed: map[string][]string{}, MayFail: map[string][]string{}, Correct: map[string]bool{}}
	for _, s := range g.Submissions {
		ids := props.InOrder(s.Verdict.Failed)
		for _, id := range props.InOrder(s.Verdict.NotJudged) {
			ids = append(ids, id+notJudgedMark)
		}
		r.Failed[s.Name] = ids
		r.MayFail[s.Name] = s.Expect.MayFail
		r.Correct[s.Name] = len(s.Expect.Fail) == 0 && len(s.Expect.NotJudged) == 0
	}
	return r, nil
}

// absent marks a fixture a run has no verdict for.
const absent = "(not graded)"

// printTable prints, for each fixture whose failed set was not the same
// in every run, its failed IDs per run and, per ID, in how many runs it
// failed; then the count line. A fixture whose sets differ only in IDs
// its manifest lists as may_fail is shown too, marked, but is not a
// verdict change: its manifest says those IDs race with its bug. On a
// correct fixture there is no bug to race with, so a may_fail flip there
// is a change, marked as such. It returns how many fixtures changed.
func printTable(w io.Writer, runs []Run) int {
	names := map[string]bool{}
	mayFail := map[string]map[string]bool{}
	correct := map[string]bool{}
	for _, r := range runs {
		for name := range r.Failed {
			names[name] = true
			if mayFail[name] == nil {
				mayFail[name] = map[string]bool{}
			}
			for _, id := range r.MayFail[name] {
				mayFail[name][id] = true
				mayFail[name][id+notJudgedMark] = true
			}
			correct[name] = correct[name] || r.Correct[name]
		}
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	changed, racing, shown := 0, 0, 0
	for _, name := range slices.Sorted(maps.Keys(names)) {
		sets := make([]string, len(runs))
		firm := make([]string, len(runs)) // the sets without may_fail IDs
		count := map[string]int{}
		for i, r := range runs {
			ids, ok := r.Failed[name]
			switch {
			case !ok:
				sets[i], firm[i] = absent, absent
			case len(ids) == 0:
				sets[i] = "-"
			default:
				sets[i] = strings.Join(ids, " ")
				firm[i] = strings.Join(slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return mayFail[name][id] && !correct[name] }), " ")
			}
			for _, id := range ids {
				count[id]++
			}
		}
		if !slices.ContainsFunc(sets, func(s string) bool { return s != sets[0] }) {
			continue
		}
		label := name
		if slices.ContainsFunc(firm, func(s string) bool { return s != firm[0] }) {
			changed++
			if correct[name] && slices.ContainsFunc(slices.Collect(maps.Keys(count)), func(id string) bool { return mayFail[name][id] }) {
				label += " (correct fixture: its may_fail flips are the kit's)"
			}
		} else {
			racing++
			label += " (only may_fail IDs changed)"
		}
		if shown == 0 {
			fmt.Fprintln(tw, "fixture\trun\tfailed")
		}
		shown++
		for i, r := range runs {
			fmt.Fprintf(tw, "%s\t%d\t%s\n", label, r.N, sets[i])
			label = ""
		}
		var per []string
		for _, id := range inOrder(slices.Collect(maps.Keys(count))) {
			mark := ""
			if mayFail[name][id] {
				mark = " (may_fail)"
			}
			per = append(per, fmt.Sprintf("%s %d/%d%s", id, count[id], len(runs), mark))
		}
		fmt.Fprintf(tw, "\truns failed\t%s\n", strings.Join(per, ", "))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d fixtures, %d runs, %d verdict changes", len(names), len(runs), changed)
	if racing > 0 {
		fmt.Fprintf(w, " (and %d fixtures whose only changes were in IDs their manifest lists as may_fail)", racing)
	}
	fmt.Fprintln(w)
	return changed
}

// inOrder sorts IDs, some marked not judged, in catalogue order, each
// not-judged one after its plain ID.
func inOrder(ids []string) []string {
	var plain []string
	marked := map[string]bool{}
	for _, id := range ids {
		if p, ok := strings.CutSuffix(id, notJudgedMark); ok {
			marked[p] = true
			plain = append(plain, p)
		} else {
			plain = append(plain, id)
		}
	}
	var out []string
	for _, id := range slices.Compact(props.InOrder(plain)) {
		if slices.Contains(ids, id) {
			out = append(out, id)
		}
		if marked[id] {
			out = append(out, id+notJudgedMark)
		}
	}
	return out
}
