package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// matches reports whether a verdict is the one a fixture expects: exactly
// the listed IDs failed, or every spec did, each for the stated reason.
func matches(e Expectation, v Verdict) bool {
	if len(v.Passed)+len(v.Failed) == 0 {
		return false // nothing ran: no verdict to agree with
	}
	if e.Reason != "" {
		for _, why := range v.Why {
			if !strings.Contains(why, e.Reason) {
				return false
			}
		}
	}
	if e.FailsAll() {
		return len(v.Passed) == 0 && len(v.Failed) > 0
	}
	return slices.Equal(slices.Sorted(slices.Values(v.Failed)), slices.Sorted(slices.Values(e.Fail)))
}

// mismatches explains, one line each, how a verdict differs from what the
// submission's manifest expects; none when it matches.
func mismatches(s *Submission) []string {
	e, v := s.Expect, s.Verdict
	if matches(e, v) {
		return nil
	}
	switch {
	case len(v.Passed)+len(v.Failed) == 0:
		return []string{fmt.Sprintf("%s: nothing ran: %s", s.Name, orDash(s.Reason()))}
	case e.FailsAll() || e.Reason != "":
		return []string{fmt.Sprintf("%s: expected every spec to fail because %q; failed %v (%s), passed %v", s.Name, e.Reason, v.Failed, orDash(s.Reason()), v.Passed)}
	}
	var out []string
	for _, id := range v.Failed {
		if !slices.Contains(e.Fail, id) {
			out = append(out, fmt.Sprintf("%s: unexpectedly failed %s: %s", s.Name, id, v.Why[id]))
		}
	}
	for _, id := range e.Fail {
		if !slices.Contains(v.Failed, id) {
			out = append(out, fmt.Sprintf("%s: expected to fail %s, but it did not (%s)", s.Name, id, s.Dir))
		}
	}
	return out
}

// checkExpectations prints each submission's expected and actual failures
// and every mismatch, and returns how many submissions did not match.
func checkExpectations(w io.Writer, subs []*Submission) int {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "submission\tmodel\texpected to fail\tfailed\tpassed\tcheck")
	bad := 0
	var lines []string
	for _, s := range subs {
		m := mismatches(s)
		check := "ok"
		if len(m) > 0 {
			check, bad = "MISMATCH", bad+1
			lines = append(lines, m...)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", s.Name, orDash(s.Model), list(s.Expect.Fail), list(s.Verdict.Failed), len(s.Verdict.Passed), check)
	}
	tw.Flush()
	for _, l := range lines {
		fmt.Fprintln(w, "  "+l)
	}
	fmt.Fprintf(w, "%d submissions: %d as expected, %d not\n", len(subs), len(subs)-bad, bad)
	return bad
}

func list(xs []string) string {
	if len(xs) == 0 {
		return "-"
	}
	return strings.Join(xs, " ")
}
