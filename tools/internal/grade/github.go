package grade

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/echospec/echospec/detail"
	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
)

// `grade github DIR` is the body of the GitHub Action (action.yml): it
// runs the suite on the one server in DIR and reports the way a workflow
// shows things: a job summary ($GITHUB_STEP_SUMMARY: families × verdict,
// then the first failure of each family in full), ::error annotations on
// echospec.toml (at most maxAnnotations, then one line saying how many
// more), and an exit status (1 when a property failed, 2 when nothing
// could be judged).

// maxAnnotations is how many ::error lines a run prints; GitHub shows at
// most 10 error annotations per step.
const maxAnnotations = 10

func githubMain(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("grade github", flag.ContinueOnError)
	patience := fs.Float64("patience", 2, "multiply every deadline by this factor (shared CI runners are slow)")
	timeout := fs.Duration("timeout", 15*time.Minute, "how long the suite may run")
	suite := fs.String("suite", "", "a compiled suite to run, instead of compiling one")
	seed := fs.Int64("seed", 0, "the suite's seed (default: from the clock; printed)")
	langFlag := fs.String("lang", "", "the language of the summary's texts and the suite's hints: en or zh (default: from $LC_ALL, $LC_MESSAGES or $LANG)")
	dirs, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(dirs) != 1 {
		return errors.New("grade github: give the one folder holding the server's echospec.toml")
	}
	lang, err := langOf(*langFlag)
	if err != nil {
		return fmt.Errorf("grade github: %w", err)
	}
	s := load(filepath.Base(dirs[0]), dirs[0], nil)
	tmp, err := os.MkdirTemp("", "echospec-github-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if s.Problem == "" {
		rn, err := newRunner(ctx, *suite, tmp, tmp, *patience, *timeout)
		if err != nil {
			return err
		}
		rn.configure(1, *seed, lang)
		fmt.Fprintln(stdout, tr(lang, "gh-seed", rn.seed, rn.seed))
		log := rn.gradeOne(ctx, s)
		fmt.Fprintln(stdout, "::group::"+tr(lang, "gh-group"))
		stdout.Write(log)
		fmt.Fprintln(stdout, "::endgroup::")
	}
	r, err := loadRubric("")
	if err != nil {
		return err
	}
	r.Lang = lang
	g := r.Grade(s)
	file := manifestPath(dirs[0])
	annotate(stdout, g, file)
	if sum := os.Getenv("GITHUB_STEP_SUMMARY"); sum != "" {
		f, err := os.OpenFile(sum, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("grade github: $GITHUB_STEP_SUMMARY: %w", err)
		}
		_, werr := io.WriteString(f, jobSummary(g))
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return fmt.Errorf("grade github: $GITHUB_STEP_SUMMARY: %w", werr)
		}
	}
	switch {
	case s.Reason() != "":
		fmt.Fprintln(stdout, tr(lang, "gh-nothing", detail.Headline(s.Reason(), lang)))
		return quietExit(2)
	case g.Faults() != "":
		fmt.Fprintln(stdout, tr(lang, "gh-issues", g.Issues()))
		return quietExit(1)
	case len(g.AdviceIDs()) > 0:
		fmt.Fprintln(stdout, tr(lang, "gh-passed-advice", describeModel(s), tr(lang, "advice-label"), strings.Join(g.AdviceIDs(), " ")))
		return nil
	}
	fmt.Fprintln(stdout, tr(lang, "gh-passed", describeModel(s)))
	return nil
}

// manifestPath is the manifest's path as GitHub wants it in an
// annotation: relative to the workspace when it is inside it.
func manifestPath(dir string) string {
	p := filepath.Join(dir, manifest.FileName)
	if ws := os.Getenv("GITHUB_WORKSPACE"); ws != "" {
		if abs, err := filepath.Abs(p); err == nil {
			if rel, err := filepath.Rel(ws, abs); err == nil && !strings.HasPrefix(rel, "..") {
				return filepath.ToSlash(rel)
			}
		}
	}
	return filepath.ToSlash(filepath.Clean(p))
}

