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
		"grades.csv":  gradesCSV(gs),
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
func gradesCSV(gs []Grade) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	// not_judged comes last, so that readers of the older columns by
	// position still read them.
	_ = w.Write([]string{"submission", "model", "score", "max_score", "passed", "failed", "unstable", "timed_out", "skipped", "failed_ids", "unstable_ids", "timed_out_ids", "reason", "not_judged", "not_judged_ids"})
	for _, g := range gs {
		n := g.Counts("")
		var unstable []string
		for _, l := range g.Lines {
			if l.Outcome == Unstable {
				unstable = append(unstable, fmt.Sprintf("%s:%d/%d", l.Prop.ID, l.Runs.Passed, l.Runs.Ran))
			}
		}
		_ = w.Write([]string{g.Sub.Name, g.Sub.Model, points(g.Score), points(g.MaxPoints),
			strconv.Itoa(n[Passed]), strconv.Itoa(n[Failed]), strconv.Itoa(n[Unstable]), strconv.Itoa(n[TimedOut]), strconv.Itoa(n[Skipped]),
			strings.Join(g.FailedIDs(), " "), strings.Join(unstable, " "), strings.Join(g.IDs(TimedOut), " "), g.Sub.Reason(),
			strconv.Itoa(n[NotJudged]), strings.Join(g.IDs(NotJudged), " ")})
	}
	w.Flush()
	return b.Bytes()
}

// summaryMD is the class at a glance: every grade, then which properties
// the class failed most.
func summaryMD(r *Rubric, gs []Grade) []byte {
	var b strings.Builder
	b.WriteString("# echospec grades\n\n")
	fmt.Fprintf(&b, "%d submissions, graded with %s (out of %s).", len(gs), r.Name, points(r.MaxPoints))
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
		fmt.Fprintf(&b, " Mean %s, median %s.", points(sum/float64(len(gs))), points(median))
	}
	b.WriteString("\n\n| submission | model | score | failed | reason |\n|---|---|---:|---|---|\n")
	for _, g := range gs {
		failed := g.Issues()
		if g.Sub.Verdict.Reason != "" {
			failed = "every spec"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdCell(g.Sub.Name), mdCell(describeModel(g.Sub)),
			points(g.Score), mdCell(failed), mdCell(g.Sub.Reason()))
	}
	var ignored []string
	for _, g := range gs {
		for _, note := range g.Sub.Ignored {
			ignored = append(ignored, fmt.Sprintf("- %s: %s\n", mdCell(g.Sub.Name), mdCell(note)))
		}
	}
	if len(ignored) > 0 {
		b.WriteString("\n## Keys of students' manifests not used\n\nThe course's manifest decides them.\n\n")
		b.WriteString(strings.Join(ignored, ""))
	}
	type row struct {
		p     string
		who   []string
		count int
	}
	var rows []row
	for i, l := range firstLines(gs) {
		var who []string
		for _, g := range gs {
			if g.Sub.Reason() == "" && g.Lines[i].Outcome == Failed {
				who = append(who, g.Sub.Name)
			}
		}
		if len(who) > 0 {
			rows = append(rows, row{fmt.Sprintf("%s | %s", l.Prop.ID, mdCell(l.Prop.Requirement)), who, len(who)})
		}
	}
	if len(rows) > 0 {
		slices.SortStableFunc(rows, func(a, b row) int { return b.count - a.count })
		b.WriteString("\n## Properties failed, most often first\n\nNot counting submissions that could not be run at all.\n\n| ID | requirement | failed by |\n|---|---|---|\n")
		for _, r := range rows {
			fmt.Fprintf(&b, "| %s | %d: %s |\n", r.p, r.count, mdCell(strings.Join(r.who, ", ")))
		}
	}
	return []byte(b.String())
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
	var notCounted []string
	for _, ln := range g.Lines {
		switch ln.Outcome {
		case Passed:
			r.Tests = append(r.Tests, gradescopeTest{Name: ln.Prop.Title(), Number: ln.Prop.ID, Score: round4(ln.Points), MaxScore: round4(ln.Max), Status: "passed"})
		case Failed, Unstable:
			text := orText(ln.Detail, ln.Why)
			if !strings.Contains(text, "hint: ") && g.Sub.Reason() == "" {
				text += "\n  hint: " + ln.Prop.Hint
			}
			text = failureText(text, l)
			status := "failed"
			if ln.Outcome == Unstable {
				text = tr(l, "gs-unstable", runsText(l, ln.Runs)) + "\n" + text
				if ln.Points == ln.Max {
					status = "passed"
				}
			}
			r.Tests = append(r.Tests, gradescopeTest{Name: ln.Prop.Title(), Number: ln.Prop.ID, Score: round4(ln.Points), MaxScore: round4(ln.Max), Status: status, Output: text})
		case NotJudged:
			// The setup's words and hint, never the property's: nothing
			// was found wrong with the property itself.
			text := tr(l, "gs-notjudged") + "\n" + failureText(orText(ln.Detail, ln.Why), l)
			if !ln.Outcome.counted(rb) {
				notCounted = append(notCounted, tr(l, "gs-nc-notjudged", ln.Prop.ID, detail.Headline(ln.Why, l)))
				continue
			}
			r.Tests = append(r.Tests, gradescopeTest{Name: ln.Prop.Title(), Number: ln.Prop.ID, Score: 0, MaxScore: round4(ln.Max), Status: "failed", Output: text})
		case TimedOut:
			r.Tests = append(r.Tests, gradescopeTest{Name: ln.Prop.Title(), Number: ln.Prop.ID, Score: 0, MaxScore: round4(ln.Max), Status: "failed", Output: detail.Line(ln.Why, l)})
		case Skipped:
			notCounted = append(notCounted, tr(l, "gs-nc-skipped", ln.Prop.ID, detail.Line(ln.Why, l)))
		}
	}
	if g.Sub.Model == "" {
		r.Tests = append(r.Tests, gradescopeTest{Name: tr(l, "gs-manifest-loads"), MaxScore: g.MaxPoints, Status: "failed", Output: detail.Translate(g.Sub.Problem, l)})
	}
	if len(notCounted) > 0 {
		sep := "; "
		if l == props.Zh {
			sep = "；"
		}
		out = append(out, tr(l, "gs-notcounted", strings.Join(notCounted, sep)))
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
