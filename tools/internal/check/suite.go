package check

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/echospec/echospec/launch"
	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/tools/internal/suite"
)

// verdict is the suite's verdict on one target, as its --verdicts file
// has it (spec/suite_test.go).
type verdict struct {
	Target string   `json:"target"`
	Model  string   `json:"model"`
	Failed []string `json:"failed"`
	Passed []string `json:"passed"`
	// NotJudged are the IDs whose setup failed (verdict.Verdict).
	NotJudged []string          `json:"not_judged,omitempty"`
	Skip      map[string]string `json:"skipped,omitempty"`
	Why       map[string]string `json:"why,omitempty"`
	Detail    map[string]string `json:"detail,omitempty"`
	// Partly: the IDs judged only in part, and what was left out.
	Partly map[string]string `json:"partly,omitempty"`
	Reason string            `json:"reason,omitempty"`
}

// event is one line of the suite's --progress-fd (spec/progress_test.go).
type event struct {
	Event   string  `json:"event"`
	Total   int     `json:"total"`
	Index   int     `json:"index"`
	Target  string  `json:"target"`
	ID      string  `json:"id"`
	Family  string  `json:"family"`
	State   string  `json:"state"`
	Seconds float64 `json:"seconds"`
	Every   string  `json:"every"` // the one reason every spec fails, if there is one
}

// compiled is the suite for this kit, from the cache or compiled now
// (then compiling is called first).
func compiled(ctx context.Context, compiling func()) (string, error) {
	root, err := suite.Root()
	if err != nil {
		return "", fmt.Errorf("%v, or give a compiled suite with --suite", err)
	}
	return suite.Cached(ctx, root, suite.Build{}, compiling)
}

// children are the suites check runs, told apart from the orphans a
// killed suite leaves (check is their subreaper), which Sweep ends.
var children = sync.OnceValue(launch.NewChildren)

// runGroup starts cmd in its own process group and waits for it. When ctx
// ends first the group gets SIGTERM, then SIGKILL after grace; either way
// the whole group is killed once cmd has ended, and so is every orphan it
// left, so nothing it started is left. Other suites running at the same
// time are not touched.
func runGroup(ctx context.Context, cmd *exec.Cmd, grace time.Duration) error {
	launch.OwnGroup(cmd)
	launch.DieWithParent(cmd, syscall.SIGTERM)
	kids := children()
	if err := kids.Start(cmd); err != nil {
		return err
	}
	pgid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = launch.SignalGroup(pgid, syscall.SIGTERM)
		select {
		case err = <-done:
		case <-time.After(grace):
			_ = launch.SignalGroup(pgid, syscall.SIGKILL)
			err = <-done
		}
	}
	_ = launch.SignalGroup(pgid, syscall.SIGKILL)
	kids.Done(cmd)
	kids.Sweep()
	return err
}

// job is one run of the suite on one server.
type job struct {
	suite    string // the compiled suite
	dir      string // the server's folder
	filter   string // a Ginkgo label filter, or ""
	patience float64
	lang     props.Lang
	// grace is how long the suite has to stop its server after SIGTERM.
	grace time.Duration
}

// result is what one run found out.
type result struct {
	v       *verdict // nil if the suite gave none
	err     error    // why it gave none
	log     string   // the suite's own output
	elapsed time.Duration
}

// run runs the suite once, sending each progress event to on as it
// comes. The suite runs in a scratch folder that goes when it ends.
func (j job) run(ctx context.Context, on func(event)) result {
	began := time.Now()
	scratch, err := os.MkdirTemp("", "echospec-check-")
	if err != nil {
		return result{err: err}
	}
	defer os.RemoveAll(scratch)
	verdicts := filepath.Join(scratch, "verdicts.json")
	so := suite.Options{Target: j.dir, Verdicts: verdicts, Patience: j.patience, Lang: j.lang,
		Filter: j.filter, ProgressFD: 3}
	cmd := exec.Command(j.suite, so.Args()...)
	cmd.Dir = scratch
	cmd.Env = so.Env(scratch)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	pr, pw, err := os.Pipe()
	if err != nil {
		return result{err: err}
	}
	cmd.ExtraFiles = []*os.File{pw}
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			var e event
			if json.Unmarshal(sc.Bytes(), &e) == nil {
				on(e)
			}
		}
	}()
	err = runGroup(ctx, cmd, j.grace)
	pw.Close()
	<-read
	pr.Close()
	r := result{log: log.String(), elapsed: time.Since(began)}
	var vs []verdict
	data, rerr := os.ReadFile(verdicts)
	if rerr == nil {
		rerr = json.Unmarshal(data, &vs)
	}
	switch {
	case ctx.Err() != nil:
		r.err = ctx.Err()
	case rerr == nil && len(vs) == 1:
		r.v = &vs[0]
	case err != nil:
		r.err = err
	default:
		r.err = fmt.Errorf("%d verdicts", len(vs))
	}
	return r
}