// annotate prints an ::error line per failing property, at most
// maxAnnotations, then one saying how many more there are.
func annotate(w io.Writer, g Grade, file string) {
	type note struct{ title, msg string }
	var notes, advice []note
	l := g.Lang
	hintLine := func(h string) string { return "\n" + tr(l, "hint", h) }
	if reason := g.Sub.Reason(); reason != "" {
		notes = append(notes, note{tr(l, "gh-nothing-title"), detail.Headline(reason, l)})
	} else {
		for _, ln := range g.Lines {
			why := detail.Headline(ln.Why, l)
			if ln.Advised() {
				// Beyond the course: a warning, which fails no job.
				advice = append(advice, note{ln.Prop.Title() + tr(l, "g-aside", tr(l, "advice-label")), why + hintLine(ln.Prop.Hint)})
				continue
			}
			switch ln.Outcome {
			case Failed, TimedOut:
				notes = append(notes, note{ln.Prop.Title(), why + hintLine(ln.Prop.Hint)})
			case Unstable:
				notes = append(notes, note{tr(l, "gh-unstable-title", ln.Prop.Title()), tr(l, "gh-unstable-note", runsText(l, ln.Runs), why) + hintLine(ln.Prop.Hint)})
			case NotJudged:
				// The setup's hint, in its message; never the property's.
				_, hint, _ := splitDetail(ln.Detail)
				text := why
				if hint != "" {
					text += hintLine(hint)
				}
				notes = append(notes, note{tr(l, "gh-notjudged-title", ln.Prop.Title()), text})
			}
		}
	}
	for i, n := range notes {
		if i == maxAnnotations {
			fmt.Fprintf(w, "::error file=%s,title=%s::%s\n",
				escapeProperty(file), escapeProperty(tr(l, "gh-more-title")), tr(l, "gh-more", len(notes)-maxAnnotations))
			break
		}
		fmt.Fprintf(w, "::error file=%s,title=%s::%s\n", escapeProperty(file), escapeProperty(n.title), escapeData(n.msg))
	}
	for i, n := range advice {
		if i == maxAnnotations {
			break
		}
		fmt.Fprintf(w, "::warning file=%s,title=%s::%s\n", escapeProperty(file), escapeProperty(n.title), escapeData(n.msg))
	}
}

// escapeData and escapeProperty encode a workflow command's message and
// property values as the runner decodes them.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// jobSummary is the Markdown for $GITHUB_STEP_SUMMARY.
func jobSummary(g Grade) string {
	var b strings.Builder
	lang := g.Lang
	b.WriteString(tr(lang, "gh-title", g.Sub.Name, orDash(describeModel(g.Sub))) + "\n\n")
	if reason := g.Sub.Reason(); reason != "" {
		b.WriteString(tr(lang, "gh-nothing-md", mdCell(detail.Headline(reason, lang))) + "\n\n")
		for _, l := range g.Lines {
			if l.Detail != "" {
				fmt.Fprintf(&b, "```\n%s\n```\n", failureText(l.Detail, lang))
				break
			}
		}
		return b.String()
	}
	if g.Sub.Overrun != "" {
		b.WriteString(tr(lang, "overrun-md", mdCell(detail.Line(firstOf(g.Sub.Overrun), lang))) + "\n\n")
	}
	b.WriteString(tr(lang, "gh-table") + "\n|---|---|---:|---:|---|\n")
	var firsts []Line
	for _, f := range props.Families {
		n := g.Counts(f.Name)
		advice := g.Advised(f.Name)
		bad := n[Failed] + n[Unstable] + n[TimedOut] + n[NotJudged] - advice
		counted := n[Passed] + bad + advice
		if counted == 0 && n[Skipped] == 0 {
			continue // does not apply to the model
		}
		verdict := tr(lang, "gh-v-passed")
		switch {
		case bad > 0:
			verdict = tr(lang, "gh-v-failed")
		case advice > 0:
			verdict = tr(lang, "gh-v-advice")
		case counted == 0:
			verdict = tr(lang, "gh-v-skipped")
		}
		var other []string
		if advice > 0 {
			other = append(other, fmt.Sprintf("%d %s", advice, tr(lang, "advice-label")))
		}
		for _, o := range []Outcome{NotJudged, Unstable, TimedOut, Skipped} {
			if n[o] > 0 {
				other = append(other, fmt.Sprintf("%d %s", n[o], outcomeName(lang, o)))
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %s |\n", props.FamilyTitle(f.Name, g.Lang), verdict, n[Passed], bad, orDash(strings.Join(other, tr(lang, "list-sep"))))
		for _, l := range g.Lines {
			if l.Prop.Family == f.Name && (l.Outcome == Failed || l.Outcome == Unstable || l.Outcome == TimedOut || l.Outcome == NotJudged) {
				firsts = append(firsts, l)
				break
			}
		}
	}
	if len(firsts) > 0 {
		b.WriteString("\n" + tr(lang, "gh-firsts") + "\n")
		for _, l := range firsts {
			fmt.Fprintf(&b, "\n#### %s\n\n", mdCell(l.Prop.Title()))
			if l.Outcome == Unstable {
				b.WriteString(tr(lang, "gh-unstable", runsText(lang, l.Runs)) + "\n\n")
			}
			if l.Outcome == NotJudged {
				b.WriteString(tr(lang, "gh-notjudged") + "\n\n")
			}
			if l.Advised() {
				b.WriteString(tr(lang, "advice-note") + "\n\n")
			}
			text := orText(l.Detail, l.Why)
			if !strings.Contains(text, "hint: ") && l.Outcome != NotJudged {
				text += "\n  hint: " + l.Prop.Hint
			}
			fmt.Fprintf(&b, "```\n%s\n```\n", strings.ReplaceAll(failureText(text, lang), "```", "'''"))
		}
	}
	b.WriteString("\n" + tr(lang, "gh-score", points(g.Score), points(g.MaxPoints)) + "\n")
	return b.String()
}

// failureText is a failure's whole message, as the suite wrote it, in l:
// its lines and their labels.
func failureText(text string, l props.Lang) string {
	return detail.Labels(detail.Failure(text, l), l)
}
