package grade

import (
	_ "embed"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/verdict"
)

// defaultRubric is the rubric used without --rubric.
//
//go:embed rubric.toml
var defaultRubric string

// DefaultRubricFile is the built-in rubric, as a path from the module
// root; outputs name it so.
const DefaultRubricFile = "tools/internal/grade/rubric.toml"

// Rubric weighs the properties: a weight per family, optional weights per
// ID, and the points a perfect submission gets.
type Rubric struct {
	Name      string // the file it came from, for messages and reports
	Text      string // its TOML, kept in grade.json so merge scores alike
	MaxPoints float64
	Families  map[string]float64
	IDs       map[string]float64
	// Unstable is how an ID that both passed and failed scores: "failed"
	// (the default: the student's server failed it at least once),
	// "passed", or "pass_rate" (its share of runs passed).
	Unstable string
	// NotJudged is how a property whose setup failed scores: "failed" (the
	// default: 0 points; the report still says it was not judged, in the
	// setup's words) or "not_counted" (left out, as a skipped one).
	NotJudged string
	// Visibility says, per family or ID ("default" for the rest), when a
	// Gradescope student sees a test: visible, after_due_date,
	// after_published or hidden.
	Visibility map[string]string
	// StdoutVisibility is Gradescope's stdout_visibility: whether students
	// see the autograder's own output (hidden by default).
	StdoutVisibility string
	// Lang is the language of the requirements, hints and family titles
	// the outputs show (grade --lang); not a key of the TOML.
	Lang props.Lang
}

// Gradescope's visibility values.
var visibilities = []string{"visible", "after_due_date", "after_published", "hidden"}

// How an unstable ID may score.
var unstableScores = []string{"failed", "passed", "pass_rate"}

// How a property that was not judged may score.
var notJudgedScores = []string{"failed", "not_counted"}

// typeError is how the TOML decoder words a value of the wrong type.
var typeError = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]+)"\): (.*)$`)

// rubricFile mirrors the TOML.
type rubricFile struct {
	MaxPoints        *float64           `toml:"max_points"`
	Families         map[string]float64 `toml:"families"`
	IDs              map[string]float64 `toml:"ids"`
	Unstable         *string            `toml:"unstable"`
	NotJudged        *string            `toml:"not_judged"`
	Visibility       map[string]string  `toml:"visibility"`
	StdoutVisibility *string            `toml:"stdout_visibility"`
}

