package check

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/echospec/echospec/detail"
	"github.com/echospec/echospec/diagnose"
	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
)

// Exit statuses.
const (
	exitPass   = 0 // every property checked passed, or only advisory ones did not
	exitFail   = 1 // a property the course teaches failed, or was not judged
	exitBroken = 2 // the manifest is invalid, or the server cannot be built or started
	// A run stopped by a signal exits as a shell says a command ended by
	// it did, 128 + its number (130 for Ctrl-C), whatever it had found.
)

// selection is what a run checks: the properties that apply to the
// target and that --only and --family chose.
type selection struct {
	ids      map[string]bool // --only, upper case; empty: any
	families map[string]bool // --family; empty: any
}

func (s selection) any() bool { return len(s.ids) == 0 && len(s.families) == 0 }

func (s selection) has(p props.Property) bool {
	return s.any() || s.ids[p.ID] || s.families[p.Family]
}

// filter is the suite's label filter for the selection.
func (s selection) filter() string {
	var terms []string
	for _, p := range props.All() {
		if s.ids[p.ID] {
			terms = append(terms, "id:"+p.ID)
		}
	}
	for _, f := range props.Families {
		if s.families[f.Name] {
			terms = append(terms, "family:"+f.Name)
		}
	}
	return strings.Join(terms, " || ")
}

// applicable lists the selected properties that apply to tg, in catalogue
// order.
func (s selection) applicable(tg *manifest.Target) []props.Property {
	var out []props.Property
	for _, p := range props.All() {
		if s.has(p) && p.Applies(tg.Model, tg.Pool, tg.Mechanism) {
			out = append(out, p)
		}
	}
	return out
}

