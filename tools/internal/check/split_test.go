//go:build linux

package check

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSuite is the test binary standing in for the suite: it passes every
// ID of its label filter, or (mode "reason") gives the verdict of a
// server that cannot start when the filter holds ECHO-2.
func fakeSuite(mode string, args []string) int {
	var verdicts, filter string
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--verdicts":
			verdicts = args[i+1]
		case "--ginkgo.label-filter":
			filter = args[i+1]
		}
	}
	v := verdict{Target: "fake", Model: "multithread", Passed: []string{}, Failed: []string{}}
	for _, term := range strings.Split(filter, " || ") {
		v.Passed = append(v.Passed, strings.TrimPrefix(term, "id:"))
	}
	if mode == "reason" && slices.Contains(v.Passed, "ECHO-2") {
		v.Passed, v.Failed, v.Reason = []string{}, v.Passed, "fake: cannot start the server"
	}
	if progress := os.NewFile(3, "progress"); progress != nil {
		ids := append(slices.Clone(v.Passed), v.Failed...)
		for i, id := range ids {
			for _, ev := range []string{"start", "end"} {
				line, _ := json.Marshal(event{Event: ev, Total: len(ids), Index: i + 1, ID: id, State: "passed"})
				fmt.Fprintf(progress, "%s\n", line)
			}
		}
	}
	data, _ := json.Marshal([]verdict{v})
	if err := os.WriteFile(verdicts, data, 0o644); err != nil {
		return 2
	}
	return 0
}

// Two suites at once: every ID runs in one of them, the verdicts merge,
// the live line counts across both; a server that cannot start in one is
// the run's verdict.
func TestRunSplit(t *testing.T) {
	self, err := os.Executable()
	must(t, err)
	ids := []string{"ECHO-1", "ECHO-2", "ECHO-3", "LIFE-1", "LIFE-2", "RESET-1"}
	j := job{suite: self, dir: t.TempDir(), patience: 1, lang: "en", grace: 10 * time.Second}
	t.Setenv("CHECK_FAKE_SUITE", "pass")
	var mu sync.Mutex
	var events []event
	r := j.runSplit(context.Background(), ids, true, func(e event) {
		mu.Lock()
		events = append(events, e)
		mu.Unlock()
	})
	if r.v == nil {
		t.Fatalf("no verdict: %v\n%s", r.err, r.log)
	}
	got := slices.Sorted(slices.Values(r.v.Passed))
	if want := slices.Sorted(slices.Values(ids)); !slices.Equal(got, want) {
		t.Errorf("passed %v; want %v", got, want)
	}
	// Each spec has one index of the run's, 1 to 6, at its start and end.
	index := map[string]int{}
	for _, e := range events {
		if i, ok := index[e.ID]; ok && i != e.Index {
			t.Errorf("%s is spec %d at its start and %d at its end", e.ID, i, e.Index)
		}
		index[e.ID] = e.Index
	}
	nums := slices.Sorted(maps.Values(index))
	if want := []int{1, 2, 3, 4, 5, 6}; !slices.Equal(nums, want) {
		t.Errorf("the live line numbered the specs %v; want %v", nums, want)
	}
	if last := events[len(events)-1]; last.Total != 6 {
		t.Errorf("the last event says %d specs; want 6", last.Total)
	}

	t.Setenv("CHECK_FAKE_SUITE", "reason")
	r = j.runSplit(context.Background(), ids, true, func(event) {})
	if r.v == nil || r.v.Reason == "" {
		t.Errorf("a half that cannot start its server: verdict %+v; want its reason", r.v)
	}

	// Too few, or not split: one suite, every ID.
	t.Setenv("CHECK_FAKE_SUITE", "pass")
	r = j.runSplit(context.Background(), ids[:3], true, func(event) {})
	if r.v == nil || len(r.v.Passed) != 3 {
		t.Errorf("three IDs: verdict %+v", r.v)
	}
}
