package selectorspec

import "testing"

// Test runs every property against the backend as one subtest each, named
// by ID (go test -run 'TestMine/SEL-3'), one after the other. A failing
// property reports each failure line with t.Error; what was measured and
// the SEL-12 observations are logged with t.Log (shown with -v or on
// failure); a property that cannot be checked is skipped with its reason.
// A hang fails the subtest after the watchdog's deadline, and Test stops
// waiting when the test's context is done.
func Test(t *testing.T, open Open, opts ...Option) {
	t.Helper()
	cfg := newConfig(opts)
	for _, p := range Properties() {
		t.Run(p.ID, func(t *testing.T) {
			o := checkProperty(t.Context(), p.ID, open, cfg)
			for _, m := range o.Measured {
				t.Log(m)
			}
			for _, i := range o.Info {
				t.Log(i)
			}
			for _, f := range o.Failures {
				t.Error(f)
			}
			if len(o.Failures) > 0 {
				t.Logf("requirement: %s", p.Requirement)
			}
			if o.Skipped != "" {
				t.Skip(o.Skipped)
			}
		})
	}
}
