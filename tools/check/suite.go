package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/tools/internal/modroot"
	"github.com/echospec/echospec/verdict"
)

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
}

// moduleRoot finds the echospec module from the current folder.
func moduleRoot(context.Context) (string, error) {
	root, err := modroot.Find()
	if err != nil {
		return "", fmt.Errorf("%v, or give a compiled suite with --suite", err)
	}
	return root, nil
}

// compileSuite builds the suite into dir/spec.test, in a process group of
// its own so that Ctrl-C stops the compiler too.
func compileSuite(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "spec.test")
	cmd := exec.Command("go", "test", "-c", "-o", bin, "./spec")
	cmd.Dir = root
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := runGroup(ctx, cmd, 5*time.Second); err != nil {
		return "", fmt.Errorf("go test -c ./spec in %s: %v\n%s", root, err, out.String())
	}
	return bin, nil
}

// runGroup starts cmd in its own process group and waits for it. When ctx
// ends first the group gets SIGTERM, then SIGKILL after grace; either way
// the whole group is killed once cmd has ended, so nothing it started is
// left.
func runGroup(ctx context.Context, cmd *exec.Cmd, grace time.Duration) error {
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	pgid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = signalGroup(pgid, false)
		select {
		case err = <-done:
		case <-time.After(grace):
			_ = signalGroup(pgid, true)
			err = <-done
		}
	}
	_ = signalGroup(pgid, true)
	sweep()
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
	v       *verdict.Verdict // nil if the suite gave none
	err     error            // why it gave none
	log     string           // the suite's own output
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
	args := []string{"--target", j.dir, "--verdicts", verdicts,
		"--patience", strconv.FormatFloat(j.patience, 'g', -1, 64),
		"--lang", string(j.lang), "--progress-fd", "3", "--ginkgo.no-color"}
	if j.filter != "" {
		args = append(args, "--ginkgo.label-filter", j.filter)
	}
	cmd := exec.Command(j.suite, args...)
	cmd.Dir = scratch
	cmd.Env = append(os.Environ(), "TMPDIR="+scratch, props.EnvLang+"="+string(j.lang))
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
	vs, rerr := verdict.Read(verdicts)
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
