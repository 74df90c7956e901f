package grade

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
)

// matches reports whether a verdict is the one a fixture expects.
func matches(e Expectation, v Verdict) bool {
	return len(mismatches(&Submission{Expect: e, Verdict: v})) == 0
}

// mismatches explains, one line each, how a verdict differs from what the
// submission's manifest expects; none when it matches. It matches when
// every spec failed or was not judged, each for the reason, for fail =
// ["*"] (a server that cannot be built or started judges nothing);
// otherwise when exactly the IDs of fail failed (judged: a setup failure
// never stands for one), exactly those of not_judged were not judged, and
// any of may_fail did either, each ID of fail and not_judged for its
// phrase ([expect.reasons], or reason = for all): its first line
// contains it. An ID of fail or not_judged with no phrase is a mismatch
// too, so that every fixture of the bank says why. A verdict where
// nothing ran never matches.
func mismatches(s *Submission) []string {
	e, v := s.Expect, s.Verdict
	if len(v.Passed)+len(v.Failed)+len(v.Unstable)+len(v.NotJudged) == 0 {
		return []string{fmt.Sprintf("%s: nothing ran: %s", s.Name, orDash(s.Reason()))}
	}
	if e.FailsAll() {
		ok := len(v.Passed) == 0 && len(v.Failed)+len(v.NotJudged) > 0
		for _, id := range append(slices.Clone(v.Failed), v.NotJudged...) {
			ok = ok && strings.Contains(v.Why[id], e.Reason)
		}
		if ok {
			return nil
		}
		return []string{fmt.Sprintf("%s: expected every spec to fail because %q; failed %v, not judged %v (%s), passed %v", s.Name, e.Reason, v.Failed, v.NotJudged, orDash(s.Reason()), v.Passed)}
	}
	var out []string
	phraseCheck := func(id, what string) {
		why := v.Why[id]
		switch phrase := e.Phrase(id); {
		case phrase == "":
			out = append(out, fmt.Sprintf("%s: %s %s, but [expect.reasons] gives no phrase for it: add %s = \"...\" from its first line: %s", s.Name, id, what, id, why))
		case !strings.Contains(why, phrase):
			out = append(out, fmt.Sprintf("%s: %s %s, but not for its reason: wanted %q in its first line, got: %s", s.Name, id, what, phrase, why))
		}
	}
	for _, id := range v.Failed {
		switch {
		case slices.Contains(e.MayFail, id):
			// the server's own nondeterminism decides: it may fail, for any reason
		case slices.Contains(e.NotJudged, id):
			out = append(out, fmt.Sprintf("%s: %s was expected not to be judged (its setup failing), but it was judged and failed: %s", s.Name, id, v.Why[id]))
		case !slices.Contains(e.Fail, id):
			out = append(out, fmt.Sprintf("%s: unexpectedly failed %s: %s", s.Name, id, v.Why[id]))
		default:
			phraseCheck(id, "failed")
		}
	}
	for _, id := range v.NotJudged {
		switch {
		case slices.Contains(e.MayFail, id):
		case slices.Contains(e.Fail, id):
			out = append(out, fmt.Sprintf("%s: expected to fail %s, but it was not judged: its setup failed, which is not the property's failure: %s", s.Name, id, v.Why[id]))
		case !slices.Contains(e.NotJudged, id):
			out = append(out, fmt.Sprintf("%s: %s was unexpectedly not judged (its setup failed): %s", s.Name, id, v.Why[id]))
		default:
			phraseCheck(id, "was not judged")
		}
	}
	// An unstable ID is a verdict that changed between runs: a fixture
	// must get the same verdict every time, unless the ID may fail.
	for _, id := range v.Unstable {
		if !slices.Contains(e.MayFail, id) {
			out = append(out, fmt.Sprintf("%s: %s is unstable (%s), failing with: %s", s.Name, id, v.Count(id), v.Why[id]))
		}
	}
	for _, id := range v.TimedOut {
		out = append(out, fmt.Sprintf("%s: %s timed out: %s", s.Name, id, orDash(s.Overrun)))
	}
	for _, id := range e.Fail {
		if !slices.Contains(v.Failed, id) && !slices.Contains(v.Unstable, id) && !slices.Contains(v.NotJudged, id) {
			out = append(out, fmt.Sprintf("%s: expected to fail %s, but it did not (%s)", s.Name, id, s.Dir))
		}
	}
	for _, id := range e.NotJudged {
		if !slices.Contains(v.NotJudged, id) && !slices.Contains(v.Failed, id) {
			out = append(out, fmt.Sprintf("%s: expected %s not to be judged (its setup failing), but it was: %s (%s)", s.Name, id, outcomeWord(v, id), s.Dir))
		}
	}
	return out
}

// outcomeWord names id's outcome in v: passed, unstable, skipped, timed
// out or "did not run".
func outcomeWord(v Verdict, id string) string {
	switch {
	case slices.Contains(v.Passed, id):
		return "passed"
	case slices.Contains(v.Unstable, id):
		return "unstable"
	case slices.Contains(v.TimedOut, id):
		return "timed out"
	case v.Skip[id] != "":
		return "skipped: " + v.Skip[id]
	}
	return "did not run"
}

