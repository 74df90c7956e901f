package grade

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"

	"github.com/echospec/echospec/detail"
	"github.com/echospec/echospec/diagnose"
	"github.com/echospec/echospec/props"
)

// reportTemplate is report.html: one self-contained page, inline CSS, no
// script and nothing fetched.
//
//go:embed report.html.tmpl
var reportTemplate string

var report = template.Must(template.New("report").Funcs(template.FuncMap{
	"points": points,
	"model":  describeModel,
	"anchor": anchor,
	"ids":    func(ids []string) string { return strings.Join(ids, " ") },
	"cents":  func(c int64) string { return points(float64(c) / 100) },
	// tr and markup are the catalogue's sentences, the kit's own text as
	// the template's literals were (some hold markup: <em>, <strong>);
	// their string arguments are escaped.
	"tr":     trHTML,
	"markup": trHTML,
	"runs":   runsText,
	// inLang and cause put what the suite and explain wrote (a failure's
	// first line, a cause's) into l; outcome and kind name an outcome.
	"inLang":  func(l props.Lang, s string) string { return detail.Headline(s, l) },
	"cause":   func(l props.Lang, s string) string { return detail.Cause(s, l) },
	"outcome": outcomeName,
	"kind":    func(l props.Lang, k string) string { return outcomeName(l, Outcome(k)) },
}).Parse(reportTemplate))

// trHTML is tr for the template: the sentence as markup, its string
// arguments escaped.
func trHTML(l props.Lang, key string, args ...any) template.HTML {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = template.HTMLEscapeString(s)
		}
	}
	return template.HTML(tr(l, key, args...))
}

// reportPage is what the template renders.
type reportPage struct {
	Lang      props.Lang
	Rubric    string
	MaxPoints float64
	Families  []reportFamily
	Subs      []reportSub
	Histogram []reportBin
	// NotJudgedCounted says whether a not-judged property scores 0 (the
	// rubric's not_judged = "failed") rather than being left out.
	NotJudgedCounted bool
}

// reportBin is one bar of the histogram: its share of the longest bar (a
// percentage) and the names it holds.
type reportBin struct {
	Bin
	Width int
	More  int // names beyond those shown
}

// binNames is how many names a bar of the histogram lists; the rest are
// counted.
const binNames = 12

type reportFamily struct{ Name, Title string }

// reportSub is one submission: a row of the table and a section below it.
type reportSub struct {
	Grade
	Cells    []reportCell
	Failures []reportFailure
	Advice   []reportFailure // failures of properties weighed 0: no points lost
	Skipped  []Line
	Partly   []Line // judged only in part, whatever their outcome
	Passed   []string
	// Reason is set when every spec failed for one reason; Detail is then
	// one failure's whole message, with the server's output, and
	// ReasonHint what to do when the reason is a cause the diagnosis knows.
	Reason, Detail, ReasonHint string
	Explain                    Explanation
	// Ignored and Overrun are the submission's, in the report's language.
	Ignored []string
	Overrun string
}

// reportCell is one submission × family: counts, in words and colour.
type reportCell struct {
	Class string // pass, fail, part, skip, na
	Text  string
}

// reportFailure is one failed property, split for reading: what the
// client saw, the hint, and the server's state and output.
type reportFailure struct {
	Line
	Message, Hint, Server string
	Cause                 int // its root cause's number in the section, 0 for none
	// Lost is the points it cost ("" for none); Advisory says it weighs
	// 0, NotCounted that the rubric leaves it out (not judged).
	Lost                 string
	Advisory, NotCounted bool
	Lang                 props.Lang // of the report
}

