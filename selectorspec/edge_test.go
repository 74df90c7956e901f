//go:build linux

package selectorspec_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/echospec/echospec/fixtures/selectors/edge"
	"github.com/echospec/echospec/selectorspec"
)

// The edge-triggered backend must be rejected for level-triggering, SEL-1
// and SEL-3, and for nothing else: the other checks create fresh
// readiness, so an edge-triggered backend passes them.
var (
	edgeMustFail = []string{"SEL-1", "SEL-3"}
	edgeMustPass = []string{"SEL-2", "SEL-4", "SEL-5", "SEL-6", "SEL-7", "SEL-8", "SEL-9", "SEL-10", "SEL-11", "SEL-12"}
)

func TestEdgeBackendIsRejected(t *testing.T) {
	res, err := selectorspec.Check(edge.New, selectorspec.WithPatience(patience))
	if err == nil {
		t.Fatalf("Check(edge.New) = nil; want the edge-triggered backend %q rejected for %v", edge.Name, edgeMustFail)
	}
	if res.Backend != edge.Name {
		t.Errorf("Result.Backend = %q; want %q", res.Backend, edge.Name)
	}
	failed := res.FailedIDs()
	t.Logf("edge backend failed: %v; passed: %v; skipped: %v", failed, res.Passed, res.Skipped)
	for _, line := range strings.Split(err.Error(), "\n") {
		t.Logf("  %s", line)
		if !strings.HasPrefix(line, "SEL-1: ") && !strings.HasPrefix(line, "SEL-3: ") {
			t.Errorf("failure line %q; want every line to start with SEL-1 or SEL-3", line)
		}
	}
	if !slices.Equal(failed, edgeMustFail) {
		t.Errorf("failed IDs = %v; want exactly %v", failed, edgeMustFail)
	}
	for _, id := range edgeMustPass {
		if !slices.Contains(res.Passed, id) {
			t.Errorf("%s did not pass (failed: %q, skipped: %q); want it passed: an edge-triggered backend keeps that property",
				id, res.Failed[id], res.Skipped[id])
		}
	}
	for _, want := range []string{"1 of 20", "want Write"} {
		if !strings.Contains(strings.Join(res.Failed["SEL-1"], "\n"), want) {
			t.Errorf("SEL-1 failure %q; want it to say %q", res.Failed["SEL-1"], want)
		}
	}
	if !strings.Contains(strings.Join(res.Failed["SEL-3"], "\n"), "want Read") {
		t.Errorf("SEL-3 failure %q; want it to say \"want Read\"", res.Failed["SEL-3"])
	}
}