// checkExpectations prints each submission's expected and actual failures
// and every mismatch, and returns how many submissions did not match.
func checkExpectations(w io.Writer, subs []*Submission) int {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "submission\tmodel\texpected to fail\tnot judged\tmay fail\tfailed\tnot judged\tpassed\tcheck")
	bad, skipped := 0, 0
	var lines []string
	for _, s := range subs {
		check := "ok"
		if why := skippedWhy(s.Verdict); why != "" {
			check, skipped = "skipped", skipped+1
			lines = append(lines, fmt.Sprintf("%s: skipped, not checked: %s", s.Name, why))
		} else if m := mismatches(s); len(m) > 0 {
			check, bad = "MISMATCH", bad+1
			lines = append(lines, m...)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", s.Name, orDash(s.Model), list(s.Expect.Fail), list(s.Expect.NotJudged), list(s.Expect.MayFail), list(s.Verdict.Failed), list(s.Verdict.NotJudged), len(s.Verdict.Passed), check)
	}
	tw.Flush()
	for _, l := range lines {
		fmt.Fprintln(w, "  "+l)
	}
	fmt.Fprintf(w, "%d submissions: %d as expected, ", len(subs), len(subs)-bad-skipped)
	if skipped > 0 {
		fmt.Fprintf(w, "%d skipped (this system cannot run them; see above), ", skipped)
	}
	fmt.Fprintf(w, "%d not\n", bad)
	return bad
}

// skippedWhy says why the suite skipped every spec of a verdict where
// nothing else ran (a target whose mechanism this system lacks, such as
// io_uring under a seccomp filter), or "" if something ran. Such a
// fixture is neither as expected nor a mismatch: the porter sees it
// named, with the reason, and the check does not fail on it.
func skippedWhy(v Verdict) string {
	if len(v.Passed)+len(v.Failed)+len(v.Unstable)+len(v.TimedOut)+len(v.NotJudged) > 0 || len(v.Skip) == 0 {
		return ""
	}
	return strings.Join(slices.Compact(slices.Sorted(maps.Values(v.Skip))), "; ")
}

// reasonsMain is `grade reasons OUT`: for each submission of a run's
// grade.json and each ID it failed or did not judge, the first line (its why),
// and the phrase the manifest gives for it, so that the phrases of
// [expect.reasons] can be picked from what the suite says.
func reasonsMain(w io.Writer, args []string) error {
	fs := flag.NewFlagSet("grade reasons", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: grade reasons OUT_DIR   (a run's --out folder, or its grade.json)")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: grade reasons OUT_DIR: give one run's --out folder, e.g. out/grade")
	}
	subs, err := readGradeFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("grade reasons: %w", err)
	}
	printReasons(w, subs)
	return nil
}

// readGradeFile reads the submissions of a grade.json, or of the one in
// the folder given.
func readGradeFile(path string) ([]*Submission, error) {
	gf, err := readGradeJSON(path)
	if err != nil {
		return nil, err
	}
	return gf.Submissions, nil
}

// readGradeJSON reads a grade.json, or the one in the folder given.
func readGradeJSON(path string) (*gradeFile, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "grade.json")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var gf gradeFile
	if err := json.Unmarshal(data, &gf); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &gf, nil
}

// printReasons is the table of reasonsMain: submission, ID, what the
// manifest says of it (fail, may_fail, or unexpected), its phrase and
// whether the why holds it, and the why. Fixtures that fail every spec
// show each distinct why once, under ID "*".
func printReasons(w io.Writer, subs []*Submission) {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "submission\tid\texpected\tphrase\twhy")
	for _, s := range subs {
		e, v := s.Expect, s.Verdict
		if e.FailsAll() {
			var whys []string
			for _, id := range append(slices.Clone(v.Failed), v.NotJudged...) {
				if !slices.Contains(whys, v.Why[id]) {
					whys = append(whys, v.Why[id])
				}
			}
			for _, why := range whys {
				fmt.Fprintf(tw, "%s\t*\tfail\t%s\t%s\n", s.Name, phraseCheck(e.Reason, why), why)
			}
			continue
		}
		for _, id := range v.Failed {
			what := "UNEXPECTED"
			switch {
			case slices.Contains(e.Fail, id):
				what = "fail"
			case slices.Contains(e.MayFail, id):
				what = "may_fail"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, id, what, phraseCheck(e.Phrase(id), v.Why[id]), v.Why[id])
		}
		for _, id := range v.NotJudged {
			what := "UNEXPECTED not judged"
			switch {
			case slices.Contains(e.NotJudged, id):
				what = "not_judged"
			case slices.Contains(e.MayFail, id):
				what = "may_fail, not judged"
			case slices.Contains(e.Fail, id):
				what = "fail, but NOT JUDGED"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, id, what, phraseCheck(e.Phrase(id), v.Why[id]), v.Why[id])
		}
	}
	tw.Flush()
}

// phraseCheck shows a phrase and whether why holds it: "-" for none.
func phraseCheck(phrase, why string) string {
	switch {
	case phrase == "":
		return "-"
	case strings.Contains(why, phrase):
		return fmt.Sprintf("%q ok", phrase)
	}
	return fmt.Sprintf("%q NOT FOUND", phrase)
}

func list(xs []string) string {
	if len(xs) == 0 {
		return "-"
	}
	return strings.Join(xs, " ")
}