// parseRubric reads a rubric. Every error names the file and the key at
// fault, and says what a valid value looks like.
func parseRubric(name, text string) (*Rubric, error) {
	var f rubricFile
	md, err := toml.Decode(text, &f)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			where := fmt.Sprintf("%s:%d", name, perr.Position.Line)
			if perr.LastKey != "" {
				return nil, fmt.Errorf("%s: key %q: %s; weights are numbers, e.g. echo = 3", where, perr.LastKey, perr.Message)
			}
			return nil, fmt.Errorf("%s: %s; fix the TOML syntax there", where, perr.Message)
		}
		if m := typeError.FindStringSubmatch(err.Error()); m != nil {
			return nil, fmt.Errorf("%s:%s: key %q: %s; weights are numbers, e.g. echo = 3", name, m[1], m[2], m[3])
		}
		return nil, fmt.Errorf("%s: %s; weights are numbers, e.g. echo = 3 under [families]", name, strings.TrimPrefix(err.Error(), "toml: "))
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("%s: unknown key %q; a rubric has max_points, unstable, not_judged, stdout_visibility, [families], [ids] and [visibility]", name, und[0].String())
	}
	r := &Rubric{Name: name, Text: text, MaxPoints: 100, Families: map[string]float64{}, IDs: map[string]float64{}, Unstable: "failed", NotJudged: "failed"}
	if f.NotJudged != nil {
		if !slices.Contains(notJudgedScores, *f.NotJudged) {
			return nil, fmt.Errorf("%s: key \"not_judged\" = %q: it must be one of %s", name, *f.NotJudged, strings.Join(notJudgedScores, ", "))
		}
		r.NotJudged = *f.NotJudged
	}
	if f.Unstable != nil {
		if !slices.Contains(unstableScores, *f.Unstable) {
			return nil, fmt.Errorf("%s: key \"unstable\" = %q: it must be one of %s", name, *f.Unstable, strings.Join(unstableScores, ", "))
		}
		r.Unstable = *f.Unstable
	}
	var families []string
	for _, fam := range props.Families {
		families = append(families, fam.Name)
	}
	r.Visibility = map[string]string{}
	r.StdoutVisibility = "hidden"
	if f.StdoutVisibility != nil {
		if !slices.Contains(visibilities, *f.StdoutVisibility) {
			return nil, fmt.Errorf("%s: key \"stdout_visibility\" = %q: it must be one of %s", name, *f.StdoutVisibility, strings.Join(visibilities, ", "))
		}
		r.StdoutVisibility = *f.StdoutVisibility
	}
	for _, k := range sortedKeys(f.Visibility) {
		v := f.Visibility[k]
		_, isID := props.Lookup(k)
		if k != "default" && !isID && !slices.Contains(families, k) {
			return nil, fmt.Errorf("%s: key \"visibility.%s\": not a family, an ID or \"default\"; the families are %s", name, k, strings.Join(families, ", "))
		}
		if !slices.Contains(visibilities, v) {
			return nil, fmt.Errorf("%s: key \"visibility.%s\" = %q: it must be one of %s", name, k, v, strings.Join(visibilities, ", "))
		}
		r.Visibility[k] = v
	}
	if f.MaxPoints != nil {
		if !(*f.MaxPoints > 0) || math.IsInf(*f.MaxPoints, 0) {
			return nil, fmt.Errorf("%s: key \"max_points\" = %v: it must be a positive number, e.g. max_points = 100", name, *f.MaxPoints)
		}
		r.MaxPoints = *f.MaxPoints
	}
	for _, k := range sortedKeys(f.Families) {
		if !slices.Contains(families, k) {
			return nil, fmt.Errorf("%s: key \"families.%s\": there is no family %q; the families are %s", name, k, k, strings.Join(families, ", "))
		}
		if err := checkWeight(f.Families[k]); err != nil {
			return nil, fmt.Errorf("%s: key \"families.%s\" = %v: %v", name, k, f.Families[k], err)
		}
		r.Families[k] = f.Families[k]
	}
	for _, k := range sortedKeys(f.IDs) {
		if _, ok := props.Lookup(k); !ok {
			return nil, fmt.Errorf("%s: key \"ids.%s\": there is no property %q; the IDs are listed in docs/catalogue.md", name, k, k)
		}
		if err := checkWeight(f.IDs[k]); err != nil {
			return nil, fmt.Errorf("%s: key \"ids.%s\" = %v: %v", name, k, f.IDs[k], err)
		}
		r.IDs[k] = f.IDs[k]
	}
	return r, nil
}

func checkWeight(w float64) error {
	if w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
		return errors.New("a weight must be a number 0 or more (0 leaves the property out)")
	}
	return nil
}

// VisibilityOf is when a Gradescope student sees p's test: its ID's
// setting, else its family's, else the default's, else visible.
func (r *Rubric) VisibilityOf(p props.Property) string {
	for _, k := range []string{p.ID, p.Family, "default"} {
		if v, ok := r.Visibility[k]; ok {
			return v
		}
	}
	return "visible"
}

// Weight is what property p is worth before scaling to max_points: its
// ID's weight, else its family's, else 1 for a property the tutorial
// teaches and 0 for an advisory one (props.Advisory): a rubric turns an
// advisory property on by giving it, or its family, a weight.
func (r *Rubric) Weight(p props.Property) float64 {
	if w, ok := r.IDs[p.ID]; ok {
		return w
	}
	if w, ok := r.Families[p.Family]; ok {
		return w
	}
	if p.Advisory() {
		return 0
	}
	return 1
}

// Outcome is one property's result for one submission.
type Outcome string

// The outcomes. Skipped and n.a. properties are not counted.
const (
	Passed Outcome = "passed"
	Failed Outcome = "failed"
	// NotJudged: a step that only sets the property up failed, so the
	// property was never judged; scored as the rubric's not_judged says.
	NotJudged Outcome = "not judged"
	Unstable  Outcome = "unstable"  // passed in some runs, failed in others
	TimedOut  Outcome = "timed out" // had not finished when time was up: 0 points
	Skipped   Outcome = "skipped"   // skipped by the suite, with a reason
	NA        Outcome = "n.a."      // does not apply to the model
)

