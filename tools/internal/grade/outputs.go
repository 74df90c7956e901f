package grade

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/echospec/echospec/detail"
	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
)

// gradeFile is grade.json: everything the other outputs are made from.
// merge reads shards' grade.json files and writes the outputs again.
type gradeFile struct {
	Shard       string        `json:"shard,omitempty"` // "i/n" for a shard's own output
	Rubric      string        `json:"rubric"`
	RubricText  string        `json:"rubric_text"`
	Lang        string        `json:"lang,omitempty"` // the outputs' language, if not English
	Submissions []*Submission `json:"submissions"`
}

// writeAll writes every output into out: grade.json, grades.csv,
// summary.md, junit.xml, results/NAME/results.json and report.html. The
// same submissions and rubric always give the same bytes.
func writeAll(out string, r *Rubric, subs []*Submission, shard string) error {
	subs = slices.Clone(subs)
	slices.SortFunc(subs, func(a, b *Submission) int { return strings.Compare(a.Name, b.Name) })
	var gs []Grade
	for _, s := range subs {
		gs = append(gs, r.Grade(s))
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	gf, err := json.MarshalIndent(gradeFile{Shard: shard, Rubric: r.Name, RubricText: r.Text, Lang: langName(r.Lang), Submissions: subs}, "", "  ")
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"grade.json":  append(gf, '\n'),
		"grades.csv":  gradesCSV(r, gs),
		"summary.md":  summaryMD(r, gs),
		"junit.xml":   junitXML(gs),
		"report.html": nil,
	}
	if files["report.html"], err = reportHTML(r, gs); err != nil {
		return err
	}
	for _, g := range gs {
		data, err := resultsJSON(r, g)
		if err != nil {
			return err
		}
		files[filepath.Join("results", filepath.FromSlash(g.Sub.Name), "results.json")] = data
	}
	for _, name := range sortedKeys(files) {
		p := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// gradesCSV is one row per submission.
func gradesCSV(r *Rubric, gs []Grade) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	// New columns come last, so that readers of the older ones by
	// position still read them. The other columns count what the rubric
	// weighs; advice (weighed 0) that did not hold is counted in advice
	// only.
	_ = w.Write([]string{"submission", "model", "score", "max_score", "passed", "failed", "unstable", "timed_out", "skipped", "failed_ids", "unstable_ids", "timed_out_ids", "reason", "not_judged", "not_judged_ids", "scored_on", "points_lost", "advice", "advice_ids"})
	for _, g := range gs {
		e := explain(r, g)
		var lost []string // "ECHO-4:6.25", or "all:100" when nothing was counted
		for _, l := range e.Losses {
			lost = append(lost, cmp.Or(l.ID, "all")+":"+l.Points())
		}
		var unstable []string
		for _, l := range g.Lines {
			if l.Outcome == Unstable && !l.Advice {
				unstable = append(unstable, fmt.Sprintf("%s:%d/%d", l.Prop.ID, l.Runs.Passed, l.Runs.Ran))
			}
		}
		count := func(o Outcome) string { return strconv.Itoa(len(g.scoredIDs(o))) }
		advice := g.AdviceIDs()
		_ = w.Write([]string{g.Sub.Name, g.Sub.Model, points(g.Score), points(g.MaxPoints),
			strconv.Itoa(g.Counts("")[Passed]), count(Failed), count(Unstable), count(TimedOut), strconv.Itoa(g.Counts("")[Skipped]),
			strings.Join(g.scoredIDs(Failed), " "), strings.Join(unstable, " "), strings.Join(g.scoredIDs(TimedOut), " "), g.Sub.Reason(),
			count(NotJudged), strings.Join(g.scoredIDs(NotJudged), " "), strconv.Itoa(e.Scored), strings.Join(lost, " "),
			strconv.Itoa(len(advice)), strings.Join(advice, " ")})
	}
	w.Flush()
	return b.Bytes()
}

// summaryMD is the class at a glance: every grade, then which properties
// the class failed most.
func summaryMD(r *Rubric, gs []Grade) []byte {
	var b strings.Builder
	l := r.Lang
	b.WriteString("# " + tr(l, "r-title") + "\n\n")
	b.WriteString(tr(l, "s-graded", len(gs), r.Name, points(r.MaxPoints)))
	if len(gs) > 0 {
		var scores []float64
		sum := 0.0
		for _, g := range gs {
			scores = append(scores, g.Score)
			sum += g.Score
		}
		slices.Sort(scores)
		median := scores[len(scores)/2]
		if len(scores)%2 == 0 {
			median = (scores[len(scores)/2-1] + median) / 2
		}
		b.WriteString(tr(l, "s-mean", points(sum/float64(len(gs))), points(median)))
	}
	b.WriteString("\n\n" + tr(l, "s-table") + "\n|---|---|---:|---|---|---:|\n")
	for _, g := range gs {
		failed := g.Issues()
		if g.Sub.Verdict.Reason != "" {
			failed = tr(l, "s-every")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %d |\n", mdCell(g.Sub.Name), mdCell(describeModel(g.Sub)),
			points(g.Score), mdCell(failed), mdCell(detail.Headline(g.Sub.Reason(), l)), explain(r, g).Scored)
	}
	if len(gs) > 0 {
		b.WriteString("\n## " + tr(l, "r-scores") + "\n\n")
		b.WriteString(textHistogram(r.MaxPoints, gs, l))
	}
	var ignored []string
	for _, g := range gs {
		for _, note := range g.Sub.Ignored {
			ignored = append(ignored, fmt.Sprintf("- %s%s%s\n", mdCell(g.Sub.Name), tr(l, "r-colon"), mdCell(detail.Line(note, l))))
		}
	}
	if len(ignored) > 0 {
		b.WriteString("\n" + tr(l, "s-ignored") + "\n\n")
		b.WriteString(strings.Join(ignored, ""))
	}
	if rows := failedBy(gs, false); len(rows) > 0 {
		b.WriteString("\n" + tr(l, "s-failed-head") + "\n|---|---|---|\n")
		b.WriteString(rows)
	}
	if rows := failedBy(gs, true); len(rows) > 0 {
		b.WriteString("\n" + tr(l, "s-advice-head") + "\n|---|---|---|\n")
		b.WriteString(rows)
	}
	if len(gs) > 0 {
		b.WriteString("\n" + tr(l, "s-where", points(r.MaxPoints)) + "\n")
		for _, g := range gs {
			writeExplanation(&b, r, g)
		}
	}
	return []byte(b.String())
}

// failedBy is a Markdown table's rows: each property failed by a
// submission that ran, with who failed it, most often first; advice
// chooses the advice lines (failed, not judged, unstable or timed out)
// or the failed lines that cost points.
func failedBy(gs []Grade, advice bool) string {
	type row struct {
		p     string
		who   []string
		count int
	}
	var rows []row
	for i, l := range firstLines(gs) {
		var who []string
		for _, g := range gs {
			gl := g.Lines[i]
			if g.Sub.Reason() == "" && (advice && gl.Advised() || !advice && gl.Outcome == Failed && !gl.Advice) {
				who = append(who, g.Sub.Name)
			}
		}
		if len(who) > 0 {
			rows = append(rows, row{fmt.Sprintf("%s | %s", l.Prop.ID, mdCell(l.Prop.Requirement)), who, len(who)})
		}
	}
	slices.SortStableFunc(rows, func(a, b row) int { return b.count - a.count })
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %d: %s |\n", r.p, r.count, mdCell(strings.Join(r.who, ", ")))
	}
	return b.String()
}