// report writes the end of a run: a line per family, then each failure
// once, in full; it returns the exit status.
func report(w io.Writer, l props.Lang, tg *manifest.Target, sel selection, r result) int {
	if r.v == nil {
		fmt.Fprintln(w, msg(l, "no-verdict", r.err))
		fmt.Fprintln(w, indent(tail(r.log, 15), "    | "))
		return exitBroken
	}
	v := r.v
	if v.Reason != "" {
		fmt.Fprintln(w)
		rootHint := diagnose.HintOf(v.Reason, tg.Model, l)
		if rootHint != "" {
			fmt.Fprintln(w, msg(l, "root-cause-all", tg.Name))
		} else {
			fmt.Fprintln(w, msg(l, "cannot-run", tg.Name))
		}
		fmt.Fprintln(w, "  "+translateHead(l, v.Reason))
		// Every spec failed with the same message; its whole text (the
		// build's or the server's output) is shown once.
		for _, id := range append(append([]string{}, v.Failed...), v.NotJudged...) {
			if d := v.Detail[id]; d != "" {
				if _, rest, ok := strings.Cut(d, "\n"); ok {
					rest, outs := splitOutput(id, rest)
					if strings.TrimSpace(rest) != "" {
						fmt.Fprintln(w, relabel(l, rest, "  "))
					}
					if len(outs) > 0 {
						writeOutput(w, l, outs)
					}
				}
				break
			}
		}
		step := props.SetupStart
		if strings.Contains(v.Reason, ": the build ") || strings.Contains(v.Reason, ": cannot start the build ") {
			step = props.SetupBuild // launch.Build's words
		}
		if rootHint == "" {
			rootHint = props.SetupHint(step, l)
		}
		fmt.Fprintln(w, "  "+label(l, "hint")+rootHint)
		return exitBroken
	}
	fmt.Fprintln(w)
	passed, failed, notJudged := set(v.Passed), set(v.Failed), set(v.NotJudged)
	ps := sel.applicable(tg)
	nPass, nFail, nSkip, nNotJudged, nNotRun := 0, 0, 0, 0, 0
	var advice []string // advisory properties that failed or were not judged
	for _, f := range props.Families {
		var pass int
		var fail, skip, notRun, unjudged, advised []string
		inFamily := 0
		for _, p := range ps {
			if p.Family != f.Name {
				continue
			}
			inFamily++
			switch {
			case passed[p.ID]:
				pass++
			case (failed[p.ID] || notJudged[p.ID]) && p.Advisory():
				advised = append(advised, p.ID)
			case failed[p.ID]:
				fail = append(fail, p.ID)
			case notJudged[p.ID]:
				unjudged = append(unjudged, p.ID)
			case v.Skip[p.ID] != "":
				skip = append(skip, msg(l, "skip-item", p.ID, detail.Line(v.Skip[p.ID], l)))
			default:
				notRun = append(notRun, p.ID)
			}
		}
		nPass, nFail, nSkip, nNotJudged, nNotRun = nPass+pass, nFail+len(fail), nSkip+len(skip), nNotJudged+len(unjudged), nNotRun+len(notRun)
		advice = append(advice, advised...)
		title := fmt.Sprintf("%-7s %s", f.Name, props.FamilyTitle(f.Name, l))
		if inFamily == 0 {
			if sel.any() {
				fmt.Fprintf(w, "  - %s  %s\n", pad(title, 34), msg(l, "fam-na", tg.Model))
			}
			continue
		}
		mark := "✓"
		var parts []string
		if pass > 0 {
			parts = append(parts, msg(l, "fam-passed", pass))
		}
		if len(fail) > 0 {
			mark = "✗"
			parts = append(parts, msg(l, "fam-failed", len(fail), strings.Join(fail, " ")))
		}
		if len(unjudged) > 0 {
			mark = "✗"
			parts = append(parts, msg(l, "fam-notjudged", len(unjudged), strings.Join(unjudged, " ")))
		}
		if len(advised) > 0 {
			if mark == "✓" {
				mark = "i"
			}
			parts = append(parts, msg(l, "fam-advice", len(advised), strings.Join(advised, " ")))
		}
		if len(skip) > 0 {
			if mark == "✓" && pass == 0 {
				mark = "-"
			}
			parts = append(parts, msg(l, "fam-skipped", len(skip), strings.Join(skip, msg(l, "parts-sep"))))
		}
		if len(notRun) > 0 {
			if mark == "✓" {
				mark = "?"
			}
			parts = append(parts, msg(l, "fam-notrun", len(notRun), strings.Join(notRun, " ")))
		}
		fmt.Fprintf(w, "  %s %s  %s\n", mark, pad(title, 34), strings.Join(parts, msg(l, "parts-sep")))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, msg(l, "summary", tg.Name, describe(tg), nPass, nFail, nSkip, r.elapsed.Round(100*time.Millisecond)))
	if nNotJudged > 0 {
		fmt.Fprintln(w, msg(l, "not-judged-count", nNotJudged))
	}
	if len(advice) > 0 {
		fmt.Fprintln(w, msg(l, "advice-count", len(advice)))
	}
	writePartly(w, l, ps, v)
	if nFail+nNotJudged == 0 && nNotRun > 0 {
		// The suite ended before them: nothing says they pass.
		fmt.Fprintln(w, msg(l, "not-all-run", nNotRun))
		fmt.Fprintln(w, indent(tail(r.log, 15), "    | "))
		return exitBroken
	}
	if nFail+nNotJudged+len(advice) == 0 {
		fmt.Fprintln(w, msg(l, "all-passed"))
		return exitPass
	}
	causes := rootCauses(w, l, tg, ps, v)
	// The server's output is shown once, after the failures: that of the
	// first failure whose server printed something.
	var outs []serverOutput
	each := func(advisory bool) {
		for _, p := range ps {
			if (failed[p.ID] || notJudged[p.ID]) && p.Advisory() == advisory {
				fmt.Fprintln(w)
				d := v.Detail[p.ID]
				if causes[p.ID] > 0 { // the cause's hint is shown once, above
					d = dropHint(d) + "\n  hint: " + msg(l, "hint-of-cause", causes[p.ID])
				}
				if o := failure(w, l, p, props.CodeOf(tg.Command, tg.Build), d, notJudged[p.ID]); len(outs) == 0 {
					outs = o
				}
			}
		}
	}
	if nFail+nNotJudged > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, msg(l, "failures", nFail+nNotJudged))
		each(false)
	}
	if len(advice) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, msg(l, "advice", len(advice)))
		each(true)
	}
	fmt.Fprintln(w)
	writeOutput(w, l, outs)
	if nFail+nNotJudged > 0 {
		return exitFail
	}
	// Only advice did not hold: the student's server does all the course
	// asks, and the last line says so, and why the status is 0.
	fmt.Fprintln(w)
	fmt.Fprintln(w, msg(l, "advice-only", strings.Join(advice, " ")))
	return exitPass
}

