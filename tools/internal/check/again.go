package check

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/echospec/echospec/props"
)

// failedBefore lists the properties of ps that failed in prev.
func failedBefore(prev *verdict, ps []props.Property) []string {
	if prev == nil {
		return nil
	}
	failed := set(prev.Failed)
	var ids []string
	for _, p := range ps {
		if failed[p.ID] {
			ids = append(ids, p.ID)
		}
	}
	return ids
}

// failedFirst runs the properties of again (which failed last time)
// first, then the rest of all, and merges the two verdicts; the live
// line counts on across both. A server that cannot be built or started
// is reported after the first.
func (j job) failedFirst(ctx context.Context, again, all []string, split bool, on func(event)) result {
	n := 0
	r1 := j.runSplit(ctx, again, split, func(e event) {
		n = max(n, e.Total)
		on(e)
	})
	if r1.v == nil || r1.v.Reason != "" || ctx.Err() != nil {
		return r1
	}
	rest := slices.DeleteFunc(slices.Clone(all), func(id string) bool { return slices.Contains(again, id) })
	if len(rest) == 0 {
		return r1
	}
	r2 := j.runSplit(ctx, rest, split, func(e event) {
		e.Index += n
		e.Total += n
		on(e)
	})
	r2.log = r1.log + r2.log
	r2.elapsed += r1.elapsed
	if r2.v == nil {
		return r2
	}
	r2.v = mergeVerdicts(r1.v, r2.v)
	return r2
}

// mergeVerdicts joins the verdicts of two runs on the same target that
// ran different properties.
func mergeVerdicts(a, b *verdict) *verdict {
	m := *b
	m.Passed = append(append([]string(nil), a.Passed...), b.Passed...)
	m.Failed = append(append([]string(nil), a.Failed...), b.Failed...)
	m.NotJudged = append(append([]string(nil), a.NotJudged...), b.NotJudged...)
	join := func(x, y map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range x {
			out[k] = v
		}
		for k, v := range y {
			out[k] = v
		}
		return out
	}
	m.Skip, m.Why, m.Detail, m.Partly = join(a.Skip, b.Skip), join(a.Why, b.Why), join(a.Detail, b.Detail), join(a.Partly, b.Partly)
	return &m
}

// outcome is what a verdict says of id, as a key of the catalogue.
func outcome(v *verdict, id string) string {
	switch {
	case set(v.Passed)[id]:
		return "passed"
	case set(v.Failed)[id]:
		return "failed"
	case v.Skip[id] != "":
		return "skipped"
	}
	return "not-run"
}

// writeChanges writes, after a --watch run's report, each property of ps
// whose outcome differs from the run before: "LIFE-1: failed → passed".
func writeChanges(w io.Writer, l props.Lang, ps []props.Property, prev, now *verdict) {
	var lines []string
	for _, p := range ps {
		if a, b := outcome(prev, p.ID), outcome(now, p.ID); a != b {
			lines = append(lines, "  "+msg(l, "went", p.ID, msg(l, a), msg(l, b)))
		}
	}
	fmt.Fprintln(w)
	if len(lines) == 0 {
		fmt.Fprintln(w, msg(l, "changes-none"))
		return
	}
	fmt.Fprintln(w, msg(l, "changes"))
	for _, line := range lines {
		fmt.Fprintln(w, line)
	}
}
