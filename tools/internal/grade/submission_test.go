package grade

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func names(subs []*Submission) []string {
	var out []string
	for _, s := range subs {
		out = append(out, s.Name)
	}
	return out
}

func TestShardIsStableAndPartitions(t *testing.T) {
	var subs []*Submission
	for i := range 11 {
		subs = append(subs, &Submission{Name: fmt.Sprintf("s%02d", i)})
	}
	reversed := slices.Clone(subs)
	slices.Reverse(reversed)
	for _, n := range []int{1, 2, 3, 4, 11, 13} {
		var union []string
		for i := 1; i <= n; i++ {
			a, b := names(shard(subs, i, n)), names(shard(reversed, i, n))
			if !slices.Equal(a, b) {
				t.Errorf("shard %d/%d depends on the order submissions were found in: %v, then %v", i, n, a, b)
			}
			if len(a) > (len(subs)+n-1)/n {
				t.Errorf("shard %d/%d has %d submissions of %d; want at most %d", i, n, len(a), len(subs), (len(subs)+n-1)/n)
			}
			union = append(union, a...)
		}
		slices.Sort(union)
		if !slices.Equal(union, names(subs)) {
			t.Errorf("shards of %d together hold %v; want every submission once: %v", n, union, names(subs))
		}
	}
	if got := names(shard(subs, 2, 4)); !slices.Equal(got, []string{"s01", "s05", "s09"}) {
		t.Errorf("shard 2/4 = %v; want every 4th by name from the 2nd: [s01 s05 s09]", got)
	}
}

func TestParseShard(t *testing.T) {
	if i, n, err := parseShard("2/4"); err != nil || i != 2 || n != 4 {
		t.Errorf("parseShard(2/4) = %d, %d, %v; want 2, 4, nil", i, n, err)
	}
	for _, bad := range []string{"0/4", "5/4", "2", "a/b", "1/0", "-1/2"} {
		if _, _, err := parseShard(bad); err == nil {
			t.Errorf("parseShard(%q) = nil error; want one", bad)
		}
	}
}

func TestCompleteNotJudgedWhatDidNotRun(t *testing.T) {
	s := &Submission{Name: "x", Model: "single", Verdict: Verdict{
		Passed: []string{"ECHO-2", "ECHO-1"},
		Failed: []string{"ECHO-3"},
		Why:    map[string]string{"ECHO-3": "Interrupted by User"},
		Skip:   map[string]string{"IDLE-1": "no /proc"},
	}}
	s.complete("the suite did not finish within 10m0s and was stopped", false)
	v := s.Verdict
	if !slices.Equal(v.Passed, []string{"ECHO-1", "ECHO-2"}) {
		t.Errorf("passed = %v; want [ECHO-1 ECHO-2], in catalogue order", v.Passed)
	}
	if n := len(applicable("single", 0, "")) - 4; !slices.Equal(v.Failed, []string{"ECHO-3"}) || len(v.NotJudged) != n || v.NotJudged[0] != "ECHO-4" || slices.Contains(v.NotJudged, "IDLE-1") {
		t.Errorf("failed = %v, not judged = %v; want ECHO-3 failed, and the %d single-model properties that did not run not judged, in catalogue order", v.Failed, v.NotJudged, n)
	}
	if v.Why["ECHO-3"] != "Interrupted by User" || !strings.HasPrefix(v.Why["SERIAL-4"], "the suite did not finish") {
		t.Errorf("why ECHO-3 = %q, SERIAL-4 = %q; want the failure kept, and the reason for those not run", v.Why["ECHO-3"], v.Why["SERIAL-4"])
	}

	late := &Submission{Name: "z", Model: "single", Verdict: Verdict{Passed: []string{"ECHO-1"}, TimedOut: []string{"ECHO-2"}}}
	late.complete("", true)
	if n := len(applicable("single", 0, "")); len(late.Verdict.TimedOut) != n-1 || len(late.Verdict.Failed) != 0 {
		t.Errorf("an overrun: timed out %v, failed %v; want the %d not finished timed out, none failed", late.Verdict.TimedOut, late.Verdict.Failed, n-1)
	}

	ok := &Submission{Name: "y", Model: "single", Verdict: Verdict{Passed: []string{"ECHO-1"}}}
	ok.complete("", false)
	if got := ok.Verdict.Why["ECHO-2"]; !strings.HasPrefix(got, "did not run") {
		t.Errorf("a spec missing from a whole run: why = %q; want it to say it did not run", got)
	}
}

