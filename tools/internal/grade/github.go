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
	langFlag := fs.String("lang", "en", "the language of the summary's texts and the suite's hints: en or zh")
	dirs, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(dirs) != 1 {
		return errors.New("grade github: give the one folder holding the server's echospec.toml")
	}
	lang, ok := props.ParseLang(*langFlag)
	if !ok {
		return fmt.Errorf("grade github: --lang %q: the kit speaks en and zh", *langFlag)
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
		fmt.Fprintf(stdout, "echospec: seed %d (--seed %d runs the same order and payloads)\n", rn.seed, rn.seed)
		log := rn.gradeOne(ctx, s)
		fmt.Fprintln(stdout, "::group::the suite's output")
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
		fmt.Fprintf(stdout, "echospec: nothing could be judged: %s\n", s.Reason())
		return quietExit(2)
	case g.Faults() != "":
		fmt.Fprintf(stdout, "echospec: %s\n", g.Issues())
		return quietExit(1)
	case len(g.AdviceIDs()) > 0:
		fmt.Fprintf(stdout, "echospec: every property the course teaches passed (%s); %s: %s\n", describeModel(s), adviceLabel, strings.Join(g.AdviceIDs(), " "))
		return nil
	}
	fmt.Fprintf(stdout, "echospec: every property passed (%s)\n", describeModel(s))
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
	if reason := g.Sub.Reason(); reason != "" {
		notes = append(notes, note{"echospec: nothing could be judged", reason})
	} else {
		for _, l := range g.Lines {
			if l.Advised() {
				// Beyond the course: a warning, which fails no job.
				advice = append(advice, note{l.Prop.Title() + " (" + adviceLabel + ")", l.Why + "\nhint: " + l.Prop.Hint})
				continue
			}
			switch l.Outcome {
			case Failed, TimedOut:
				notes = append(notes, note{l.Prop.Title(), l.Why + "\nhint: " + l.Prop.Hint})
			case Unstable:
				notes = append(notes, note{l.Prop.Title() + " (unstable)", l.Runs.String() + ": " + l.Why + "\nhint: " + l.Prop.Hint})
			case NotJudged:
				// The setup's hint, in its message; never the property's.
				_, hint, _ := splitDetail(l.Detail)
				msg := l.Why
				if hint != "" {
					msg += "\nhint: " + hint
				}
				notes = append(notes, note{l.Prop.Title() + " (not judged)", msg})
			}
		}
	}
	for i, n := range notes {
		if i == maxAnnotations {
			fmt.Fprintf(w, "::error file=%s,title=%s::%d more properties failed; the job summary lists them all\n",
				escapeProperty(file), escapeProperty("echospec: and more"), len(notes)-maxAnnotations)
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
	fmt.Fprintf(&b, "## echospec: %s (%s)\n\n", g.Sub.Name, orDash(describeModel(g.Sub)))
	if reason := g.Sub.Reason(); reason != "" {
		fmt.Fprintf(&b, "**Nothing could be judged:** %s\n\n", mdCell(reason))
		for _, l := range g.Lines {
			if l.Detail != "" {
				fmt.Fprintf(&b, "```\n%s\n```\n", l.Detail)
				break
			}
		}
		return b.String()
	}
	if g.Sub.Overrun != "" {
		fmt.Fprintf(&b, "**Stopped at its time limit:** %s\n\n", mdCell(firstOf(g.Sub.Overrun)))
	}
	b.WriteString("| family | verdict | passed | failed | other |\n|---|---|---:|---:|---|\n")
	var firsts []Line
	for _, f := range props.Families {
		n := g.Counts(f.Name)
		advice := g.Advised(f.Name)
		bad := n[Failed] + n[Unstable] + n[TimedOut] + n[NotJudged] - advice
		counted := n[Passed] + bad + advice
		if counted == 0 && n[Skipped] == 0 {
			continue // does not apply to the model
		}
		verdict := "✅ passed"
		switch {
		case bad > 0:
			verdict = "❌ failed"
		case advice > 0:
			verdict = "💡 advice (no points)"
		case counted == 0:
			verdict = "⏭ skipped"
		}
		var other []string
		if advice > 0 {
			other = append(other, fmt.Sprintf("%d %s", advice, adviceLabel))
		}
		for _, o := range []Outcome{NotJudged, Unstable, TimedOut, Skipped} {
			if n[o] > 0 {
				other = append(other, fmt.Sprintf("%d %s", n[o], o))
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %s |\n", props.FamilyTitle(f.Name, g.Lang), verdict, n[Passed], bad, orDash(strings.Join(other, ", ")))
		for _, l := range g.Lines {
			if l.Prop.Family == f.Name && (l.Outcome == Failed || l.Outcome == Unstable || l.Outcome == TimedOut || l.Outcome == NotJudged) {
				firsts = append(firsts, l)
				break
			}
		}
	}
	if len(firsts) > 0 {
		b.WriteString("\n### The first failure of each family\n")
		for _, l := range firsts {
			fmt.Fprintf(&b, "\n#### %s\n\n", mdCell(l.Prop.Title()))
			if l.Outcome == Unstable {
				fmt.Fprintf(&b, "Unstable: %s.\n\n", l.Runs)
			}
			if l.Outcome == NotJudged {
				b.WriteString("Not judged: a step that only sets this property up failed.\n\n")
			}
			if l.Advised() {
				b.WriteString(adviceNote + "\n\n")
			}
			msg := orText(l.Detail, l.Why)
			if !strings.Contains(msg, "hint: ") && l.Outcome != NotJudged {
				msg += "\n  hint: " + l.Prop.Hint
			}
			fmt.Fprintf(&b, "```\n%s\n```\n", strings.ReplaceAll(msg, "```", "'''"))
		}
	}
	fmt.Fprintf(&b, "\nScore with the default rubric: %s / %s.\n", points(g.Score), points(g.MaxPoints))
	return b.String()
}
