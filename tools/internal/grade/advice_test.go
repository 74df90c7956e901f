package grade

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/echospec/echospec/props"
)

// adviceOnly is alice (multithread, every property passed) with CAP-3, an
// advisory property, failed: the tutorial's thread server's one failure.
func adviceOnly() *Submission {
	s := *byName(canned(), "alice")
	v := s.Verdict
	v.Passed = slices.DeleteFunc(slices.Clone(v.Passed), func(id string) bool { return id == "CAP-3" })
	v.Failed = []string{"CAP-3"}
	v.Why = map[string]string{"CAP-3": "the server ended during this spec (it exited with status 1)"}
	v.Detail = map[string]string{"CAP-3": v.Why["CAP-3"] + "\n  hint: " + props.Get("CAP-3").Hint}
	s.Verdict = v
	return &s
}

// Advice that did not hold is in every output, as advice: it costs no
// points, Gradescope's max_scores still add up to the total exactly, and
// no table lists it among what cost points.
func TestAdviceInEveryOutput(t *testing.T) {
	r, err := parseRubric("r.toml", "max_points = 7\n")
	if err != nil {
		t.Fatal(err)
	}
	s := adviceOnly()
	g := r.Grade(s)
	if g.Score != 7 || g.Faults() != "" || g.Issues() != "advice (no points): CAP-3" {
		t.Fatalf("score %v/7, faults %q, issues %q; want 7/7 with CAP-3 as advice", g.Score, g.Faults(), g.Issues())
	}
	if ids := g.FailedIDs(); !slices.Equal(ids, []string{"CAP-3"}) {
		t.Errorf("FailedIDs = %v; want [CAP-3]: the verdict (grade --expect) is the same whatever the rubric weighs", ids)
	}

	var res gradescope
	data, err := resultsJSON(r, g)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	cents, sum := int64(0), 0.0
	found := false
	for _, tc := range res.Tests {
		cents += int64(math.Round(tc.MaxScore * 100))
		sum += tc.Score
		if tc.Number == "CAP-3" {
			found = true
			if tc.MaxScore != 0 || tc.Score != 0 || !strings.Contains(tc.Name, "advice: no points") || !strings.HasPrefix(tc.Output, adviceNote) {
				t.Errorf("results.json CAP-3 = %+v; want 0 of 0, named and explained as advice", tc)
			}
		}
	}
	if !found {
		t.Errorf("results.json has no CAP-3 test: advice is shown too")
	}
	if cents != 700 || math.Abs(sum-res.Score) > 0.005 || res.Score != 7 {
		t.Errorf("results.json: max_scores add up to %d hundredths, scores to %v, score %v; want 700, 7, 7", cents, sum, res.Score)
	}

	gs := []Grade{g}
	csvText := string(gradesCSV(r, gs))
	if !strings.Contains(csvText, "alice,multithread,7,7,") || !strings.HasSuffix(csvText, ",,1,CAP-3\n") {
		t.Errorf("grades.csv: want 7/7, nothing failed, CAP-3 as advice:\n%s", csvText)
	}
	if row := strings.Split(strings.TrimSpace(csvText), "\n")[1]; strings.Split(row, ",")[5] != "0" {
		t.Errorf("grades.csv counts advice as failed: %s", row)
	}
	md := string(summaryMD(r, gs))
	if strings.Contains(md, "## Properties failed") || !strings.Contains(md, "## Advice, most often first: no points lost") || !strings.Contains(md, "| CAP-3 | "+props.Get("CAP-3").Requirement+" | 1: alice |") {
		t.Errorf("summary.md: want CAP-3 under advice only:\n%s", md)
	}
	html, err := reportHTML(r, gs)
	if err != nil {
		t.Fatal(err)
	}
	page := string(html)
	for _, want := range []string{`<td class="c advice">ⓘ 2/3, 1 advice (no points)</td>`, `<div class="failure advice">`, "advice: no points", "Advice, no points lost"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Contains(page, `<div class="failure">`) {
		t.Errorf("report.html shows advice as a failure that costs points")
	}
	if sum := jobSummary(g); !strings.Contains(sum, "💡 advice (no points)") || strings.Contains(sum, "❌") {
		t.Errorf("job summary: want the cap family as advice, nothing failed:\n%s", sum)
	}
	var notes strings.Builder
	annotate(&notes, g, "echospec.toml")
	if n := notes.String(); !strings.HasPrefix(n, "::warning ") || strings.Contains(n, "::error") {
		t.Errorf("annotations: want CAP-3 as a warning only:\n%s", n)
	}

	// Weighed by the teacher, the same failure costs points everywhere.
	weighed, err := parseRubric("r.toml", "max_points = 7\n[families]\ncap = 2\n")
	if err != nil {
		t.Fatal(err)
	}
	wg := weighed.Grade(s)
	if wg.Score >= 7 || wg.Faults() != "CAP-3" || strings.Contains(string(summaryMD(weighed, []Grade{wg})), "## Advice") {
		t.Errorf("with cap = 2: score %v, faults %q; want CAP-3 to cost points, as a failure", wg.Score, wg.Faults())
	}
}

// A property judged only in part says what was left out in report.html
// and in its Gradescope test, and scores as its outcome says.
func TestPartlyJudgedIsSaid(t *testing.T) {
	r := defaultRubricT(t)
	s := *byName(canned(), "alice")
	const left = "that no descriptor leaked after the aborts: no /proc on darwin"
	s.Verdict.Partly = map[string]string{"RESET-3": left}
	g := r.Grade(&s)
	if g.Score != 100 || lineOf(g, "RESET-3").Partly != left {
		t.Fatalf("score %v, RESET-3 partly %q; want 100 and what was left out", g.Score, lineOf(g, "RESET-3").Partly)
	}
	html, err := reportHTML(r, []Grade{g})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "Judged only in part") || !strings.Contains(string(html), left) {
		t.Errorf("report.html does not say what RESET-3 left out")
	}
	res := gradescopeResults(r, g)
	for _, tc := range res.Tests {
		if tc.Number == "RESET-3" && tc.Output != "partly judged: not checked here: "+left {
			t.Errorf("results.json RESET-3 output %q; want what was left out", tc.Output)
		}
	}
}
