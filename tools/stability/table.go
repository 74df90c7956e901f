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
}

// gradeJSON is the part of tools/grade's grade.json read here.
type gradeJSON struct {
	Submissions []struct {
		Name    string `json:"name"`
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
	r := Run{N: n, Failed: map[string][]string{}}
	for _, s := range g.Submissions {
		r.Failed[s.Name] = props.InOrder(s.Verdict.Failed)
	}
	return r, nil
}

// absent marks a fixture a run has no verdict for.
const absent = "(not graded)"

// printTable prints, for each fixture whose failed set was not the same
// in every run, its failed IDs per run and, per ID, in how many runs it
// failed; then the count line. It returns how many fixtures changed.
func printTable(w io.Writer, runs []Run) int {
	names := map[string]bool{}
	for _, r := range runs {
		for name := range r.Failed {
			names[name] = true
		}
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	changed := 0
	for _, name := range slices.Sorted(maps.Keys(names)) {
		sets := make([]string, len(runs))
		count := map[string]int{}
		for i, r := range runs {
			ids, ok := r.Failed[name]
			switch {
			case !ok:
				sets[i] = absent
			case len(ids) == 0:
				sets[i] = "-"
			default:
				sets[i] = strings.Join(ids, " ")
			}
			for _, id := range ids {
				count[id]++
			}
		}
		if !slices.ContainsFunc(sets, func(s string) bool { return s != sets[0] }) {
			continue
		}
		if changed == 0 {
			fmt.Fprintln(tw, "fixture\trun\tfailed")
		}
		changed++
		for i, r := range runs {
			label := ""
			if i == 0 {
				label = name
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\n", label, r.N, sets[i])
		}
		var per []string
		for _, id := range props.InOrder(slices.Collect(maps.Keys(count))) {
			per = append(per, fmt.Sprintf("%s %d/%d", id, count[id], len(runs)))
		}
		fmt.Fprintf(tw, "\truns failed\t%s\n", strings.Join(per, ", "))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d fixtures, %d runs, %d verdict changes\n", len(names), len(runs), changed)
	return changed
}