// writeExplanation writes one submission's Explanation as a Markdown
// section: the points lost, property by property (one line for them all
// when nothing could be checked), the root causes, what was not counted.
func writeExplanation(b *strings.Builder, r *Rubric, g Grade) {
	e := explain(r, g)
	l := r.Lang
	fmt.Fprintf(b, "\n### %s\n\n", tr(l, plural(e.Scored, "s-sub-1", "s-sub"), mdCell(g.Sub.Name), points(g.Score), points(g.MaxPoints), e.Scored))
	if reason := g.Sub.Reason(); reason != "" && len(e.Losses) > 1 {
		var ids []string
		for _, l := range e.Losses {
			ids = append(ids, l.ID)
		}
		fmt.Fprintf(b, "- %s\n", tr(l, "s-lost-all", points(float64(e.LostCents())/100), len(ids), mdCell(detail.Headline(reason, l))))
	} else {
		// The requirement, not the failure's words: those hold ports and
		// byte counts that differ from run to run.
		for _, loss := range e.Losses {
			if loss.ID == "" {
				fmt.Fprintf(b, "- %s\n", tr(l, "s-lost-whole", loss.Points(), mdCell(detail.Headline(loss.Why, l))))
				continue
			}
			what := outcomeName(l, loss.Outcome)
			if loss.Cause > 0 {
				what += tr(l, "s-cause-n", loss.Cause)
			}
			fmt.Fprintf(b, "- %s\n", tr(l, "s-lost", loss.Points(), loss.ID, what, mdCell(loss.Requirement)))
		}
	}
	for i, c := range e.Causes {
		fmt.Fprintf(b, "- %s\n", tr(l, "s-cause", i+1, mdCell(detail.Cause(c.Line, l)), strings.Join(c.IDs, " ")))
	}
	for _, nc := range e.NotCounted {
		fmt.Fprintf(b, "- %s\n", tr(l, "s-nc", len(nc.IDs), outcomeName(l, Outcome(nc.Kind)), mdCell(detail.Headline(steady(nc.Why), l)), strings.Join(nc.IDs, " ")))
	}
}