func reportHTML(r *Rubric, gs []Grade) ([]byte, error) {
	page := reportPage{Lang: r.Lang, Rubric: r.Name, MaxPoints: r.MaxPoints, NotJudgedCounted: r.NotJudged != "not_counted"}
	if page.Lang == "" { // a rubric made in Go, not by grade's flags
		page.Lang = props.En
	}
	for _, f := range props.Families {
		page.Families = append(page.Families, reportFamily{f.Name, props.FamilyTitle(f.Name, r.Lang)})
	}
	bins := histogram(r.MaxPoints, gs)
	most := 0
	for _, b := range bins {
		most = max(most, len(b.Names))
	}
	for i := len(bins) - 1; i >= 0; i-- { // the best scores first
		b := reportBin{Bin: bins[i]}
		if most > 0 {
			b.Width = len(b.Names) * 100 / most
		}
		if len(b.Names) > binNames {
			b.More, b.Names = len(b.Names)-binNames, b.Names[:binNames]
		}
		page.Histogram = append(page.Histogram, b)
	}
	for _, g := range gs {
		rs := reportSub{Grade: g, Explain: explain(r, g), Overrun: detail.Translate(g.Sub.Overrun, r.Lang)}
		for _, note := range g.Sub.Ignored {
			rs.Ignored = append(rs.Ignored, detail.Line(note, r.Lang))
		}
		for _, f := range props.Families {
			rs.Cells = append(rs.Cells, cell(g, f.Name))
		}
		if reason := g.Sub.Reason(); reason != "" {
			rs.Reason = detail.Headline(reason, r.Lang)
			rs.ReasonHint = diagnose.HintOf(reason, g.Sub.Model, r.Lang)
			for _, l := range g.Lines {
				if (l.Outcome == Failed || l.Outcome == NotJudged) && l.Detail != "" {
					rs.Detail = failureText(g.Sub.inFolderNames(l.Detail), r.Lang)
					break
				}
			}
		}
		lossOf := map[string]Loss{}
		for _, loss := range rs.Explain.Losses {
			lossOf[loss.ID] = loss
		}
		// failure is l as the section shows it: the cause, shown once
		// above, cut from its headline.
		failure := func(l Line, msg, hint, server string) reportFailure {
			f := reportFailure{Line: l, Message: msg, Hint: hint, Server: server, Advisory: r.Weight(l.Prop) == 0, NotCounted: !l.Outcome.counted(r), Lang: page.Lang}
			if loss, ok := lossOf[l.Prop.ID]; ok {
				f.Lost = loss.Points()
			}
			f.Cause = rs.Explain.CauseOf[l.Prop.ID]
			if f.Cause > 0 {
				head, rest, _ := strings.Cut(msg, "\n")
				head, _ = diagnose.SplitCause(head)
				f.Message = strings.TrimRight(head+"\n"+rest, "\n")
			}
			// In the report's language once the cause is cut (the suite's
			// English is what SplitCause reads).
			f.Message = failureText(f.Message, r.Lang)
			f.Server = detail.Labels(detail.Translate(f.Server, r.Lang), r.Lang)
			return f
		}
		add := func(f reportFailure) {
			if f.Advice {
				rs.Advice = append(rs.Advice, f)
			} else {
				rs.Failures = append(rs.Failures, f)
			}
		}
		for _, l := range g.Lines {
			if l.Partly != "" && rs.Reason == "" {
				rs.Partly = append(rs.Partly, l)
			}
			switch l.Outcome {
			case Failed, Unstable, TimedOut:
				if rs.Reason == "" {
					// The catalogue's hint, not the one in the message: a
					// grade.json merged later shows today's wording.
					msg, hint, server := splitDetail(g.Sub.inFolderNames(orText(l.Detail, l.Why)))
					add(failure(l, msg, orText(l.Prop.Hint, hint), server))
				}
			case NotJudged:
				if rs.Reason == "" {
					// The setup step's own hint, never the property's:
					// nothing was found wrong with the property.
					msg, hint, server := splitDetail(g.Sub.inFolderNames(orText(l.Detail, l.Why)))
					add(failure(l, msg, hint, server))
				}
			case Passed:
				rs.Passed = append(rs.Passed, l.Prop.ID)
			}
		}
		page.Subs = append(page.Subs, rs)
	}
	var b bytes.Buffer
	if err := report.Execute(&b, page); err != nil {
		return nil, fmt.Errorf("grade: rendering report.html: %w", err)
	}
	return b.Bytes(), nil
}

// cell sums up one family for one submission.
func cell(g Grade, family string) reportCell {
	l := g.Lang
	if g.Sub.Model == "" { // the manifest did not load
		return reportCell{"fail", tr(l, "r-not-run")}
	}
	n := g.Counts(family)
	counted := n[Passed] + n[Failed] + n[Unstable] + n[TimedOut] + n[NotJudged]
	switch {
	case counted == 0 && n[Skipped] > 0:
		return reportCell{"skip", tr(l, "r-skipped-count", n[Skipped])}
	case counted == 0:
		return reportCell{"na", outcomeName(l, NA)}
	}
	// The mark says in text what the colour says: ✓ all passed, ◐ some
	// failed, ✗ all failed; then passed/counted.
	text := fmt.Sprintf("%d/%d", n[Passed], counted)
	for _, o := range []Outcome{NotJudged, Unstable, TimedOut, Skipped} {
		if n[o] > 0 {
			text += tr(l, "r-outcome-count", n[o], outcomeName(l, o))
		}
	}
	advice := g.Advised(family)
	if advice > 0 {
		text += fmt.Sprintf(", %d advice (no points)", advice)
	}
	switch {
	case n[Passed] == counted:
		return reportCell{"pass", "✓ " + text}
	case n[Passed]+advice == counted:
		// What did not hold costs nothing: advice, not a failure.
		return reportCell{"advice", "ⓘ " + text}
	case n[Passed] == 0:
		return reportCell{"fail", "✗ " + text}
	}
	return reportCell{"part", "◐ " + text}
}

// splitDetail cuts a failure message, as the suite writes it, into what
// the client saw, the hint, and the server paragraph ("server NAME (pid
// …): state" and its output tails). A message in another shape is all
// message.
func splitDetail(d string) (msg, hint, server string) {
	lines := strings.Split(d, "\n")
	h, s := -1, -1
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if h < 0 && strings.HasPrefix(t, "hint: ") {
			h = i
		}
		if s < 0 && strings.HasPrefix(l, "  server ") {
			s = i
		}
	}
	end := len(lines)
	if s >= 0 {
		end = s
		server = strings.Join(lines[s:], "\n")
	}
	var keep []string
	for i, l := range lines[:end] {
		if i == h {
			hint = strings.TrimPrefix(strings.TrimSpace(l), "hint: ")
			continue
		}
		keep = append(keep, l)
	}
	return strings.TrimRight(strings.Join(keep, "\n"), "\n "), hint, dedent(server)
}

// dedent removes the indentation every non-empty line shares.
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	cut := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " "))
		if cut < 0 || n < cut {
			cut = n
		}
	}
	for i, l := range lines {
		if len(l) >= cut && cut > 0 {
			lines[i] = l[cut:]
		}
	}
	return strings.Join(lines, "\n")
}

// anchor is an id attribute value for a submission's section.
func anchor(name string) string {
	return "s-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, name)
}
