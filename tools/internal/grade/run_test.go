//go:build unix

package grade

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/echospec/echospec/launch"
	"github.com/echospec/echospec/verdict"
)

// TestMain lets the test binary stand in for the compiled suite: with
// $GRADE_FAKE_SUITE set it behaves as that mode says and exits.
func TestMain(m *testing.M) {
	if mode := os.Getenv("GRADE_FAKE_SUITE"); mode != "" {
		os.Exit(fakeSuite(mode, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeSuite is what the runner sees of the suite in each mode.
func fakeSuite(mode string, args []string) int {
	var verdicts, seed, filter string
	for i, a := range args {
		if i+1 < len(args) {
			switch a {
			case "--verdicts":
				verdicts = args[i+1]
			case "--ginkgo.seed":
				seed = args[i+1]
			case "--ginkgo.label-filter":
				filter = args[i+1]
			}
		}
	}
	write := func(v Verdict) {
		data, _ := json.Marshal([]Verdict{v})
		_ = os.WriteFile(verdicts, data, 0o644)
	}
	switch mode {
	case "verdict": // ECHO-2 fails, the rest of the single model passes
		write(Verdict{Target: "x", Model: "single", Failed: []string{"ECHO-2"}, Passed: []string{"ECHO-1"},
			Why: map[string]string{"ECHO-2": "expected the same bytes back"}})
		return 1
	case "crash":
		fmt.Println("panic: the suite fell over")
		return 2
	case "flaky": // ECHO-2 fails with an odd seed; only what the filter names runs
		v := Verdict{Target: "x", Model: "single", Passed: []string{}, Failed: []string{}, Why: map[string]string{}}
		for _, id := range []string{"ECHO-1", "ECHO-2", "ECHO-3"} {
			switch {
			case filter != "" && !strings.Contains(filter, "id:"+id):
			case id == "ECHO-2" && strings.ContainsAny(seed[len(seed)-1:], "13579"):
				v.Failed = append(v.Failed, id)
				v.Why[id] = "received 3 of 4 bytes with seed " + seed
			default:
				v.Passed = append(v.Passed, id)
			}
		}
		write(v)
		return 0
	case "hang": // a partial verdict after each spec, as the suite writes
		// it; at SIGTERM the running spec is interrupted: timed out
		term := make(chan os.Signal, 1)
		signal.Notify(term, syscall.SIGTERM)
		write(Verdict{Target: "x", Model: "single", Failed: []string{}, Passed: []string{"ECHO-1"}})
		fmt.Println("running")
		<-term
		write(Verdict{Target: "x", Model: "single", Failed: []string{}, Passed: []string{"ECHO-1"}, TimedOut: []string{"ECHO-2"}})
		return 1
	case "stubborn": // ignores SIGTERM: only SIGKILL ends it
		write(Verdict{Target: "x", Model: "single", Failed: []string{}, Passed: []string{"ECHO-1"}})
		signal.Ignore(syscall.SIGTERM)
		never := make(chan os.Signal, 1)
		signal.Notify(never, syscall.SIGUSR1) // and no deadlock panic
		fmt.Println("running")
		<-never
	}
	return 3
}

func runFake(t *testing.T, mode string, timeout time.Duration) *Submission {
	t.Helper()
	return runFakeWith(t, mode, timeout, 1, nil, nil)
}

func runFakeWith(t *testing.T, mode string, timeout time.Duration, repeat int, only []string, prev *Verdict) *Submission {
	t.Helper()
	t.Setenv("GRADE_FAKE_SUITE", mode)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	rn := &runner{suite: self, cwd: tmp, tmp: filepath.Join(tmp, "scratch"), logs: filepath.Join(tmp, "logs"),
		patience: 1, timeout: timeout, grace: 100 * time.Millisecond, children: launch.NewChildren(), repeat: repeat, seed: 40}
	s := &Submission{Name: "x", Dir: tmp, Model: "single"}
	rn.run(context.Background(), s, only, prev)
	if _, err := os.Stat(filepath.Join(tmp, "logs", "x.log")); err != nil {
		t.Errorf("no log of the suite's output: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(tmp, "scratch")); len(entries) != 0 {
		t.Errorf("the scratch folder was left behind: %v", entries)
	}
	return s
}

func TestRunReadsTheVerdict(t *testing.T) {
	s := runFake(t, "verdict", time.Minute)
	if s.Problem != "" {
		t.Errorf("problem %q; want none", s.Problem)
	}
	// The fake reports 2 of the single-model properties: the others did
	// not run and are not judged.
	n := len(applicable("single", 0, ""))
	if !slices.Equal(s.Verdict.Failed, []string{"ECHO-2"}) || len(s.Verdict.NotJudged) != n-2 || !slices.Equal(s.Verdict.Passed, []string{"ECHO-1"}) {
		t.Errorf("failed %v, not judged %v, passed %v; want ECHO-2 failed, the %d not run not judged, and ECHO-1 passed", s.Verdict.Failed, s.Verdict.NotJudged, s.Verdict.Passed, n-2)
	}
}

func TestRunSurvivesACrash(t *testing.T) {
	s := runFake(t, "crash", time.Minute)
	if !strings.Contains(s.Problem, "without a verdict") || !strings.Contains(s.Problem, "the suite fell over") {
		t.Errorf("problem %q; want it to say there was no verdict, quoting the suite's last line", s.Problem)
	}
	if len(s.Verdict.NotJudged) != len(applicable("single", 0, "")) || len(s.Verdict.Failed) != 0 {
		t.Errorf("%d not judged, %d failed; want every single-model property not judged: zero for what could not run", len(s.Verdict.NotJudged), len(s.Verdict.Failed))
	}
}

func TestRunStopsAnOverrun(t *testing.T) {
	s := runFake(t, "hang", 300*time.Millisecond)
	if !strings.HasPrefix(s.Overrun, "the suite did not finish within 300ms") || s.Problem != "" {
		t.Errorf("overrun %q, problem %q; want the time limit as the overrun, no problem", s.Overrun, s.Problem)
	}
	n := len(applicable("single", 0, ""))
	if !slices.Equal(s.Verdict.Passed, []string{"ECHO-1"}) || len(s.Verdict.Failed) != 0 || len(s.Verdict.TimedOut) != n-1 || s.Verdict.TimedOut[0] != "ECHO-2" {
		t.Errorf("passed %v, failed %v, timed out %v; want what passed before the limit kept, the %d others timed out, none failed", s.Verdict.Passed, s.Verdict.Failed, s.Verdict.TimedOut, n-1)
	}
	g := defaultRubricT(t).Grade(s)
	if got := g.Issues(); !strings.HasPrefix(got, "timed out: ECHO-2 ") {
		t.Errorf("issues %q; want the timed-out IDs named", got)
	}
}

func TestRunKillsASuiteThatIgnoresSIGTERM(t *testing.T) {
	done := make(chan *Submission)
	go func() { done <- runFake(t, "stubborn", 300*time.Millisecond) }()
	select {
	case s := <-done:
		n := len(applicable("single", 0, ""))
		if !strings.HasPrefix(s.Overrun, "the suite did not finish") || !slices.Equal(s.Verdict.Passed, []string{"ECHO-1"}) || len(s.Verdict.TimedOut) != n-1 {
			t.Errorf("overrun %q, passed %v, %d timed out; want the time limit, ECHO-1's pass kept from the partial verdicts, the %d others timed out", s.Overrun, s.Verdict.Passed, len(s.Verdict.TimedOut), n-1)
		}
	case <-time.After(time.Minute):
		t.Fatal("the runner did not stop a suite that ignores SIGTERM")
	}
}

func TestRepeatNamesUnstableIDs(t *testing.T) {
	// Seeds 40, 41, 42: ECHO-2 fails once in three runs.
	s := runFakeWith(t, "flaky", time.Minute, 3, nil, nil)
	v := s.Verdict
	if !slices.Equal(v.Unstable, []string{"ECHO-2"}) || v.Runs["ECHO-2"] != (verdict.Runs{Ran: 3, Passed: 2}) {
		t.Fatalf("unstable %v, runs %v; want ECHO-2 unstable, 2 of 3 runs passed", v.Unstable, v.Runs)
	}
	if !slices.Equal(v.Seeds, []int64{40, 41, 42}) || !strings.Contains(v.Why["ECHO-2"], "seed 41") {
		t.Errorf("seeds %v, why %q; want the three seeds, and the failing run's message (seed 41)", v.Seeds, v.Why["ECHO-2"])
	}
	if !slices.Contains(v.Passed, "ECHO-1") || slices.Contains(v.Failed, "ECHO-2") {
		t.Errorf("passed %v, failed %v; want ECHO-1 passed and ECHO-2 in neither failed nor passed", v.Passed, v.Failed)
	}
}

func TestRerunFailedMerges(t *testing.T) {
	// The earlier run (seed 41) failed ECHO-2; the re-run (seed 40) passes
	// it: it is unstable, 1 of 2, and only ECHO-2 ran again.
	prev := Verdict{Target: "x", Model: "single", Passed: []string{"ECHO-1", "ECHO-3"}, Failed: []string{"ECHO-2"},
		Why: map[string]string{"ECHO-2": "received 3 of 4 bytes"}, Seeds: []int64{41}}
	s := runFakeWith(t, "flaky", time.Minute, 1, []string{"ECHO-2"}, &prev)
	v := s.Verdict
	if !slices.Equal(v.Unstable, []string{"ECHO-2"}) || v.Count("ECHO-2") != (verdict.Runs{Ran: 2, Passed: 1}) || v.Count("ECHO-1") != (verdict.Runs{Ran: 1, Passed: 1}) {
		t.Errorf("unstable %v, runs %v; want ECHO-2 unstable (1 of 2) and ECHO-1 run once, not again", v.Unstable, v.Runs)
	}
	if !slices.Equal(v.Seeds, []int64{41, 40}) {
		t.Errorf("seeds %v; want the earlier run's and the re-run's", v.Seeds)
	}
}