// writePartly lists the properties judged only in part, each with what
// its spec left out and why (the suite's words), so that a pass there is
// not read as more than it is.
func writePartly(w io.Writer, l props.Lang, ps []props.Property, v *verdict) {
	var lines []string
	for _, p := range ps {
		if left := v.Partly[p.ID]; left != "" {
			lines = append(lines, fmt.Sprintf("  %s: %s", p.ID, left))
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w, msg(l, "partly-count", len(lines)))
	for _, line := range lines {
		fmt.Fprintln(w, line)
	}
}

// rootCauses writes each root cause the suite named (the line its
// failures carry below their headline), once, with the IDs it explains
// and its hint, and returns each of those IDs' cause number (from 1).
func rootCauses(w io.Writer, l props.Lang, tg *manifest.Target, ps []props.Property, v *verdict) map[string]int {
	type group struct {
		line string
		ids  []string
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, p := range ps {
		line := causeLine(v.Detail[p.ID])
		if !(slices.Contains(v.Failed, p.ID) || slices.Contains(v.NotJudged, p.ID)) || line == "" {
			continue
		}
		key := diagnose.Group(line)
		if byKey[key] == nil {
			byKey[key] = &group{line: line}
			groups = append(groups, byKey[key])
		}
		byKey[key].ids = append(byKey[key].ids, p.ID)
	}
	out := map[string]int{}
	if len(groups) == 0 {
		return out
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, msg(l, "root-causes", len(groups)))
	for i, g := range groups {
		fmt.Fprintf(w, "  (%d) %s\n", i+1, detail.Cause(g.line, l))
		fmt.Fprintf(w, "      %s%s\n", label(l, "explains"), strings.Join(g.ids, " "))
		fmt.Fprintf(w, "      %s%s\n", label(l, "hint"), diagnose.HintOf(g.line, tg.Model, l))
		for _, id := range g.ids {
			out[id] = i + 1
		}
	}
	return out
}

// causeLine is the root cause a failure's headline (its detail's first
// line) names, or "".
func causeLine(detail string) string {
	head, _, _ := strings.Cut(detail, "\n")
	_, cause := diagnose.SplitCause(head)
	return cause
}

// dropHint removes a failure's hint line, and what continues it.
func dropHint(detail string) string {
	lines := strings.Split(detail, "\n")
	out := lines[:0]
	for _, line := range lines {
		if !strings.HasPrefix(line, "  hint: ") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// failure writes one failure in full: the requirement, what happened,
// what was sent and received, the hint and the tutorial's sentence the
// property comes from. For a property not judged (its setup failed), the
// hint is the setup's, in the message, never the property's. It returns
// the server's output the detail held, which the report shows once for
// the run.
func failure(w io.Writer, l props.Lang, p props.Property, code props.Code, text string, notJudged bool) []serverOutput {
	q := p.InCode(l, code)
	mark := "✗"
	if p.Advisory() {
		mark = "i"
	}
	fmt.Fprintf(w, "%s %s  %s\n", mark, p.ID, q.Requirement)
	if notJudged {
		fmt.Fprintln(w, "  "+msg(l, "not-judged"))
	}
	head, rest, _ := strings.Cut(strings.TrimSpace(text), "\n")
	head, cause := diagnose.SplitCause(head)
	fmt.Fprintf(w, "  %s%s\n", label(l, "happened"), translateHead(l, head))
	if cause != "" {
		fmt.Fprintf(w, "  %s%s\n", pad(msg(l, "cause"), 10), detail.Cause(cause, l))
	}
	rest, outs := splitOutput(p.ID, rest)
	if strings.TrimSpace(rest) != "" {
		fmt.Fprintln(w, relabel(l, rest, ""))
	}
	if !strings.Contains(rest, "hint: ") && !notJudged {
		fmt.Fprintf(w, "  %s%s\n", label(l, "hint"), q.Hint)
	}
	if s := p.Source(l); s != "" {
		fmt.Fprintf(w, "  %s%s\n", label(l, "tutorial"), s)
	}
	return outs
}

// label is the label key in l, followed by a space unless it ends with a
// full-width colon.
func label(l props.Lang, key string) string {
	s := msg(l, key)
	if strings.HasSuffix(s, "：") {
		return s
	}
	return s + " "
}

// translateHead puts a failure's first line (without its cause) into l.
func translateHead(l props.Lang, head string) string { return detail.Headline(head, l) }

// relabel puts the labels of a failure's lines (want:, sent:, hint:)
// into l, indenting every line by more.
func relabel(l props.Lang, rest, more string) string {
	lines := strings.Split(detail.Translate(rest, l), "\n")
	for i, line := range lines {
		trimmed := strings.TrimLeft(line, " ")
		ind := line[:len(line)-len(trimmed)]
		for _, k := range []string{"want", "sent", "received", "hint"} {
			if after, ok := strings.CutPrefix(trimmed, k+":"); ok {
				trimmed = pad(msg(l, k), 10) + strings.TrimLeft(after, " ")
				break
			}
		}
		lines[i] = more + ind + trimmed
	}
	return strings.Join(lines, "\n")
}

func describe(tg *manifest.Target) string {
	return manifest.DescribeModel(tg.Model, tg.Pool, tg.Mechanism)
}

// columns is how many terminal columns s takes: two for a Chinese
// character.
func columns(s string) int {
	return len([]rune(s)) + len([]rune(s)) - len([]rune(fitASCII(s)))
}

// pad pads s with spaces to cols terminal columns.
func pad(s string, cols int) string {
	w := columns(s)
	if w >= cols {
		return s
	}
	return s + strings.Repeat(" ", cols-w)
}

// fitASCII keeps the runes of s that take one column.
func fitASCII(s string) string {
	var b strings.Builder
	for _, r := range s {
		if fit(string(r), 1) != "" {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func set(ids []string) map[string]bool {
	m := map[string]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// tail is the last n non-empty lines of s.
func tail(s string, n int) string {
	lines := slices.DeleteFunc(strings.Split(strings.TrimSpace(s), "\n"), func(l string) bool { return strings.TrimSpace(l) == "" })
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func indent(s, prefix string) string {
	if s == "" {
		return prefix
	}
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
