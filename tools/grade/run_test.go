//go:build unix

package main

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
	var verdicts string
	for i, a := range args {
		if a == "--verdicts" && i+1 < len(args) {
			verdicts = args[i+1]
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
	case "hang": // until SIGTERM, then a partial verdict, as Ginkgo does
		term := make(chan os.Signal, 1)
		signal.Notify(term, syscall.SIGTERM)
		fmt.Println("running")
		<-term
		write(Verdict{Target: "x", Model: "single", Failed: []string{"ECHO-2"}, Passed: []string{"ECHO-1"},
			Why: map[string]string{"ECHO-2": "Interrupted by User"}})
		return 1
	case "stubborn": // ignores SIGTERM: only SIGKILL ends it
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
	t.Setenv("GRADE_FAKE_SUITE", mode)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	rn := &runner{suite: self, cwd: tmp, tmp: filepath.Join(tmp, "scratch"), logs: filepath.Join(tmp, "logs"),
		patience: 1, timeout: timeout, grace: 100 * time.Millisecond, children: newChildren()}
	s := &Submission{Name: "x", Dir: tmp, Model: "single"}
	rn.run(context.Background(), s)
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
	// not run and fail.
	n := len(applicable("single", 0, ""))
	if len(s.Verdict.Failed) != n-1 || !slices.Equal(s.Verdict.Passed, []string{"ECHO-1"}) {
		t.Errorf("failed %v, passed %v; want ECHO-2 and the %d not run, and ECHO-1", s.Verdict.Failed, s.Verdict.Passed, n-2)
	}
}

func TestRunSurvivesACrash(t *testing.T) {
	s := runFake(t, "crash", time.Minute)
	if !strings.Contains(s.Problem, "without a verdict") || !strings.Contains(s.Problem, "the suite fell over") {
		t.Errorf("problem %q; want it to say there was no verdict, quoting the suite's last line", s.Problem)
	}
	if len(s.Verdict.Failed) != len(applicable("single", 0, "")) {
		t.Errorf("%d failed; want every single-model property: zero for what could not run", len(s.Verdict.Failed))
	}
}

func TestRunStopsAnOverrun(t *testing.T) {
	s := runFake(t, "hang", 300*time.Millisecond)
	if !strings.HasPrefix(s.Problem, "the suite did not finish within 300ms") {
		t.Errorf("problem %q; want the time limit", s.Problem)
	}
	if !slices.Equal(s.Verdict.Passed, []string{"ECHO-1"}) || !strings.HasPrefix(s.Verdict.Why["ECHO-2"], "the suite did not finish") {
		t.Errorf("passed %v, why ECHO-2 %q; want what passed before the limit kept, the interrupted spec failed for the limit", s.Verdict.Passed, s.Verdict.Why["ECHO-2"])
	}
}

func TestRunKillsASuiteThatIgnoresSIGTERM(t *testing.T) {
	done := make(chan *Submission)
	go func() { done <- runFake(t, "stubborn", 300*time.Millisecond) }()
	select {
	case s := <-done:
		if !strings.HasPrefix(s.Problem, "the suite did not finish") || len(s.Verdict.Failed) != len(applicable("single", 0, "")) {
			t.Errorf("problem %q with %d failed; want the time limit and every property failed", s.Problem, len(s.Verdict.Failed))
		}
	case <-time.After(time.Minute):
		t.Fatal("the runner did not stop a suite that ignores SIGTERM")
	}
}
