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
	N      int                 // 1-based, as in out/stability/run-N
	Failed map[string][]string // fixture → the IDs it failed, sorted
	// MayFail is each fixture's [expect] may_fail: IDs its manifest
	// says fail in some runs and pass in others, because the bug itself
	// is a race (manifest.Expectation.MayFail).
	MayFail map[string][]string
}

// gradeJSON is the part of tools/grade's grade.json read here.
type gradeJSON struct {
	Submissions []struct {
		Name   string `json:"name"`
		Expect struct {
			MayFail []string `json:"may_fail"`
		} `json:"expect"`
		Verdict struct {
			Failed []string `json:"failed"`
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
	r := Run{N: n, Failed: map[string][]string{}, MayFail: map[string][]string{}}
	for _, s := range g.Submissions {
		r.Failed[s.Name] = props.InOrder(s.Verdict.Failed)
		r.MayFail[s.Name] = s.Expect.MayFail
	}
	return r, nil
}

// absent marks a fixture a run has no verdict for.
const absent = "(not graded)"

// printTable prints, for each fixture whose failed set was not the same
// in every run, its failed IDs per run and, per ID, in how many runs it
// failed; then the count line. A fixture whose sets differ only in IDs
// its manifest lists as may_fail is shown too, marked, but is not a
// verdict change: its manifest says those IDs race. It returns how many
// fixtures changed.
func printTable(w io.Writer, runs []Run) int {
	names := map[string]bool{}
	mayFail := map[string]map[string]bool{}
	for _, r := range runs {
		for name := range r.Failed {
			names[name] = true
			if mayFail[name] == nil {
				mayFail[name] = map[string]bool{}
			}
			for _, id := range r.MayFail[name] {
				mayFail[name][id] = true
			}
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
				firm[i] = strings.Join(slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return mayFail[name][id] }), " ")
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
		for _, id := range props.InOrder(slices.Collect(maps.Keys(count))) {
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