// counted reports whether an outcome is scored under r.
func (o Outcome) counted(r *Rubric) bool {
	return o != Skipped && o != NA && !(o == NotJudged && r.NotJudged == "not_counted")
}

// Line is one property of one graded submission.
type Line struct {
	Prop    props.Property
	Outcome Outcome
	// Max is what the property is worth in this submission, scaled so the
	// counted properties add up to max_points; 0 when not counted.
	Max    float64
	Points float64 // Max if passed, else 0; unstable: as the rubric says
	Why    string  // failed, unstable: the failure's first line; not judged: the setup's; skipped: the reason
	Detail string  // failed, unstable, not judged: the whole failure message
	Runs   verdict.Runs
	// Advice: the property was judged (or not) like any other, but the
	// rubric gives it no weight (an advisory property's default), so it
	// can cost nothing: outputs show what it found as advice.
	Advice bool
	// Partly is what the spec left out, and why, when it judged the
	// property only in part (a machine without /proc); its outcome
	// stands for the part it checked.
	Partly string
}

// Lost reports whether the line costs points: it was counted with a
// weight and did not pass (an unstable one under unstable = "passed"
// costs nothing).
func (l Line) Lost() bool { return l.Max > 0 && l.Points < l.Max }

// Advised reports whether the line is advice that did not hold: a
// property weighed 0 that failed, was not judged, was unstable or timed
// out.
func (l Line) Advised() bool {
	switch l.Outcome {
	case Failed, NotJudged, Unstable, TimedOut:
		return l.Advice
	}
	return false
}

// Grade is one submission's score and the lines it adds up from.
type Grade struct {
	Sub       *Submission
	Score     float64
	MaxPoints float64
	Lines     []Line // every property, catalogue order
	Lang      props.Lang
}

// Grade scores a submission. What does not apply, was skipped with a
// reason, or weighs 0 is not counted; a submission with nothing counted
// (its manifest did not load) scores 0.
func (r *Rubric) Grade(s *Submission) Grade {
	g := Grade{Sub: s, MaxPoints: r.MaxPoints, Lang: r.Lang}
	v := s.Verdict
	total := 0.0
	for _, p := range props.All() {
		l := Line{Prop: p.InCode(r.Lang, s.Code)}
		switch {
		case s.Model == "" || !p.Applies(s.Model, s.Pool, s.Mechanism):
			l.Outcome = NA
		case slices.Contains(v.Failed, p.ID):
			l.Outcome, l.Why, l.Detail = Failed, v.Why[p.ID], v.Detail[p.ID]
		case slices.Contains(v.NotJudged, p.ID):
			l.Outcome, l.Why, l.Detail = NotJudged, v.Why[p.ID], v.Detail[p.ID]
		case slices.Contains(v.Unstable, p.ID):
			l.Outcome, l.Why, l.Detail = Unstable, v.Why[p.ID], v.Detail[p.ID]
		case slices.Contains(v.Passed, p.ID):
			l.Outcome = Passed
		case slices.Contains(v.TimedOut, p.ID):
			l.Outcome, l.Why = TimedOut, "timed out: the suite's time was up before this spec finished"
		case v.Skip[p.ID] != "":
			l.Outcome, l.Why = Skipped, v.Skip[p.ID]
		default: // complete() fails these; a hand-made grade.json may not
			l.Outcome, l.Why = Failed, "did not run"
		}
		l.Runs = v.Count(p.ID)
		l.Partly = v.Partly[p.ID]
		if l.Outcome.counted(r) {
			l.Max = r.Weight(p)
			l.Advice = l.Max == 0
			total += l.Max
		}
		g.Lines = append(g.Lines, l)
	}
	for i := range g.Lines {
		l := &g.Lines[i]
		if total > 0 {
			l.Max = l.Max * r.MaxPoints / total
		}
		switch {
		case l.Outcome == Passed, l.Outcome == Unstable && r.Unstable == "passed":
			l.Points = l.Max
		case l.Outcome == Unstable && r.Unstable == "pass_rate":
			l.Points = l.Max * l.Runs.Rate()
		}
		g.Score += l.Points
	}
	g.Score = round2(g.Score)
	return g
}

