// Command fixturecheck runs the suite on a bank of fixture servers and
// checks that each gets exactly the verdict its manifest expects: every
// broken server fails the IDs in its [expect] fail list, and only those;
// every correct server passes. It is how echospec knows its specs bite.
//
//	go run ./tools/fixturecheck fixtures/students
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/echospec/echospec/launch"
	"github.com/echospec/echospec/target"
)

type verdict struct {
	Target string            `json:"target"`
	Model  string            `json:"model"`
	Failed []string          `json:"failed"`
	Passed []string          `json:"passed"`
	Why    map[string]string `json:"why"`
	Reason string            `json:"reason"`
}

func main() {
	procs := flag.Int("procs", runtime.NumCPU()+1, "parallel suite processes")
	patience := flag.String("patience", "", "passed to the suite as --patience")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: fixturecheck [--procs N] [--patience F] DIR...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Args(), *procs, *patience); err != nil {
		fmt.Fprintln(os.Stderr, "fixturecheck:", err)
		os.Exit(1)
	}
}

func run(dirs []string, procs int, patience string) error {
	var all []*target.Target
	for _, d := range dirs {
		ts, err := target.Discover(d)
		if err != nil {
			return err
		}
		all = append(all, ts...)
	}
	if err := target.Unique(all); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "fixturecheck-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "verdicts.json")

	args := []string{"tool", "ginkgo", "-p", fmt.Sprintf("--procs=%d", procs), "--silence-skips", "./spec", "--", "--verdicts", out}
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return err
		}
		args = append(args, "--target", abs)
	}
	if patience != "" {
		args = append(args, "--patience", patience)
	}
	began := time.Now()
	cmd := exec.Command("go", args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	// Every process the run starts inherits this entry, so the check after
	// the run finds whatever a server left behind.
	session := fmt.Sprintf("ECHOSPEC_SESSION=fixturecheck-%d-%d", os.Getpid(), time.Now().UnixNano())
	cmd.Env = append(os.Environ(), session)
	fmt.Fprintf(os.Stderr, "fixturecheck: go %s\n", strings.Join(args, " "))
	runErr := cmd.Run() // fails whenever a broken fixture fails, as it should
	if left := launch.WithEnv(session); len(left) > 0 {
		return fmt.Errorf("after the run, %d processes it started are still running (pids %v): the launcher failed to stop a server", len(left), left)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return fmt.Errorf("the suite wrote no verdicts (%v); it ended with: %v", err, runErr)
	}
	var vs []verdict
	if err := json.Unmarshal(data, &vs); err != nil {
		return fmt.Errorf("reading verdicts: %w", err)
	}
	byName := map[string]verdict{}
	for _, v := range vs {
		byName[v.Target] = v
	}

	tw := tabwriter.NewWriter(os.Stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "fixture\tmodel\texpected to fail\tfailed\tpassed\tcheck")
	bad := 0
	for _, tg := range all {
		v, ok := byName[tg.Name]
		check := "ok"
		switch {
		case !ok:
			check, bad = "NO VERDICT", bad+1
		case len(v.Passed)+len(v.Failed) == 0:
			check, bad = "NOTHING RAN", bad+1
		case !matches(tg.Expect, v):
			check, bad = "MISMATCH", bad+1
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", tg.Name, tg.Model, list(tg.Expect.Fail), list(sorted(v.Failed)), len(v.Passed), check)
	}
	tw.Flush()
	for _, tg := range all {
		v := byName[tg.Name]
		if matches(tg.Expect, v) {
			continue
		}
		if tg.Expect.FailsAll() || tg.Expect.Reason != "" {
			fmt.Printf("  %s: expected every spec to fail because %q; failed %v (%s), passed %v\n", tg.Name, tg.Expect.Reason, sorted(v.Failed), v.Reason, v.Passed)
			continue
		}
		for _, id := range sorted(v.Failed) {
			if !slices.Contains(tg.Expect.Fail, id) {
				fmt.Printf("  %s: unexpectedly failed %s: %s\n", tg.Name, id, v.Why[id])
			}
		}
		for _, id := range tg.Expect.Fail {
			if !slices.Contains(v.Failed, id) {
				fmt.Printf("  %s: expected to fail %s, but it did not (%s)\n", tg.Name, id, tg.File)
			}
		}
	}
	fmt.Printf("%d fixtures in %v: %d as expected, %d not; no process of the run is left\n", len(all), time.Since(began).Round(time.Second), len(all)-bad, bad)
	fmt.Printf("%d passed, %d failed\n", len(all)-bad, bad)
	if bad > 0 {
		return fmt.Errorf("%d fixtures did not get their expected verdict", bad)
	}
	return nil
}

// matches reports whether a verdict is the one a fixture expects: exactly
// the listed IDs failed, or everything did, for the stated reason.
func matches(e target.Expectation, v verdict) bool {
	if e.Reason != "" {
		for _, why := range v.Why {
			if !strings.Contains(why, e.Reason) {
				return false
			}
		}
	}
	if e.FailsAll() {
		return len(v.Passed) == 0 && len(v.Failed) > 0
	}
	return slices.Equal(sorted(v.Failed), e.Fail)
}

func sorted(xs []string) []string { return slices.Sorted(slices.Values(xs)) }

func list(xs []string) string {
	if len(xs) == 0 {
		return "-"
	}
	return strings.Join(xs, " ")
}
