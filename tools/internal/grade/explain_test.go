package grade

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/echospec/echospec/diagnose"
	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/verdict"
)

func rubricT(t *testing.T, text string) *Rubric {
	t.Helper()
	r, err := parseRubric("r.toml", text)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// failing is a submission of model that fails the first k of the
// properties that apply to it and passes the rest.
func failing(model string, k int) *Submission {
	all := applicable(model, 0, "")
	v := verdict.New("k", model)
	for i, id := range all {
		if i < k {
			v.Failed = append(v.Failed, id)
			v.Why[id] = "expected the same bytes back"
			continue
		}
		v.Passed = append(v.Passed, id)
	}
	return &Submission{Name: fmt.Sprintf("fails-%d", k), Dir: "class/k", Model: model, Verdict: v}
}

// TestLostPointsAddUpToWhatWasLost: whatever the weights, max_points and
// outcomes, a submission's points lost add up to max_points minus its
// score, to the hundredth, and each is what its property was worth (give
// or take the cent rounding moves).
func TestLostPointsAddUpToWhatWasLost(t *testing.T) {
	rubrics := map[string]*Rubric{
		"default":        defaultRubricT(t),
		"max 7, thirds":  rubricT(t, "max_points = 7\n[families]\necho = 1\nlife = 1\nreset = 1\n"),
		"pass_rate":      rubricT(t, "unstable = \"pass_rate\"\nmax_points = 10\n"),
		"not counted":    rubricT(t, "not_judged = \"not_counted\"\n"),
		"an advisory ID": rubricT(t, "[ids]\n\"ECHO-1\" = 0\n"),
	}
	var subs []*Submission
	for _, model := range []string{"single", "multithread", "multiplex"} {
		for k := 0; k <= len(applicable(model, 0, "")); k++ {
			subs = append(subs, failing(model, k))
		}
	}
	subs = append(subs, canned()...)
	un := failing("single", 3)
	un.Verdict.Unstable = []string{un.Verdict.Failed[0]}
	un.Verdict.NotJudged = []string{un.Verdict.Failed[1]}
	un.Verdict.Failed = un.Verdict.Failed[2:]
	un.Verdict.Runs = map[string]verdict.Runs{un.Verdict.Unstable[0]: {Ran: 3, Passed: 1}}
	subs = append(subs, un)

	for name, r := range rubrics {
		for _, s := range subs {
			g := r.Grade(s)
			e := explain(r, g)
			if got, want := e.LostCents(), cents(g.MaxPoints)-cents(g.Score); got != want {
				t.Errorf("%s, %s: losses add up to %d hundredths; want %s - %s = %d", name, s.Name, got, points(g.MaxPoints), points(g.Score), want)
			}
			worth := map[string]float64{}
			for _, l := range g.Lines {
				worth[l.Prop.ID] = l.Max - l.Points
			}
			for _, l := range e.Losses {
				if l.ID == "" {
					continue
				}
				if d := float64(l.Cents)/100 - worth[l.ID]; d > 0.01+1e-9 || d < -0.01-1e-9 {
					t.Errorf("%s, %s: %s lost %s; it was worth %v", name, s.Name, l.ID, l.Points(), worth[l.ID])
				}
			}
			if s.Model != "" && e.Scored+e.NotCountedIDs() != len(g.Lines) {
				t.Errorf("%s, %s: %d scored + %d not counted; want every one of the %d properties in one or the other", name, s.Name, e.Scored, e.NotCountedIDs(), len(g.Lines))
			}
		}
	}
}

func TestLostPointsOfEachOutcome(t *testing.T) {
	r := rubricT(t, "unstable = \"pass_rate\"\n")
	s := failing("single", 4)
	v := &s.Verdict
	ids := slices.Clone(v.Failed)
	v.Failed = []string{ids[0]}
	v.Unstable = []string{ids[1]}
	v.Runs = map[string]verdict.Runs{ids[1]: {Ran: 4, Passed: 1}}
	v.NotJudged = []string{ids[2]}
	v.Why[ids[2]] = "setup failed, the property was not judged: connecting client B"
	v.TimedOut = []string{ids[3]}
	e := explain(r, r.Grade(s))
	if len(e.Losses) != 4 {
		t.Fatalf("losses %+v; want one for each of %v", e.Losses, ids)
	}
	want := []struct {
		id      string
		outcome Outcome
		why     string
	}{
		{ids[0], Failed, "expected the same bytes back"},
		{ids[1], Unstable, "1 of 4 runs passed; a failing run said: expected the same bytes back"},
		{ids[2], NotJudged, "setup failed, the property was not judged: connecting client B"},
		{ids[3], TimedOut, "timed out: the suite's time was up before this spec finished"},
	}
	for i, w := range want {
		if l := e.Losses[i]; l.ID != w.id || l.Outcome != w.outcome || l.Why != w.why {
			t.Errorf("loss %d: %s %s %q; want %s %s %q", i, l.ID, l.Outcome, l.Why, w.id, w.outcome, w.why)
		}
	}
	// The unstable property lost three quarters of what the failed one
	// lost (both weigh the echo family's weight).
	if a, b := e.Losses[0].Cents, e.Losses[1].Cents; 4*b < 3*a-4 || 4*b > 3*a+4 {
		t.Errorf("failed %s lost %d hundredths, unstable (1 of 4 passed) %d; want three quarters", ids[0], a, b)
	}

	nothing := explain(r, r.Grade(canned()[5])) // frank: the manifest did not load
	if len(nothing.Losses) != 1 || nothing.Losses[0].ID != "" || nothing.Losses[0].Cents != 10000 ||
		!strings.Contains(nothing.Losses[0].Why, "the manifest does not load") || nothing.Scored != 0 || len(nothing.NotCounted) != 0 {
		t.Errorf("a manifest that does not load: %+v; want the whole 100 lost to it, nothing scored, nothing listed as not counted", nothing)
	}
}

// TestWhyNotCounted: each property left out of a score is listed under
// its reason, so that two submissions scored on different numbers of
// properties can be told apart.
func TestWhyNotCounted(t *testing.T) {
	const setup = "setup failed, the property was not judged: connecting client B: connection refused"
	s := failing("single", 0)
	v := &s.Verdict
	v.Passed = slices.DeleteFunc(v.Passed, func(id string) bool { return id == "IDLE-1" || id == "SERIAL-2" || id == "ECHO-4" })
	v.Skip["IDLE-1"] = "needs Linux's /proc to check CPU time (this is darwin)"
	v.NotJudged = []string{"SERIAL-2"}
	v.Why["SERIAL-2"] = setup
	v.Failed = []string{"ECHO-4"}
	v.Why["ECHO-4"] = "received 65,536 of 8,388,608 bytes"

	r := rubricT(t, "not_judged = \"not_counted\"\n[ids]\n\"ECHO-4\" = 0\n\"ECHO-1\" = 0\n")
	g := r.Grade(s)
	e := explain(r, g)
	var got []string
	for _, nc := range e.NotCounted {
		got = append(got, fmt.Sprintf("%s: %s: %s", nc.Kind, nc.Why, strings.Join(nc.IDs, " ")))
	}
	var na []string
	for _, p := range props.All() {
		if !p.Applies("single", 0, "") {
			na = append(na, p.ID)
		}
	}
	want := []string{
		"n.a.: does not apply to the single model: " + strings.Join(na, " "),
		"skipped: needs Linux's /proc to check CPU time (this is darwin): IDLE-1",
		"not judged: " + setup + ": SERIAL-2",
		"advisory: weighs 0 in the rubric; passed: ECHO-1",
		"advisory: weighs 0 in the rubric; failed: ECHO-4",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("not counted:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := len(applicable("single", 0, "")) - 4; e.Scored != n || len(e.Losses) != 0 || g.Score != 100 {
		t.Errorf("scored on %d, %d losses, score %v; want %d, none, 100: the advisory failure costs nothing", e.Scored, len(e.Losses), g.Score, n)
	}

	page, err := reportHTML(r, []Grade{g})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<small>advice: no points</small>", "1 skipped: needs Linux&#39;s /proc to check CPU time (this is darwin) — IDLE-1",
		`1 not judged (the rubric's not_judged = "not_counted"): ` + setup + " — SERIAL-2", "not judged: its setup failed</small> <small>not counted</small>"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	// Under the default rubric the same submission is scored on more
	// properties, and says so.
	d := defaultRubricT(t)
	if e2 := explain(d, d.Grade(s)); e2.Scored != e.Scored+3 {
		t.Errorf("default rubric: scored on %d; want %d (ECHO-1, ECHO-4 and SERIAL-2 counted)", e2.Scored, e.Scored+3)
	}
}

// TestRootCausesOncePerSubmission: failures whose headlines name the same
// cause are explained by it once, with their IDs; report.html shows the
// cause once and each failure points at it.
func TestRootCausesOncePerSubmission(t *testing.T) {
	emfile := "the server's own error: OSError: [Errno 24] Too many open files"
	fdset := "the server's own error: ValueError: filedescriptor out of range in select()"
	s := failing("multiplex", 0)
	s.Name, s.Mechanism = "ivan", "select"
	v := &s.Verdict
	fail := map[string]string{
		"CAP-1":  "the server ended during this spec (it exited with status 1): received 0 of 11 bytes" + diagnose.HeadCause + emfile,
		"CAP-3":  "the server ended during this spec (it exited with status 1): client 1 could not connect" + diagnose.HeadCause + emfile,
		"CAP-4":  "the server ended during this spec (it exited with status 1): client 1018 could not connect" + diagnose.HeadCause + fdset,
		"ECHO-4": "received 65,536 of 8,388,608 bytes",
	}
	v.Passed = slices.DeleteFunc(v.Passed, func(id string) bool { return fail[id] != "" })
	for _, id := range props.InOrder(sortedKeys(fail)) {
		v.Failed = append(v.Failed, id)
		v.Why[id] = fail[id]
		v.Detail[id] = fail[id] + "\n  want:     the same bytes back\n  server ivan (pid 7, port 9): exited with status 1"
	}
	r := rubricT(t, "[families]\ncap = 2\n[ids]\n\"CAP-3\" = 0\n") // cap weighed, as a teacher may; CAP-3 advisory, pointed at its cause too
	g := r.Grade(s)
	e := explain(r, g)
	if len(e.Causes) != 2 || e.Causes[0].Line != emfile || strings.Join(e.Causes[0].IDs, " ") != "CAP-1 CAP-3" ||
		e.Causes[1].Line != fdset || strings.Join(e.Causes[1].IDs, " ") != "CAP-4" {
		t.Fatalf("causes %+v; want %q for CAP-1 CAP-3, then %q for CAP-4", e.Causes, emfile, fdset)
	}
	if e.Causes[0].Hint == "" || e.Causes[1].Hint == "" || e.Causes[0].Hint == e.Causes[1].Hint {
		t.Errorf("the causes' hints %q and %q; want each its own", e.Causes[0].Hint, e.Causes[1].Hint)
	}
	if len(e.Losses) != 3 {
		t.Errorf("losses %+v; want CAP-1, CAP-4 and ECHO-4 (CAP-3 weighs 0)", e.Losses)
	}
	for _, l := range e.Losses {
		want := map[string]int{"CAP-1": 1, "CAP-4": 2, "ECHO-4": 0}[l.ID]
		if l.Cause != want || strings.Contains(l.Why, "cause:") {
			t.Errorf("%s: cause %d, why %q; want cause %d, the headline without it", l.ID, l.Cause, l.Why, want)
		}
	}
	page, err := reportHTML(r, []Grade{g})
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	if n := strings.Count(html, "OSError: [Errno 24] Too many open files"); n != 1 {
		t.Errorf("report.html shows the EMFILE cause %d times; want once", n)
	}
	if n := strings.Count(html, "Root cause 1, above."); n != 2 {
		t.Errorf("report.html points %d failures at cause 1; want CAP-1 and CAP-3", n)
	}
	if !strings.Contains(html, "explains CAP-1 CAP-3") {
		t.Errorf("report.html does not say which IDs cause 1 explains")
	}
	md := string(summaryMD(r, []Grade{g}))
	for _, want := range []string{"- cause 1: " + emfile + "; explains CAP-1 CAP-3\n", "(failed, cause 2) with mechanism"} {
		if !strings.Contains(md, strings.ReplaceAll(want, "|", `\|`)) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
}

func TestHistogram(t *testing.T) {
	var gs []Grade
	for i, score := range []float64{0, 9.99, 10, 55, 89.99, 90, 100, 100} {
		gs = append(gs, Grade{Sub: &Submission{Name: fmt.Sprint("s", i)}, Score: score, MaxPoints: 100})
	}
	bins := histogram(100, gs)
	got := map[string]string{}
	for _, b := range bins {
		got[b.Label()] = strings.Join(b.Names, " ")
	}
	want := map[string]string{"0–10": "s0 s1", "10–20": "s2", "20–30": "", "30–40": "", "40–50": "",
		"50–60": "s3", "60–70": "", "70–80": "", "80–90": "s4", "90–100": "s5 s6 s7"}
	if len(bins) != 10 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("bins %v; want %v", got, want)
	}
	text := textHistogram(100, gs, props.En)
	for _, line := range []string{"90–100 │" + strings.Repeat("█", 40) + " 3\n", " 70–80 │ 0\n", "  0–10 │" + strings.Repeat("█", 26) + " 2\n"} {
		if !strings.Contains(text, line) {
			t.Errorf("the text histogram lacks %q:\n%s", line, text)
		}
	}
	if b := histogram(7, gs[:1]); b[0].Label() != "0–0.7" || b[9].Label() != "6.3–7" {
		t.Errorf("bins of max_points = 7: %s … %s; want 0–0.7 … 6.3–7", b[0].Label(), b[9].Label())
	}
}

// TestCardsNamedByFolder: a student whose manifest names the server
// otherwise is still called by the folder in the report: in the card's
// title, the server paragraph and the reason.
func TestCardsNamedByFolder(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "alice")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	toml := "name = \"py-send\"\nmodel = \"single\"\ncommand = [\"python3\", \"server.py\", \"{port}\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "echospec.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	subs, err := discover([]string{root}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := subs[0]
	if s.Name != "alice" || s.Server != "py-send" {
		t.Fatalf("discovered %q, server %q; want alice, py-send", s.Name, s.Server)
	}
	reason := "py-send: the server exited with status 1 before listening on port 4242"
	s.Verdict = verdict.New("alice", "single")
	s.Verdict.Reason = reason
	s.complete(reason, false)
	for _, id := range s.Verdict.NotJudged {
		s.Verdict.Detail[id] = reason + "\n  server py-send (pid 12, port 4242): exited with status 1\n  stderr (last lines):\n    | boom"
	}
	r := defaultRubricT(t)
	page, err := reportHTML(r, gradesOf(r, subs))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, want := range []string{"<h2><span>alice</span>", "every property fails:</strong> the server exited with status 1 before listening on the port the kit chose", "server alice (pid 12"} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Contains(html, "py-send") {
		i := strings.Index(html, "py-send")
		t.Errorf("report.html calls alice's server by its manifest's name, py-send: %s", html[max(0, i-200):i+50])
	}
}