func TestReasonLeavesOutPortsAndPIDs(t *testing.T) {
	s := &Submission{Verdict: Verdict{Reason: "x: the server exited with status 1 before listening on port 39919 (pid 123)\nmore"}}
	if got, want := s.Reason(), "x: the server exited with status 1 before listening on the port the kit chose (pid {pid})"; got != want {
		t.Errorf("Reason() = %q; want %q", got, want)
	}
	s.Port = 9090
	s.Verdict.Reason = "did not listen on port 9090"
	if got := s.Reason(); got != s.Verdict.Reason {
		t.Errorf("with a fixed port, Reason() = %q; want the port kept: %q", got, s.Verdict.Reason)
	}
}

func TestDiscoverKeepsBadManifests(t *testing.T) {
	root := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ok/echospec.toml", "model = \"single\"\ncommand = [\"./s\"]\nport = 9090\n[expect]\nfail = [\"ECHO-4\"]\n")
	write("bad/echospec.toml", "model = \"threads\"\ncommand = [\"./s\"]\n")
	write("sec1/nested/echospec.toml", "name = \"ok\"\nmodel = \"single\"\ncommand = [\"./s\"]\n")
	write(".hidden/echospec.toml", "garbage")
	subs, err := discover([]string{root}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(subs); !slices.Equal(got, []string{"bad", "ok", "sec1/nested"}) {
		t.Fatalf("discover found %v; want [bad ok sec1/nested] (named by folder, hidden folders left out)", got)
	}
	if subs[0].Problem == "" || !strings.Contains(subs[0].Problem, `"model"`) {
		t.Errorf("bad: problem %q; want the manifest loader's message about model", subs[0].Problem)
	}
	if subs[1].Port != 9090 || !slices.Equal(subs[1].Expect.Fail, []string{"ECHO-4"}) {
		t.Errorf("ok: port %d, expect %v; want 9090, [ECHO-4]", subs[1].Port, subs[1].Expect.Fail)
	}
	if _, err := discover([]string{root, root}, nil); err == nil || !strings.Contains(err.Error(), "both named") {
		t.Errorf("discover(root, root) = %v; want an error naming the clash", err)
	}
}

func TestScheduleNeverSharesAFixedPort(t *testing.T) {
	var subs []*Submission
	for i := range 12 {
		s := &Submission{Name: fmt.Sprintf("s%02d", i)}
		if i%3 == 0 {
			s.Port = 9090
		}
		if i == 4 {
			s.Port = 8080
		}
		subs = append(subs, s)
	}
	var mu sync.Mutex
	running, most := 0, 0
	onPort := map[int]int{}
	seen := map[string]int{}
	schedule(subs, 3, func(s *Submission) {
		mu.Lock()
		running++
		most = max(most, running)
		seen[s.Name]++
		if s.Port != 0 {
			onPort[s.Port]++
			if onPort[s.Port] > 1 {
				t.Errorf("%s started while another submission on port %d was running", s.Name, s.Port)
			}
		}
		mu.Unlock()

		mu.Lock()
		running--
		if s.Port != 0 {
			onPort[s.Port]--
		}
		mu.Unlock()
	})
	if most > 3 {
		t.Errorf("%d ran at once; want at most 3", most)
	}
	for _, s := range subs {
		if seen[s.Name] != 1 {
			t.Errorf("%s ran %d times; want once", s.Name, seen[s.Name])
		}
	}
}

func TestOrderStartsTheSlowestFirst(t *testing.T) {
	subs := []*Submission{{Name: "a"}, {Name: "b"}, {Name: "c", Port: 9090}, {Name: "d", Port: 9090}, {Name: "e"}}
	got := names(order(subs, map[string]float64{"a": 10, "e": 90, "d": 5}))
	if want := []string{"d", "c", "e", "a", "b"}; !slices.Equal(got, want) {
		t.Errorf("order = %v; want the two sharing port 9090, then the slowest last time, then by name: %v", got, want)
	}
}

func TestProgressOnCILogsIsOneLinePerSubmission(t *testing.T) {
	var b strings.Builder
	p := newProgress(&b, false, 2)
	r, err := parseRubric(DefaultRubricFile, defaultRubric)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range canned()[:2] {
		p.start()
		p.finish(r.Grade(s), 0)
	}
	p.end()
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "grade: [2/2] bob (multiplex) in 0s: 92.86/100  failed ECHO-4") || strings.Contains(b.String(), "\r") {
		t.Errorf("progress without a terminal:\n%s\nwant one plain line per submission", b.String())
	}
}
