//go:build unix

package grade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSIGTERMKeepsWhatWasReached grades two submissions one at a time with
// a suite that hangs after its first verdict, and stops the run as a
// batch engine does at its time limit (SIGTERM: errStopped) while the
// first suite runs: the outputs are written, the first keeps ECHO-1's
// pass and has the rest timed out, the second (never started) is all
// timed out. Ctrl-C (context.Canceled) writes nothing.
func TestSIGTERMKeepsWhatWasReached(t *testing.T) {
	t.Setenv("GRADE_FAKE_SUITE", "hang")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	class := filepath.Join(tmp, "class")
	for _, name := range []string{"a", "b"} {
		if err := os.MkdirAll(filepath.Join(class, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(class, name, "echospec.toml"), []byte("model = \"single\"\ncommand = [\"./server\"]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(cause error) (string, error) {
		out := filepath.Join(tmp, fmt.Sprint("out-", cause != errStopped))
		ctx, cancel := context.WithCancelCause(context.Background())
		defer cancel(nil)
		done := make(chan error, 1)
		go func() {
			done <- gradeMain(ctx, []string{"--suite", self, "--seed", "7", "--parallel", "1", "--out", out, class})
		}()
		// The fake suite prints "running" once its first verdict is written.
		deadline := time.Now().Add(time.Minute)
		for {
			if log, _ := os.ReadFile(filepath.Join(out, "logs", "a.log")); strings.Contains(string(log), "running") {
				break
			}
			select {
			case err := <-done:
				t.Fatalf("grade ended before its suite ran: %v", err)
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatal("the suite did not start within a minute")
			}
		}
		cancel(cause)
		select {
		case err := <-done:
			return out, err
		case <-time.After(time.Minute):
			t.Fatal("grade did not end within a minute of being stopped")
		}
		return out, nil
	}

	out, err := run(errStopped)
	if err == nil || !strings.Contains(err.Error(), "stopped by SIGTERM") || !strings.Contains(err.Error(), "--rerun-failed") {
		t.Errorf("err %v; want it to say grading was stopped and how to grade the rest", err)
	}
	data, rerr := os.ReadFile(filepath.Join(out, "grade.json"))
	if rerr != nil {
		t.Fatalf("stopped by SIGTERM, grade wrote no grade.json: %v", rerr)
	}
	var gf gradeFile
	if err := json.Unmarshal(data, &gf); err != nil || len(gf.Submissions) != 2 {
		t.Fatalf("grade.json: %v, %d submissions; want both", err, len(gf.Submissions))
	}
	n := len(applicable("single", 0, ""))
	a, b := gf.Submissions[0], gf.Submissions[1]
	if !strings.Contains(a.Overrun, "stopped by SIGTERM") || !slices.Equal(a.Verdict.Passed, []string{"ECHO-1"}) || len(a.Verdict.TimedOut) != n-1 || len(a.Verdict.Failed) != 0 {
		t.Errorf("a: overrun %q, passed %v, failed %v, %d timed out; want ECHO-1's pass kept and the %d others timed out", a.Overrun, a.Verdict.Passed, a.Verdict.Failed, len(a.Verdict.TimedOut), n-1)
	}
	if !strings.Contains(b.Overrun, "before this submission's suite started") || len(b.Verdict.TimedOut) != n || len(b.Verdict.Passed)+len(b.Verdict.Failed) != 0 {
		t.Errorf("b: overrun %q, passed %v, failed %v, %d timed out; want all %d timed out", b.Overrun, b.Verdict.Passed, b.Verdict.Failed, len(b.Verdict.TimedOut), n)
	}

	out, err = run(context.Canceled)
	var code exitError
	if !errors.As(err, &code) || code != 130 {
		t.Errorf("err %v; want Ctrl-C's exit status 130", err)
	}
	if _, err := os.Stat(filepath.Join(out, "grade.json")); err == nil {
		t.Error("Ctrl-C: grade.json was written; want nothing written")
	}
}
