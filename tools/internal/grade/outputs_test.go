package grade

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"html/template"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/verdict"
)

func defaultRubricT(t *testing.T) *Rubric {
	t.Helper()
	r, err := parseRubric(DefaultRubricFile, defaultRubric)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// readTree maps every file below dir to its bytes.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGradesCSV(t *testing.T) {
	r := defaultRubricT(t)
	out := t.TempDir()
	if err := writeAll(out, r, canned(), ""); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(out, "grades.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := "submission,model,score,max_score,passed,failed,unstable,timed_out,skipped,failed_ids,unstable_ids,timed_out_ids,reason,not_judged,not_judged_ids,scored_on,points_lost,advice,advice_ids"
	if strings.Join(rows[0], ",") != head {
		t.Errorf("header = %v; want %s", rows[0], head)
	}
	if len(rows) != 1+6 {
		t.Fatalf("%d rows; want a header and one per submission, 7", len(rows))
	}
	mt, sel, single := len(applicable("multithread", 0, "")), len(applicable("multiplex", 0, "select")), len(applicable("single", 0, ""))
	n := strconv.Itoa
	want := map[string][]string{
		"alice": {"alice", "multithread", "100", "100", n(mt), "0", "0", "0", "0", "", "", "", ""},
		"bob":   {"bob", "multiplex", "", "100", n(sel - 1), "1", "0", "0", "0", "ECHO-4", "", "", ""},
		"dave":  {"dave", "single", "100", "100", n(single - 1), "0", "0", "0", "1", "", "", "", ""},
		"erin":  {"erin", "single", "0", "100", "0", n(single), "0", "0", "0", "", "", "", "never-listens: the server did not listen on the port the kit chose within 2s"},
		"frank": {"frank", "", "0", "100", "0", "0", "0", "0", "0", "", "", "", `the manifest does not load: class/frank/echospec.toml: key "model" "threads" is not a model`},
	}
	// What was scored and lost, as report.html explains it.
	lost := map[string]string{"alice": "", "dave": "", "frank": "all:100"}
	for _, row := range rows[1:] {
		if l, ok := lost[row[0]]; ok && row[16] != l {
			t.Errorf("%s: points_lost = %q; want %q", row[0], row[16], l)
		}
		if row[0] == "bob" {
			e := explain(r, r.Grade(canned()[1]))
			if row[15] != strconv.Itoa(e.Scored) || row[16] != "ECHO-4:"+e.Losses[0].Points() {
				t.Errorf("bob: scored_on %s, points_lost %q; want %d, ECHO-4:%s", row[15], row[16], e.Scored, e.Losses[0].Points())
			}
		}
	}
	for _, row := range rows[1:] {
		w, ok := want[row[0]]
		if !ok {
			continue
		}
		for i := range w {
			if w[i] == "" && (i == 2 || i == 9) {
				continue // checked elsewhere
			}
			if row[i] != w[i] {
				t.Errorf("%s: %s = %q; want %q", row[0], rows[0][i], row[i], w[i])
			}
		}
	}
}

func TestJUnit(t *testing.T) {
	data := junitXML(gradesOf(defaultRubricT(t), canned()))
	var got junitSuites
	if err := xml.Unmarshal(data, &got); err != nil {
		t.Fatalf("junit.xml does not parse: %v\n%s", err, data)
	}
	if len(got.Suites) != 6 {
		t.Fatalf("%d testsuites; want one per submission, 6", len(got.Suites))
	}
	bob := got.Suites[1]
	all, sel := len(props.All()), len(applicable("multiplex", 0, "select"))
	if bob.Name != "bob" || bob.Tests != all || bob.Failures != 1 || bob.Skipped != all-sel {
		t.Errorf("bob's testsuite: %s, %d tests, %d failures, %d skipped; want bob, %d, 1, %d (the n.a. properties)", bob.Name, bob.Tests, bob.Failures, bob.Skipped, all, all-sel)
	}
	for _, c := range bob.Cases {
		switch {
		case strings.HasPrefix(c.Name, "[ECHO-4]"):
			if c.Failure == nil || c.Failure.Message != "expected the same bytes back" || !strings.Contains(c.Failure.Body, "received: 65,536 bytes") || !strings.Contains(c.Failure.Body, "<script>") {
				t.Errorf("ECHO-4's failure = %+v; want the first line as message and the whole detail as body", c.Failure)
			}
		case strings.HasPrefix(c.Name, "[SERIAL-1]"):
			if c.Skipped == nil || !strings.Contains(c.Skipped.Message, "does not apply to the multiplex") {
				t.Errorf("SERIAL-1 for a multiplex server = %+v; want skipped as not applying", c)
			}
		}
	}
	if frank := got.Suites[5]; frank.Failures != 1 || frank.Cases[0].Name != "echospec.toml loads" {
		t.Errorf("frank's testsuite has %d failures, first case %q; want 1, the manifest's", frank.Failures, frank.Cases[0].Name)
	}
	if got.Tests != 6*all+1 {
		t.Errorf("testsuites tests=%d; want %d", got.Tests, 6*all+1)
	}
}

func gradesOf(r *Rubric, subs []*Submission) []Grade {
	var gs []Grade
	for _, s := range subs {
		gs = append(gs, r.Grade(s))
	}
	return gs
}

func TestGradescopeResults(t *testing.T) {
	r := defaultRubricT(t)
	out := t.TempDir()
	if err := writeAll(out, r, canned(), ""); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]struct {
		score float64
		tests int
	}{"alice": {100, len(applicable("multithread", 0, ""))}, "bob": {-1, len(applicable("multiplex", 0, "select"))},
		"dave": {100, len(applicable("single", 0, "")) - 1}, "erin": {0, len(applicable("single", 0, ""))}, "frank": {0, 1}} {
		data, err := os.ReadFile(filepath.Join(out, "results", name, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(data, &keys); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"score", "max_score", "tests"} {
			if _, ok := keys[k]; !ok {
				t.Errorf("%s/results.json has no %q", name, k)
			}
		}
		var g gradescope
		if err := json.Unmarshal(data, &g); err != nil {
			t.Fatal(err)
		}
		if g.MaxScore != 100 || (want.score >= 0 && g.Score != want.score) || len(g.Tests) != want.tests {
			t.Errorf("%s: score %v/%v with %d tests; want %v/100 with %d", name, g.Score, g.MaxScore, len(g.Tests), want.score, want.tests)
		}
		sum, max, cents := 0.0, 0.0, int64(0)
		for _, tc := range g.Tests {
			if tc.Status != "passed" && tc.Status != "failed" {
				t.Errorf("%s: test %q has status %q; want passed or failed", name, tc.Name, tc.Status)
			}
			if tc.Status == "failed" && (tc.Score != 0 || tc.Output == "") {
				t.Errorf("%s: failed test %q scores %v with output %q; want 0 and the failure", name, tc.Name, tc.Score, tc.Output)
			}
			sum += tc.Score
			max += tc.MaxScore
			cents += int64(math.Round(tc.MaxScore * 100))
			if c := tc.MaxScore * 100; math.Abs(c-math.Round(c)) > 1e-9 {
				t.Errorf("%s: test %q has max_score %v, not in hundredths", name, tc.Name, tc.MaxScore)
			}
		}
		if want := int64(math.Round(g.MaxScore * 100)); cents != want {
			t.Errorf("%s: tests' max_score add up to %d hundredths; want exactly %d", name, cents, want)
		}
		if d := sum - g.Score; d > 0.05 || d < -0.05 {
			t.Errorf("%s: tests add up to %v; the score is %v", name, sum, g.Score)
		}
		if d := max - g.MaxScore; d > 0.05 || d < -0.05 {
			t.Errorf("%s: tests' max_score add up to %v; want %v", name, max, g.MaxScore)
		}
		if name == "dave" && !strings.Contains(g.Output, "IDLE-1 (skipped: needs Linux's /proc") {
			t.Errorf("dave's output %q does not say IDLE-1 was not counted", g.Output)
		}
	}
	data, _ := os.ReadFile(filepath.Join(out, "results", "carol", "results.json"))
	if !strings.Contains(string(data), "hint: ") {
		t.Errorf("carol's failures carry no hint:\n%s", data)
	}
}

func TestOutputsAreDeterministic(t *testing.T) {
	r := defaultRubricT(t)
	a, b := t.TempDir(), t.TempDir()
	subs := canned()
	if err := writeAll(a, r, subs, ""); err != nil {
		t.Fatal(err)
	}
	// The same class found in another order, graded again.
	rev := canned()
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	if err := writeAll(b, r, rev, ""); err != nil {
		t.Fatal(err)
	}
	ta, tb := readTree(t, a), readTree(t, b)
	if len(ta) != 5+6 {
		t.Errorf("wrote %d files; want grade.json, grades.csv, summary.md, junit.xml, report.html and 6 results.json", len(ta))
	}
	for name := range ta {
		if ta[name] != tb[name] {
			t.Errorf("%s differs between two writes of the same grades", name)
		}
	}
}

func TestMergeGivesTheOutputsOfOneRun(t *testing.T) {
	r := defaultRubricT(t)
	whole := t.TempDir()
	if err := writeAll(whole, r, canned(), ""); err != nil {
		t.Fatal(err)
	}
	var shardDirs []string
	for i := 1; i <= 3; i++ {
		d := t.TempDir()
		if err := writeAll(d, r, shard(canned(), i, 3), []string{"", "1/3", "2/3", "3/3"}[i]); err != nil {
			t.Fatal(err)
		}
		shardDirs = append(shardDirs, d)
	}
	mr, subs, err := merge([]string{shardDirs[2], shardDirs[0], shardDirs[1]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	merged := t.TempDir()
	if err := writeAll(merged, mr, subs, ""); err != nil {
		t.Fatal(err)
	}
	tw, tm := readTree(t, whole), readTree(t, merged)
	if len(tw) != len(tm) {
		t.Errorf("merged output has %d files; one run wrote %d", len(tm), len(tw))
	}
	for name := range tw {
		if tw[name] != tm[name] {
			t.Errorf("%s: the merged shards differ from one run", name)
		}
	}

	t.Run("missing shard", func(t *testing.T) {
		if _, _, err := merge(shardDirs[:2], nil); err == nil || !strings.Contains(err.Error(), "shard 3/3 is missing") {
			t.Errorf("merge of shards 1 and 2 of 3 = %v; want shard 3/3 missing", err)
		}
	})
	t.Run("shard twice", func(t *testing.T) {
		if _, _, err := merge([]string{shardDirs[0], shardDirs[0], shardDirs[1], shardDirs[2]}, nil); err == nil || !strings.Contains(err.Error(), "both shard 1/3") {
			t.Errorf("merge with shard 1 twice = %v; want an error", err)
		}
	})
	t.Run("other rubric", func(t *testing.T) {
		other, err := parseRubric("other.toml", "max_points = 10\n")
		if err != nil {
			t.Fatal(err)
		}
		d := t.TempDir()
		if err := writeAll(d, other, shard(canned(), 3, 3), "3/3"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := merge([]string{shardDirs[0], shardDirs[1], d}, nil); err == nil || !strings.Contains(err.Error(), "another rubric") {
			t.Errorf("merge of shards graded with two rubrics = %v; want an error", err)
		}
		if mr, _, err := merge([]string{shardDirs[0], shardDirs[1], d}, other); err != nil || mr.MaxPoints != 10 {
			t.Errorf("merge with --rubric = %v, max %v; want the given rubric used", err, mr.MaxPoints)
		}
	})
}

func TestSummaryListsWhatTheClassFailed(t *testing.T) {
	md := string(summaryMD(defaultRubricT(t), gradesOf(defaultRubricT(t), canned())))
	for _, want := range []string{
		"6 submissions, graded with tools/internal/grade/rubric.toml (out of 100).",
		"| erin | single | 0 | every spec | never-listens: the server did not listen on the port the kit chose within 2s |",
		"| ECHO-4 | echoes every byte of an 8 MiB payload sent while the client reads | 1: bob |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
	if bytes.Contains([]byte(md), []byte("| ECHO-1 |")) {
		t.Errorf("summary.md lists ECHO-1, which only the submission that never listened failed:\n%s", md)
	}
}

func TestReportIsSelfContained(t *testing.T) {
	page, err := reportHTML(defaultRubricT(t), gradesOf(defaultRubricT(t), canned()))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, bad := range []string{"http://", "https://", "<script", "<link", "src=", "url(", "@import"} {
		if strings.Contains(html, bad) {
			t.Errorf("report.html contains %q: it must need nothing from elsewhere", bad)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;alert(1)&lt;/script&gt;", // bob's stderr, escaped
		"<strong>Hint:</strong> the echo stopped short of 8 MiB",
		`<section id="s-erin">`,
		"Nothing could be checked, so every property fails:</strong> never-listens: the server did not listen on the port the kit chose within 2s",
		"needs Linux&#39;s /proc to check CPU time",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

func TestSplitDetail(t *testing.T) {
	d := "expected the same bytes back\n  sent:     15 bytes\n  received: 0 bytes\n  hint: loop\n  server x (pid 1, port 2): running\n  stdout (last lines):\n    | hi"
	msg, hint, server := splitDetail(d)
	if msg != "expected the same bytes back\n  sent:     15 bytes\n  received: 0 bytes" || hint != "loop" || server != "server x (pid 1, port 2): running\nstdout (last lines):\n  | hi" {
		t.Errorf("splitDetail = %q, %q, %q", msg, hint, server)
	}
	if msg, hint, server := splitDetail("x: cannot start"); msg != "x: cannot start" || hint != "" || server != "" {
		t.Errorf("splitDetail of a one-line reason = %q, %q, %q; want it all as the message", msg, hint, server)
	}
}

// TestUnstableAndTimedOutInEveryOutput: an ID that both passed and failed
// is unstable, with its pass rate, in every output; one that did not
// finish is timed out; the rubric decides how unstable scores.
func TestUnstableAndTimedOutInEveryOutput(t *testing.T) {
	all := applicable("single", 0, "")
	v := verdict.New("gina", "single")
	for _, id := range all {
		switch id {
		case "ECHO-2":
			v.Unstable = []string{id}
			v.Why[id] = "received 255 of 256 bytes"
		case "SERIAL-4":
			v.TimedOut = []string{id}
		default:
			v.Passed = append(v.Passed, id)
		}
	}
	v.Runs = map[string]verdict.Runs{"ECHO-2": {Ran: 4, Passed: 3}}
	s := &Submission{Name: "gina", Dir: "class/gina", Model: "single", Verdict: v, Overrun: "the suite did not finish within 10m0s and was stopped"}
	for _, c := range []struct {
		unstable string
		lost     float64 // weight units lost by ECHO-2 (weight 3)
	}{{"failed", 3}, {"passed", 0}, {"pass_rate", 0.75}} {
		r, err := parseRubric("r.toml", "unstable = \""+c.unstable+"\"\n")
		if err != nil {
			t.Fatal(err)
		}
		g := r.Grade(s)
		var echo2, serial4 Line
		for _, l := range g.Lines {
			switch l.Prop.ID {
			case "ECHO-2":
				echo2 = l
			case "SERIAL-4":
				serial4 = l
			}
		}
		if echo2.Outcome != Unstable || serial4.Outcome != TimedOut || serial4.Points != 0 || serial4.Max == 0 {
			t.Fatalf("%s: ECHO-2 %s, SERIAL-4 %s (%v of %v); want unstable and timed out, counted, 0 points", c.unstable, echo2.Outcome, serial4.Outcome, serial4.Points, serial4.Max)
		}
		if got, want := echo2.Points, echo2.Max*(1-c.lost/3); math.Abs(got-want) > 1e-9 {
			t.Errorf("unstable = %q: ECHO-2 scores %v of %v; want %v", c.unstable, got, echo2.Max, want)
		}
	}
	r := defaultRubricT(t)
	gs := gradesOf(r, []*Submission{s})
	if got := gs[0].Issues(); got != "unstable: ECHO-2 (3 of 4 runs passed); timed out: SERIAL-4" {
		t.Errorf("issues %q", got)
	}
	csvText := string(gradesCSV(r, gs))
	for _, want := range []string{",1,1,", "ECHO-2:3/4", "SERIAL-4"} {
		if !strings.Contains(csvText, want) {
			t.Errorf("grades.csv lacks %q:\n%s", want, csvText)
		}
	}
	junit := string(junitXML(gs))
	if !strings.Contains(junit, "unstable, 3 of 4 runs passed: received 255 of 256 bytes") || !strings.Contains(junit, "timed out: the suite") {
		t.Errorf("junit.xml lacks the unstable or timed-out case:\n%s", junit)
	}
	gsData, err := resultsJSON(r, gs[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(gsData), "unstable: 3 of 4 runs passed") || !strings.Contains(string(gsData), "did not finish within 10m0s") {
		t.Errorf("results.json lacks the unstable test or the overrun:\n%s", gsData)
	}
	html, err := reportHTML(r, gs)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"unstable: 3 of 4 runs passed", "timed out", "Stopped at its time limit"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	var term strings.Builder
	printGrades(&term, r, []*Submission{s})
	if !strings.Contains(term.String(), "unstable: ECHO-2 (3 of 4 runs passed); timed out: SERIAL-4") {
		t.Errorf("the terminal table lacks the unstable and timed-out IDs:\n%s", term.String())
	}
	if md := string(summaryMD(r, gs)); !strings.Contains(md, "unstable: ECHO-2 (3 of 4 runs passed)") {
		t.Errorf("summary.md lacks the unstable ID:\n%s", md)
	}
}

// TestOutputsFollowLang: with --lang zh the requirements, hints and family
// titles of every output are the Chinese ones, and merge keeps the
// language.
func TestOutputsFollowLang(t *testing.T) {
	r := defaultRubricT(t)
	r.Lang = props.Zh
	gs := gradesOf(r, canned())
	echo4, _ := props.Lookup("ECHO-4")
	zhReq := echo4.In(props.Zh).Requirement
	html, err := reportHTML(r, gs)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"report.html": string(html), "junit.xml": string(junitXML(gs))} {
		if !strings.Contains(text, zhReq) {
			t.Errorf("%s lacks ECHO-4's Chinese requirement %q", name, zhReq)
		}
	}
	if !strings.Contains(string(html), props.FamilyTitle("echo", props.Zh)) {
		t.Errorf("report.html lacks the echo family's Chinese title")
	}
	out := t.TempDir()
	if err := writeAll(out, r, canned(), ""); err != nil {
		t.Fatal(err)
	}
	r2, _, err := merge([]string{out}, nil)
	if err != nil || r2.Lang != props.Zh {
		t.Errorf("merge: lang %q, %v; want the shards' zh kept", r2.Lang, err)
	}
}

// A property whose setup failed is "not judged" in every output, in the
// setup's words and with the setup's hint, never the property's; it scores
// 0 by default and is left out with not_judged = "not_counted". The keys
// of a student's manifest that the course decided are named too.
func TestNotJudgedAndIgnoredKeysInEveryOutput(t *testing.T) {
	all := applicable("single", 0, "")
	v := verdict.New("nina", "single")
	const setup = "setup failed, the property was not judged: connecting client B: client 2 could not connect: connection refused"
	for _, id := range all {
		if id == "SERIAL-2" {
			v.NotJudged = []string{id}
			v.Why[id] = setup
			v.Detail[id] = setup + "\n  hint: the setup's own hint\n  server nina (pid 1, port 2): running"
			continue
		}
		v.Passed = append(v.Passed, id)
	}
	s := &Submission{Name: "nina", Dir: "class/nina", Model: "single", Verdict: v,
		Ignored: []string{`echospec.toml sets model = "coroutine", but model is the course's to decide (its manifest, which sets "single"), so it is not used.`}}
	serial2 := props.Get("SERIAL-2")

	r := defaultRubricT(t)
	gs := gradesOf(r, []*Submission{s})
	if g := gs[0]; g.Score >= g.MaxPoints || g.Issues() != "not judged: SERIAL-2" {
		t.Fatalf("score %v of %v, issues %q; want SERIAL-2 not judged, scored as failed", g.Score, g.MaxPoints, g.Issues())
	}
	nc, err := parseRubric("r.toml", "not_judged = \"not_counted\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if g := gradesOf(nc, []*Submission{s})[0]; g.Score != g.MaxPoints {
		t.Errorf("not_judged = \"not_counted\": score %v of %v; want full marks", g.Score, g.MaxPoints)
	}
	if _, err := parseRubric("r.toml", "not_judged = \"passed\"\n"); err == nil || !strings.Contains(err.Error(), `key "not_judged" = "passed": it must be one of failed, not_counted`) {
		t.Errorf("not_judged = \"passed\": %v; want it refused", err)
	}

	if csvText := string(gradesCSV(r, gs)); !strings.Contains(csvText, ",1,SERIAL-2,") {
		t.Errorf("grades.csv lacks the not-judged count and ID:\n%s", csvText)
	}
	if junit := string(junitXML(gs)); !strings.Contains(junit, `<error message="not judged: `+setup) || !strings.Contains(junit, `errors="1"`) {
		t.Errorf("junit.xml lacks the not-judged case as an error:\n%s", junit)
	}
	data, err := resultsJSON(r, gs[0])
	if err != nil {
		t.Fatal(err)
	}
	res := string(data)
	if !strings.Contains(res, "not judged: a step that only sets this property up failed") || !strings.Contains(res, "the setup's own hint") ||
		strings.Contains(res, jsonText(serial2.Hint)) || !strings.Contains(res, "sets model = \\\"coroutine\\\"") {
		t.Errorf("results.json: want the not-judged test with the setup's hint, not the property's, and the ignored key:\n%s", res)
	}
	html, err := reportHTML(r, gs)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"not judged: its setup failed", "Hint (for the setup step):</strong> the setup&#39;s own hint", "Keys of its echospec.toml not used", "1 not judged"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Contains(string(html), template.HTMLEscapeString(serial2.Hint)) {
		t.Errorf("report.html shows SERIAL-2's own hint for a property that was not judged")
	}
	if md := string(summaryMD(r, gs)); !strings.Contains(md, "not judged: SERIAL-2") || !strings.Contains(md, "## Keys of students' manifests not used") {
		t.Errorf("summary.md lacks the not-judged ID or the ignored key:\n%s", md)
	}
}

// jsonText is s as encoding/json writes it inside a string.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
