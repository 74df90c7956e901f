package grade

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/echospec/echospec/detail"
	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/verdict"
)

// zhClass is a class whose failures are the suite's own: each shape of
// failure the fixture bank draws (detail/testdata), an unstable, a
// skipped, a not-judged and a timed-out property, a run stopped at its
// time limit, a key the course decided, a server that never listened and
// a manifest that does not load.
func zhClass(t *testing.T) []*Submission {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "detail", "testdata", "details.json"))
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	if err := json.Unmarshal(data, &details); err != nil {
		t.Fatal(err)
	}
	var subs []*Submission
	all := applicable("multiplex", 0, "select")
	for k := 0; k*len(all) < len(details); k++ {
		v := verdict.New("s", "multiplex")
		v.Runs = map[string]verdict.Runs{}
		for i, id := range all {
			d := details[(k*len(all)+i)%len(details)]
			head, _, _ := strings.Cut(d, "\n")
			switch i % 7 {
			case 1:
				v.Passed = append(v.Passed, id)
				continue
			case 2:
				v.Unstable = append(v.Unstable, id)
				v.Runs[id] = verdict.Runs{Ran: 3, Passed: 1}
			case 3:
				v.NotJudged = append(v.NotJudged, id)
			case 4:
				v.TimedOut = append(v.TimedOut, id)
				continue
			case 5:
				v.Skip[id] = "needs Linux's /proc to check CPU time (this is darwin)"
				continue
			default:
				v.Failed = append(v.Failed, id)
			}
			v.Why[id], v.Detail[id] = head, d+"\n  hint: "+props.Get(id).In(props.Zh).Hint
		}
		// What grade writes: numbers that change from run to run scrubbed.
		scrub(&v, 0)
		subs = append(subs, &Submission{Name: fmt.Sprintf("s%02d", k), Dir: "class/s", Model: "multiplex", Mechanism: "select", Code: props.Python,
			Verdict: v, Overrun: "the suite did not finish within 10m0s and was stopped; what had not finished is timed out; see out/logs/s.log",
			Ignored: []string{`echospec.toml sets model = "single", but model is the course's to decide (its manifest, teacher/echospec.toml), so it is not used.`}})
	}
	never := "never-listens: the server did not listen on port 45605 within 2s (it is running (last printed: \"ready!\")); check that it binds the port given as {port} or $PORT (or the manifest's port = N) and calls listen()"
	nv := verdict.New("never", "single")
	nv.Reason = never
	for _, id := range applicable("single", 0, "") {
		nv.Failed = append(nv.Failed, id)
		nv.Why[id], nv.Detail[id] = never, never+"\n      | ready!"
	}
	scrub(&nv, 0)
	subs = append(subs, &Submission{Name: "never", Dir: "class/never", Model: "single", Verdict: nv})
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, manifest.FileName), []byte("model = \"threads\"\ncommand = [\"python3\", \"server.py\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = manifest.Load(bad)
	subs = append(subs, &Submission{Name: "broken", Dir: "class/broken", Problem: "the manifest does not load: " + err.Error(), Verdict: verdict.New("broken", "")})
	return subs
}

// TestChineseOutputsHaveNoEnglishSentence: for a class graded in Chinese,
// the job summary and its annotations, report.html's text, summary.md and
// results.json's outputs hold no English sentence (code, numbers, IDs,
// paths and the server's quoted output aside).
func TestChineseOutputsHaveNoEnglishSentence(t *testing.T) {
	r := defaultRubricT(t)
	r.Lang = props.Zh
	subs := zhClass(t)
	gs := gradesOf(r, subs)
	texts := map[string]string{}
	for _, g := range gs {
		var ann strings.Builder
		annotate(&ann, g, "class/echospec.toml")
		texts["annotations of "+g.Sub.Name] = strings.NewReplacer("%0A", "\n", "%3A", ":", "%2C", ",").Replace(ann.String())
		texts["job summary of "+g.Sub.Name] = jobSummary(g)
		res := gradescopeResults(r, g)
		var b strings.Builder
		b.WriteString(res.Output + "\n")
		for _, tc := range res.Tests {
			b.WriteString(tc.Name + "\n" + tc.Output + "\n")
		}
		texts["results.json of "+g.Sub.Name] = b.String()
	}
	page, err := reportHTML(r, gs)
	if err != nil {
		t.Fatal(err)
	}
	texts["report.html"] = htmlText(string(page))
	texts["summary.md"] = string(summaryMD(r, gs))
	for name, text := range texts {
		for _, line := range strings.Split(text, "\n") {
			line = strings.TrimPrefix(line, "::error file=class/echospec.toml,title=")
			if e := detail.English(line); e != "" {
				t.Errorf("%s: English (%q) in the line\n%s", name, e, line)
			}
		}
	}
	// The English outputs stay the suite's words.
	r.Lang = props.En
	if s := jobSummary(r.Grade(subs[0])); !strings.Contains(s, "The first failure of each family") {
		t.Errorf("the English job summary lost its heading:\n%s", s)
	}
}

var (
	styleBlock = regexp.MustCompile(`(?s)<style>.*?</style>`)
	tag        = regexp.MustCompile(`<[^>]*>`)
)

// htmlText is the text a reader of page sees, a line per line of markup.
func htmlText(page string) string {
	return html.UnescapeString(tag.ReplaceAllString(styleBlock.ReplaceAllString(page, ""), ""))
}

// TestHelpInChinese: grade --help with LANG=zh_CN.UTF-8 (or --lang zh)
// words its usage and every flag in Chinese; in English it is as before.
func TestHelpInChinese(t *testing.T) {
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "zh_CN.UTF-8")
	var b strings.Builder
	fs := flag.NewFlagSet("grade", flag.ContinueOnError)
	fs.SetOutput(&b)
	fs.String("out", "out/class", "the folder the outputs go to")
	fs.Bool("expect", false, "exit non-zero unless ...")
	printUsage(fs, []string{"--help"})
	for _, line := range strings.Split(b.String(), "\n") {
		if e := detail.English(line); e != "" {
			t.Errorf("grade --help under LANG=zh_CN.UTF-8: English (%q) in %q", e, line)
		}
	}
	for name := range zhHelp {
		if !strings.Contains(gradeFlagNames(t), " "+name+" ") {
			t.Errorf("zhHelp has %q, which is no flag of grade", name)
		}
	}
	b.Reset()
	printUsage(fs, []string{"--lang", "en", "--help"})
	if !strings.HasPrefix(b.String(), usage) {
		t.Errorf("grade --lang en --help:\n%s", b.String())
	}
}

// gradeFlagNames are grade's flags, each between spaces, as its --help
// in English lists them.
func gradeFlagNames(t *testing.T) string {
	t.Helper()
	t.Setenv("LANG", "C")
	old := os.Stderr
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	os.Stderr = w
	_ = gradeMain(context.Background(), []string{"--help"})
	w.Close()
	os.Stderr = old
	out, _ := io.ReadAll(r)
	names := " "
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z-]+)`).FindAllStringSubmatch(string(out), -1) {
		names += m[1] + " "
	}
	return names
}