// Counts tallies the outcomes of the lines of one family ("" for all).
func (g Grade) Counts(family string) map[Outcome]int {
	n := map[Outcome]int{}
	for _, l := range g.Lines {
		if family == "" || l.Prop.Family == family {
			n[l.Outcome]++
		}
	}
	return n
}

// Advised counts the advice lines of one family ("" for all) that did
// not hold: Counts includes them under their outcomes.
func (g Grade) Advised(family string) int {
	n := 0
	for _, l := range g.Lines {
		if (family == "" || l.Prop.Family == family) && l.Advised() {
			n++
		}
	}
	return n
}

// FailedIDs are the IDs of the failed lines, in catalogue order, advice
// included: the verdict, whatever the rubric weighs.
func (g Grade) FailedIDs() []string { return g.IDs(Failed) }

// IDs are the IDs of the lines with outcome o, in catalogue order.
func (g Grade) IDs(o Outcome) []string {
	var ids []string
	for _, l := range g.Lines {
		if l.Outcome == o {
			ids = append(ids, l.Prop.ID)
		}
	}
	return ids
}

// scoredIDs are the IDs of the lines with outcome o that are not advice.
func (g Grade) scoredIDs(o Outcome) []string {
	var ids []string
	for _, l := range g.Lines {
		if l.Outcome == o && !l.Advice {
			ids = append(ids, l.Prop.ID)
		}
	}
	return ids
}

// AdviceIDs are the IDs of the advice lines that did not hold, in
// catalogue order.
func (g Grade) AdviceIDs() []string {
	var ids []string
	for _, l := range g.Lines {
		if l.Advised() {
			ids = append(ids, l.Prop.ID)
		}
	}
	return ids
}

// Issues lists, in one string, the IDs that cost points: failed, then
// unstable with their pass rates, then not judged, then timed out; then
// the advice that did not hold, which costs nothing ("ECHO-4; unstable:
// CONC-2 (1 of 3 runs passed); not judged: IDLE-1; timed out: PROC-1;
// advice (no points): CAP-3"), in the grade's language.
func (g Grade) Issues() string {
	parts := []string{}
	if f := g.Faults(); f != "" {
		parts = append(parts, f)
	}
	if ids := g.AdviceIDs(); len(ids) > 0 {
		parts = append(parts, tr(g.Lang, "advice-label")+tr(g.Lang, "r-colon")+strings.Join(ids, " "))
	}
	return strings.Join(parts, tr(g.Lang, "item-sep"))
}

// Faults is Issues without the advice: what costs points, "" if nothing.
func (g Grade) Faults() string {
	parts := []string{}
	if ids := g.scoredIDs(Failed); len(ids) > 0 {
		parts = append(parts, strings.Join(ids, " "))
	}
	var un []string
	for _, l := range g.Lines {
		if l.Outcome == Unstable && !l.Advice {
			un = append(un, tr(g.Lang, "issues-unstable-1", l.Prop.ID, l.Runs.Passed, l.Runs.Ran))
		}
	}
	if len(un) > 0 {
		parts = append(parts, tr(g.Lang, "issues-unstable", strings.Join(un, " ")))
	}
	if ids := g.scoredIDs(NotJudged); len(ids) > 0 {
		parts = append(parts, tr(g.Lang, "issues-notjudged", strings.Join(ids, " ")))
	}
	if ids := g.scoredIDs(TimedOut); len(ids) > 0 {
		parts = append(parts, tr(g.Lang, "issues-timedout", strings.Join(ids, " ")))
	}
	return strings.Join(parts, tr(g.Lang, "item-sep"))
}

// adviceLabel names, in the outputs, the properties a rubric weighs 0
// that did not hold.
const adviceLabel = "advice (no points)"

// round2 rounds to hundredths, the precision every output shows.
func round2(x float64) float64 { return math.Round(x*100) / 100 }

// points formats a score: at most two decimals, no trailing zeros.
func points(x float64) string {
	s := fmt.Sprintf("%.2f", round2(x))
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