// textHistogram draws the class's scores as bars of characters in a
// code block, the best scores first.
func textHistogram(maxPoints float64, gs []Grade, l props.Lang) string {
	bins := histogram(maxPoints, gs)
	most, width := 0, 0
	for _, bin := range bins {
		most = max(len(bin.Names), most)
		width = max(utf8.RuneCountInString(bin.Label()), width)
	}
	const bar = 40 // characters of the longest bar
	var b strings.Builder
	b.WriteString("```text\n")
	for i := len(bins) - 1; i >= 0; i-- {
		n := len(bins[i].Names)
		w := 0
		if most > 0 {
			w = n * bar / most
		}
		if n > 0 && w == 0 {
			w = 1
		}
		fmt.Fprintf(&b, "%*s │%s %d\n", width, bins[i].Label(), strings.Repeat("█", w), n)
	}
	b.WriteString("```\n")
	b.WriteString("\n" + tr(l, "s-bars", points(maxPoints)) + "\n")
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// firstLines is one line per property, in catalogue order, to index
// every grade's lines by.
func firstLines(gs []Grade) []Line {
	if len(gs) == 0 {
		return nil
	}
	return gs[0].Lines
}

func describeModel(s *Submission) string {
	return manifest.DescribeModel(s.Model, s.Pool, s.Mechanism)
}

func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// junit is the JUnit XML CI systems read: one testsuite per submission,
// one testcase per property; n.a. and skipped properties are skipped.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitMessage `xml:"failure"`
	// Error is JUnit's error in the test's own setup: a property that
	// was not judged.
	Error   *junitMessage `xml:"error"`
	Skipped *junitMessage `xml:"skipped"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Body    string `xml:",chardata"`
}

func junitXML(gs []Grade) []byte {
	all := junitSuites{Name: "echospec"}
	for _, g := range gs {
		s := junitSuite{Name: g.Sub.Name, Properties: []junitProperty{
			{"model", describeModel(g.Sub)}, {"score", points(g.Score)}, {"max_score", points(g.MaxPoints)}, {"dir", g.Sub.Dir},
		}}
		if g.Sub.Model == "" { // the manifest did not load
			s.Cases = append(s.Cases, junitCase{Name: "echospec.toml loads", ClassName: g.Sub.Name,
				Failure: &junitMessage{Message: firstOf(g.Sub.Problem), Body: g.Sub.Problem}})
		}
		for _, l := range g.Lines {
			c := junitCase{Name: l.Prop.Title(), ClassName: g.Sub.Name + "." + l.Prop.Family}
			switch l.Outcome {
			case Failed, TimedOut:
				c.Failure = &junitMessage{Message: l.Why, Body: orText(l.Detail, l.Why)}
				if l.Advice {
					c.Failure.Message = adviceLabel + ": " + l.Why
				}
			case Unstable:
				c.Failure = &junitMessage{Message: "unstable, " + l.Runs.String() + ": " + l.Why, Body: orText(l.Detail, l.Why)}
			case NotJudged:
				c.Error = &junitMessage{Message: "not judged: " + l.Why, Body: orText(l.Detail, l.Why)}
			case Skipped:
				c.Skipped = &junitMessage{Message: l.Why}
			case NA:
				c.Skipped = &junitMessage{Message: fmt.Sprintf("does not apply to the %s model", orDash(describeModel(g.Sub)))}
			}
			s.Cases = append(s.Cases, c)
		}
		for _, c := range s.Cases {
			s.Tests++
			if c.Failure != nil {
				s.Failures++
			}
			if c.Error != nil {
				s.Errors++
			}
			if c.Skipped != nil {
				s.Skipped++
			}
		}
		all.Tests, all.Failures, all.Errors, all.Skipped = all.Tests+s.Tests, all.Failures+s.Failures, all.Errors+s.Errors, all.Skipped+s.Skipped
		all.Suites = append(all.Suites, s)
	}
	data, _ := xml.MarshalIndent(all, "", "  ")
	return append(append([]byte(xml.Header), data...), '\n')
}

// gradescope is the results.json of a Gradescope autograder.
// https://gradescope-autograders.readthedocs.io/en/latest/specs/
type gradescope struct {
	Score    float64 `json:"score"`
	MaxScore float64 `json:"max_score"`
	// ExecutionTime is set by `grade gradescope` (seconds); the class
	// outputs leave it out, so that they are the same bytes every run.
	ExecutionTime    float64          `json:"execution_time,omitempty"`
	Output           string           `json:"output,omitempty"`
	StdoutVisibility string           `json:"stdout_visibility,omitempty"`
	Tests            []gradescopeTest `json:"tests"`
}

type gradescopeTest struct {
	Name       string  `json:"name"`
	Number     string  `json:"number,omitempty"` // the property ID
	Score      float64 `json:"score"`
	MaxScore   float64 `json:"max_score"`
	Status     string  `json:"status"`
	Output     string  `json:"output,omitempty"`
	Visibility string  `json:"visibility,omitempty"`
}

// resultsJSON is one submission's Gradescope results: a test per counted
// property; those not counted are named in the output.
func resultsJSON(rb *Rubric, g Grade) ([]byte, error) {
	r := gradescopeResults(rb, g)
	data, err := json.MarshalIndent(r, "", "  ")
	return append(data, '\n'), err
}

// gradescopeResults is one submission's results.json, before encoding.
func gradescopeResults(rb *Rubric, g Grade) gradescope {
	r := gradescope{Score: g.Score, MaxScore: g.MaxPoints, StdoutVisibility: rb.StdoutVisibility, Tests: []gradescopeTest{}}
	l := rb.Lang
	var out []string
	if reason := g.Sub.Reason(); reason != "" {
		out = append(out, detail.Headline(reason, l))
	}
	for _, note := range g.Sub.Ignored {
		out = append(out, detail.Line(note, l))
	}
	if g.Sub.Overrun != "" {
		out = append(out, detail.Line(firstOf(g.Sub.Overrun), l))
	}
	advised := func(ln Line, text string) string {
		if ln.Advice {
			return tr(l, "advice-note") + "\n" + text
		}
		return text
	}
	var notCounted []string
	for _, ln := range g.Lines {
		switch ln.Outcome {
		case Passed:
			r.Tests = append(r.Tests, gradescopeTest{Name: testName(ln, l), Number: ln.Prop.ID, Score: round4(ln.Points), MaxScore: round4(ln.Max), Status: "passed", Output: partlyNote(ln, l)})
		case Failed, Unstable:
			text := orText(ln.Detail, ln.Why)
			if !strings.Contains(text, "hint: ") && g.Sub.Reason() == "" {
				text += "\n  hint: " + ln.Prop.Hint
			}
			text = failureText(text, l)
			status := "failed"
			if ln.Outcome == Unstable {
				text = tr(l, "gs-unstable", runsText(l, ln.Runs)) + "\n" + text
				if ln.Points == ln.Max && (ln.Max > 0 || rb.Unstable == "passed") {
					status = "passed"
				}
			}
			r.Tests = append(r.Tests, gradescopeTest{Name: testName(ln, l), Number: ln.Prop.ID, Score: round4(ln.Points), MaxScore: round4(ln.Max), Status: status, Output: advised(ln, text)})
		case NotJudged:
			// The setup's words and hint, never the property's: nothing
			// was found wrong with the property itself.
			text := tr(l, "gs-notjudged") + "\n" + failureText(orText(ln.Detail, ln.Why), l)
			if !ln.Outcome.counted(rb) {
				notCounted = append(notCounted, tr(l, "gs-nc-notjudged", ln.Prop.ID, detail.Headline(ln.Why, l)))
				continue
			}
			r.Tests = append(r.Tests, gradescopeTest{Name: testName(ln, l), Number: ln.Prop.ID, Score: 0, MaxScore: round4(ln.Max), Status: "failed", Output: advised(ln, text)})
		case TimedOut:
			r.Tests = append(r.Tests, gradescopeTest{Name: testName(ln, l), Number: ln.Prop.ID, Score: 0, MaxScore: round4(ln.Max), Status: "failed", Output: advised(ln, detail.Line(ln.Why, l))})
		case Skipped:
			notCounted = append(notCounted, tr(l, "gs-nc-skipped", ln.Prop.ID, detail.Line(ln.Why, l)))
		}
	}
	if g.Sub.Model == "" {
		r.Tests = append(r.Tests, gradescopeTest{Name: tr(l, "gs-manifest-loads"), MaxScore: g.MaxPoints, Status: "failed", Output: detail.Translate(g.Sub.Problem, l)})
	}
	if len(notCounted) > 0 {
		out = append(out, tr(l, "gs-notcounted", strings.Join(notCounted, tr(l, "item-sep"))))
	}
	r.Output = strings.Join(out, "\n")
	exactMaxScores(r.Tests, g.MaxPoints)
	for i := range r.Tests {
		if p, ok := props.Lookup(r.Tests[i].Number); ok {
			r.Tests[i].Visibility = rb.VisibilityOf(p)
		}
	}
	return r
}

// testName is a line's Gradescope test name in lang: its title, and for
// advice, that it is worth no points (its max_score of 0 says so only in
// numbers).
func testName(l Line, lang props.Lang) string {
	if l.Advice {
		return l.Prop.Title() + tr(lang, "gs-advice-name")
	}
	return l.Prop.Title()
}

// partlyNote says, in lang, what a spec judged only in part left out; ""
// if it judged the whole property.
func partlyNote(l Line, lang props.Lang) string {
	if l.Partly == "" {
		return ""
	}
	return tr(lang, "gs-partly", detail.Line(l.Partly, lang))
}

// adviceNote heads an advice line's output: what it found costs nothing.
const adviceNote = "Advice, no points: this property goes beyond the course (or the rubric weighs it 0), so it costs nothing; what it found is worth knowing."

// langName is how grade.json names a language: "" for English.
func langName(l props.Lang) string {
	if l == props.En {
		return ""
	}
	return string(l)
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// exactMaxScores rounds the tests' max_score to hundredths so that they
// add up to total exactly (largest remainder first), and scales each
// test's score with its max_score: Gradescope adds the tests up, and 31
// tests rounded one by one came to 99.9998 of 100.
func exactMaxScores(tests []gradescopeTest, total float64) {
	if len(tests) == 0 {
		return
	}
	want := int64(math.Round(total * 100))
	cents := make([]int64, len(tests))
	frac := make([]float64, len(tests))
	var sum int64
	for i, t := range tests {
		c := t.MaxScore * 100
		cents[i] = int64(math.Floor(c + 1e-6))
		frac[i] = c - float64(cents[i])
		sum += cents[i]
	}
	order := make([]int, len(tests))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(frac[b], frac[a]) })
	for k := 0; sum < want && k < len(order); k++ {
		if tests[order[k]].MaxScore <= 0 {
			continue // advice stays worth nothing
		}
		cents[order[k]]++
		sum++
	}
	for i := range tests {
		m := float64(cents[i]) / 100
		switch {
		case tests[i].MaxScore <= 0:
		case tests[i].Score >= tests[i].MaxScore:
			tests[i].Score = m
		default:
			tests[i].Score = math.Round(tests[i].Score/tests[i].MaxScore*m*100) / 100
		}
		tests[i].MaxScore = m
	}
}

// round4 rounds a test's points for Gradescope: finer than the total's two
// decimals, so that 30 tests still add up to the score within 0.01.
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
