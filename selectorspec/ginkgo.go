package selectorspec

import (
	"fmt"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"
)

// DescribeBackend declares a Ginkgo container, "Selector backend NAME",
// with one spec per property, in Properties() order:
//
//	It("[SEL-N] requirement", Label("id:SEL-N", "family:sel", "backend:NAME"), …)
//
// The specs run in that order, on one Ginkgo process (the container is
// Ordered, with ContinueOnFailure). Each spec runs the same check as Check and CheckProperty, with the same
// watchdog, and a SpecTimeout a little beyond it. A failing spec's message
// is the requirement, then the failure lines, then what was measured. The
// measurements are attached as report entries shown with -v; the SEL-12
// observations as entries that are always shown. A property that cannot
// be checked here is skipped with its reason.
//
// Call it where Describe may be called, e.g. at the top level of a suite:
//
//	var _ = selectorspec.DescribeBackend("mine", mine.Open)
//
// It returns true, like Describe, for that idiom. Characters that Ginkgo
// forbids in labels (&|!,()/ and spaces) become '-' in the backend label.
func DescribeBackend(name string, open Open, opts ...Option) bool {
	cfg := newConfig(opts)
	backend := "backend:" + labelSafe(name)
	// Ordered keeps the specs in Properties() order (Ginkgo would sort
	// them by text: SEL-10 before SEL-2) and on one process; with
	// ContinueOnFailure a failure does not skip the properties after it.
	return ginkgo.Describe("Selector backend "+name, ginkgo.Ordered, ginkgo.ContinueOnFailure, func() {
		for _, p := range Properties() {
			ginkgo.It(fmt.Sprintf("[%s] %s", p.ID, p.Requirement),
				ginkgo.Label("id:"+p.ID, "family:sel", backend),
				ginkgo.SpecTimeout(cfg.scale(propertyLimit)+10*time.Second),
				func(ctx ginkgo.SpecContext) {
					o := checkProperty(ctx, p.ID, open, cfg)
					for _, m := range o.Measured {
						ginkgo.AddReportEntry("measured", m, ginkgo.ReportEntryVisibilityFailureOrVerbose)
					}
					for _, i := range o.Info {
						ginkgo.AddReportEntry(p.ID+" "+o.Backend, i, ginkgo.ReportEntryVisibilityAlways)
					}
					if len(o.Failures) > 0 {
						ginkgo.Fail(failureText(p, o))
					}
					if o.Skipped != "" {
						ginkgo.Skip(o.Skipped)
					}
				})
		}
	})
}

// failureText is requirement, failures, then measurements.
func failureText(p Property, o Outcome) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s\n  backend: %s\n", p.ID, p.Requirement, o.Backend)
	for _, f := range o.Failures {
		fmt.Fprintf(&b, "  got:     %s\n", f)
	}
	for _, m := range o.Measured {
		fmt.Fprintf(&b, "  seen:    %s\n", m)
	}
	return b.String()
}

func labelSafe(s string) string {
	return strings.Map(func(c rune) rune {
		if strings.ContainsRune("&|!,()/ ", c) {
			return '-'
		}
		return c
	}, s)
}
