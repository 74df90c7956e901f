//go:build unix

package selectorspec_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/echospec/echospec/fixtures/selectors/nolimit"
	"github.com/echospec/echospec/selectorspec"
)

// The select backend that does not refuse descriptors >= FD_SETSIZE must be
// rejected for the descriptor limit, SEL-10, and for nothing else: no
// other check registers a descriptor that high.
var (
	nolimitMustFail = []string{"SEL-10"}
	nolimitMustPass = []string{"SEL-1", "SEL-2", "SEL-3", "SEL-4", "SEL-5", "SEL-6", "SEL-7", "SEL-8", "SEL-9", "SEL-11", "SEL-12"}
)

func TestNoLimitBackendIsRejected(t *testing.T) {
	res, err := selectorspec.Check(nolimit.New, selectorspec.WithPatience(patience))
	if err == nil {
		t.Fatalf("Check(nolimit.New) = nil; want the select backend without a descriptor limit rejected for %v", nolimitMustFail)
	}
	if res.Backend != nolimit.Name {
		t.Errorf("Result.Backend = %q; want %q", res.Backend, nolimit.Name)
	}
	failed := res.FailedIDs()
	t.Logf("nolimit backend failed: %v; passed: %v; skipped: %v", failed, res.Passed, res.Skipped)
	for _, line := range strings.Split(err.Error(), "\n") {
		t.Logf("  %s", line)
		if !strings.HasPrefix(line, "SEL-10: ") {
			t.Errorf("failure line %q; want every line to start with SEL-10", line)
		}
	}
	if !slices.Equal(failed, nolimitMustFail) {
		t.Errorf("failed IDs = %v; want exactly %v", failed, nolimitMustFail)
	}
	for _, id := range nolimitMustPass {
		if !slices.Contains(res.Passed, id) {
			t.Errorf("%s did not pass (failed: %q, skipped: %q); want it passed: only the descriptor limit is missing",
				id, res.Failed[id], res.Skipped[id])
		}
	}
	for _, want := range []string{"Register(fd ", "panicked: runtime error: index out of range"} {
		if !strings.Contains(strings.Join(res.Failed["SEL-10"], "\n"), want) {
			t.Errorf("SEL-10 failure %q; want it to say %q", res.Failed["SEL-10"], want)
		}
	}
}
