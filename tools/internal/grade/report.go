package grade

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"

	"github.com/echospec/echospec/detail"
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
	"tr":     func(l props.Lang, key string, args ...any) string { return tr(l, key, args...) },
	// markup is for the catalogue's sentences that hold markup (<em>):
	// the sentence is the kit's own, and its string arguments are escaped.
	"markup": func(l props.Lang, key string, args ...any) template.HTML {
		for i, a := range args {
			if s, ok := a.(string); ok {
				args[i] = template.HTMLEscapeString(s)
			}
		}
		return template.HTML(tr(l, key, args...))
	},
	"runs": runsText,
}).Parse(reportTemplate))

// reportPage is what the template renders.
type reportPage struct {
	Lang      props.Lang
	Rubric    string
	MaxPoints float64
	Families  []reportFamily
	Subs      []reportSub
}

type reportFamily struct{ Name, Title string }

// reportSub is one submission: a row of the table and a section below it.
type reportSub struct {
	Grade
	Cells    []reportCell
	Failures []reportFailure
	Skipped  []Line
	Passed   []string
	// Reason is set when every spec failed for one reason; Detail is then
	// one failure's whole message, with the server's output.
	Reason, Detail string
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
}

func reportHTML(r *Rubric, gs []Grade) ([]byte, error) {
	page := reportPage{Lang: r.Lang, Rubric: r.Name, MaxPoints: r.MaxPoints}
	if page.Lang == "" { // a rubric made in Go, not by grade's flags
		page.Lang = props.En
	}
	for _, f := range props.Families {
		page.Families = append(page.Families, reportFamily{f.Name, props.FamilyTitle(f.Name, r.Lang)})
	}
	for _, g := range gs {
		rs := reportSub{Grade: g, Overrun: detail.Translate(g.Sub.Overrun, r.Lang)}
		for _, note := range g.Sub.Ignored {
			rs.Ignored = append(rs.Ignored, detail.Line(note, r.Lang))
		}
		for _, f := range props.Families {
			rs.Cells = append(rs.Cells, cell(g, f.Name))
		}
		if reason := g.Sub.Reason(); reason != "" {
			rs.Reason = detail.Headline(reason, r.Lang)
			for _, l := range g.Lines {
				if (l.Outcome == Failed || l.Outcome == NotJudged) && l.Detail != "" {
					rs.Detail = failureText(l.Detail, r.Lang)
					break
				}
			}
		}
		for _, l := range g.Lines {
			switch l.Outcome {
			case Failed, Unstable, TimedOut:
				if rs.Reason == "" {
					// The catalogue's hint, not the one in the message: a
					// grade.json merged later shows today's wording.
					msg, hint, server := splitDetail(orText(l.Detail, l.Why))
					rs.Failures = append(rs.Failures, reportFailure{Line: l, Message: failureText(msg, r.Lang), Hint: orText(l.Prop.Hint, hint), Server: detail.Labels(detail.Translate(server, r.Lang), r.Lang)})
				}
			case NotJudged:
				if rs.Reason == "" {
					// The setup step's own hint, never the property's:
					// nothing was found wrong with the property.
					msg, hint, server := splitDetail(orText(l.Detail, l.Why))
					rs.Failures = append(rs.Failures, reportFailure{Line: l, Message: failureText(msg, r.Lang), Hint: hint, Server: detail.Labels(detail.Translate(server, r.Lang), r.Lang)})
				}
			case Skipped:
				l.Why = detail.Line(l.Why, r.Lang)
				rs.Skipped = append(rs.Skipped, l)
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
	switch {
	case n[Passed] == counted:
		return reportCell{"pass", "✓ " + text}
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
