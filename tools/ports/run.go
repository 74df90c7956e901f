package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/echospec/echospec/launch"
	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/tools/internal/modroot"
	"github.com/echospec/echospec/tools/ports/portinfo"
	"github.com/echospec/echospec/verdict"
)

// archRun is one CPU's suite run under qemu, as written to run.json.
type archRun struct {
	Platform string               `json:"platform"`
	QEMU     string               `json:"qemu"`
	Binfmt   bool                 `json:"binfmt"` // foreign binaries ran directly through binfmt_misc
	Note     string               `json:"note"`   // how the servers were started, and why
	Command  []string             `json:"command"`
	Excluded []portinfo.Exclusion `json:"excluded"`
	Targets  []runTarget          `json:"targets"`
	Seconds  float64              `json:"seconds"`
	Exit     int                  `json:"exit"`
	Error    string               `json:"error,omitempty"`
	Verdicts []verdict.Verdict    `json:"verdicts"`
	Log      string               `json:"log"`
}

// runTarget is one generated manifest.
type runTarget struct {
	Name      string   `json:"name"`
	Model     string   `json:"model"`
	Pool      int      `json:"pool,omitempty"`
	Mechanism string   `json:"mechanism,omitempty"`
	Command   []string `json:"command"`
}

// manifestFile is an echospec.toml, as written for a server built for
// another CPU.
type manifestFile struct {
	Name         string   `toml:"name"`
	Model        string   `toml:"model"`
	Description  string   `toml:"description"`
	Command      []string `toml:"command"`
	Port         int      `toml:"port,omitzero"`
	Pool         int      `toml:"pool,omitzero"`
	Mechanism    string   `toml:"mechanism,omitempty"`
	Greeting     string   `toml:"greeting,omitempty"`
	ReadyTimeout string   `toml:"ready_timeout,omitempty"`
}

func run(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	out := fs.String("out", "out/ports", "the folder `ports build` wrote (relative to the module root)")
	arches := fs.String("arch", "arm64,riscv64", "comma-separated linux GOARCHes to run under qemu-user")
	patience := fs.Float64("patience", 5, "the suite's --patience: every deadline is multiplied by it under emulation")
	timeout := fs.Duration("timeout", 45*time.Minute, "bound on each CPU's suite run; the suite and its servers are killed after it")
	var defaultExcl []string
	for _, e := range portinfo.Emulated {
		defaultExcl = append(defaultExcl, e.ID)
	}
	exclude := fs.String("exclude", strings.Join(defaultExcl, ","), "comma-separated spec IDs to leave out (\"none\" runs every spec); by default those that cannot hold under emulation")
	labels := fs.String("label-filter", "", "an extra Ginkgo label filter, and-ed with the exclusions (e.g. 'family:echo' for a quick check)")
	parallel := fs.Bool("parallel", false, "run the CPUs' suites at the same time (each is serial inside; on 2 cores, timing specs may suffer)")
	fs.Parse(args)

	root, err := modroot.Find()
	if err != nil {
		return err
	}
	outDir := absOut(root, *out)
	excluded := exclusions(*exclude)
	filter := labelFilter(excluded, *labels)

	var runs []*archRun
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, arch := range strings.Split(*arches, ",") {
		arch = strings.TrimSpace(arch)
		p := portinfo.Platform{OS: "linux", Arch: arch}
		r := &archRun{Platform: p.String(), Excluded: excluded}
		runs = append(runs, r)
		one := func() {
			if err := runArch(root, filepath.Join(outDir, p.Dir()), p, r, *patience, *timeout, filter); err != nil {
				r.Error = err.Error()
			}
			mu.Lock()
			defer mu.Unlock()
			printRun(os.Stdout, r)
		}
		if *parallel {
			wg.Go(one)
		} else {
			one()
		}
	}
	wg.Wait()

	data, _ := json.MarshalIndent(runs, "", "  ")
	if err := os.WriteFile(filepath.Join(outDir, "run.json"), data, 0o644); err != nil {
		return err
	}
	bad := 0
	for _, r := range runs {
		if r.Error != "" || r.Exit != 0 || failures(r) > 0 {
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d CPU(s) did not pass under qemu (details above; logs and run.json in %s)", bad, len(runs), outDir)
	}
	return nil
}

func exclusions(list string) []portinfo.Exclusion {
	if list == "none" || strings.TrimSpace(list) == "" {
		return nil
	}
	var out []portinfo.Exclusion
	for _, id := range strings.Split(list, ",") {
		id = strings.TrimSpace(id)
		e := portinfo.Exclusion{ID: id, Why: "left out with -exclude " + list}
		for _, known := range portinfo.Emulated {
			if known.ID == id {
				e = known
			}
		}
		out = append(out, e)
	}
	return out
}

func labelFilter(excluded []portinfo.Exclusion, extra string) string {
	var parts []string
	for _, e := range excluded {
		parts = append(parts, "!id:"+e.ID)
	}
	if extra != "" {
		parts = append(parts, "("+extra+")")
	}
	return strings.Join(parts, " && ")
}

// runArch runs the suite built for p under qemu against the reference
// servers built for p.
func runArch(root, dir string, p portinfo.Platform, r *archRun, patience float64, timeout time.Duration, filter string) error {
	suite := filepath.Join(dir, "spec.test")
	if _, err := os.Stat(suite); err != nil {
		return fmt.Errorf("%s: no suite built for %s: run `make ports` (go run ./tools/ports build) first", suite, p)
	}
	qarch := portinfo.QEMUArch(p.Arch)
	if qarch == "" {
		return fmt.Errorf("no qemu-user emulator known for %s", p.Arch)
	}
	qemu, err := exec.LookPath("qemu-" + qarch + "-static")
	if err != nil {
		if qemu, err = exec.LookPath("qemu-" + qarch); err != nil {
			return fmt.Errorf("neither qemu-%s-static nor qemu-%s is installed; `make ports-run` installs qemu-user-static with apt-get (as root)", qarch, qarch)
		}
	}
	r.QEMU = qemu

	// Can the kernel run a binary of this CPU by itself (binfmt_misc)?
	// Then the servers start as they are, and a server that re-executes
	// itself (impl/multiprocess) works; qemu-user cannot exec a foreign
	// binary on its own.
	r.Binfmt = runsDirectly(suite)
	entry := binfmtEntry(qarch)
	if r.Binfmt {
		r.Note = fmt.Sprintf("binfmt_misc runs %s binaries through qemu (%s): servers start as built", p.Arch, entry)
	} else {
		r.Note = fmt.Sprintf("binfmt_misc does not run %s binaries (%s): servers start as `%s SERVER`; a server that re-executes itself "+
			"(impl/multiprocess: os.Executable, then exec) then fails with \"exec format error\", because qemu-user cannot exec a foreign binary; "+
			"`make ports-run` registers qemu with binfmt_misc as root", p.Arch, entry, filepath.Base(qemu))
	}

	targetsDir := filepath.Join(dir, "targets")
	if r.Targets, err = writeManifests(root, dir, targetsDir, p, qemu, r.Binfmt); err != nil {
		return err
	}

	verdictFile := filepath.Join(dir, "verdicts.json")
	_ = os.Remove(verdictFile)
	logFile := filepath.Join(dir, "run.log")
	r.Log = logFile
	suiteBudget := timeout - time.Minute
	r.Command = []string{qemu, suite,
		"-ginkgo.no-color", "-ginkgo.silence-skips",
		"-ginkgo.timeout", suiteBudget.String(), "-test.timeout", (timeout - 30*time.Second).String(),
		"--target", targetsDir, "--patience", strconv.FormatFloat(patience, 'g', -1, 64), "--verdicts", verdictFile}
	if filter != "" {
		r.Command = append(r.Command, "-ginkgo.label-filter", filter)
	}

	logf, err := os.Create(logFile)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(os.Stderr, "running the %s suite under %s (up to %v; log: %s) ...\n", p, filepath.Base(qemu), timeout, logFile)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.Command[0], r.Command[1:]...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	// The suite runs in a process group of its own; when it overruns, the
	// whole group is killed, with whatever it left, and the servers it
	// started die with it (launch sets their parent-death signal on Linux).
	launch.OwnGroup(cmd)
	cmd.Cancel = func() error { return launch.SignalGroup(cmd.Process.Pid, os.Kill) }
	cmd.WaitDelay = 10 * time.Second
	began := time.Now()
	err = cmd.Run()
	r.Seconds = time.Since(began).Seconds()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.Exit = -1
		r.Error = fmt.Sprintf("the suite did not finish within %v and was killed; see %s", timeout, logFile)
	case errors.As(err, &ee):
		r.Exit = ee.ExitCode()
	case err != nil:
		return fmt.Errorf("running %s: %w", suite, err)
	}
	vs, err := verdict.Read(verdictFile)
	var unread *fs.PathError // the file could not be read, as opposed to parsed
	if errors.As(err, &unread) {
		if r.Error == "" {
			r.Error = fmt.Sprintf("the suite wrote no verdicts (exit %d); the end of %s:\n%s", r.Exit, logFile, tailOf(logFile, 30))
		}
		return nil
	}
	r.Verdicts = vs
	return err
}

// runsDirectly reports whether the kernel runs a foreign binary by itself:
// the suite lists no tests and exits 0.
func runsDirectly(bin string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return exec.CommandContext(ctx, bin, "-test.list", "^$").Run() == nil
}

// binfmtEntry describes binfmt_misc's entry for qemu-QARCH.
func binfmtEntry(qarch string) string {
	f := "/proc/sys/fs/binfmt_misc/qemu-" + qarch
	data, err := os.ReadFile(f)
	if err != nil {
		if _, err := os.Stat("/proc/sys/fs/binfmt_misc/register"); err != nil {
			return "binfmt_misc is not mounted"
		}
		return "no entry " + f
	}
	state, _, _ := strings.Cut(string(data), "\n")
	return f + ": " + state
}

// writeManifests writes one manifest per reference target of
// fixtures/targets, whose command runs the server built for p.
func writeManifests(root, dir, targetsDir string, p portinfo.Platform, qemu string, direct bool) ([]runTarget, error) {
	refs, err := manifest.Discover(filepath.Join(root, "fixtures", "targets"))
	if err != nil {
		return nil, err
	}
	if err := os.RemoveAll(targetsDir); err != nil {
		return nil, err
	}
	var out []runTarget
	for _, tg := range refs {
		impl := ""
		for _, a := range tg.Build {
			if rel, ok := strings.CutPrefix(a, portinfo.Module+"/"); ok && strings.HasPrefix(rel, "impl/") {
				impl = rel
			}
		}
		if impl == "" {
			return nil, fmt.Errorf("%s: its build does not name a package under impl/, so there is no server built for %s to run", tg.File, p)
		}
		bin := filepath.Join(dir, p.Exe(path.Base(impl)))
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("%s: %s was not built for %s: run `make ports` first", tg.File, impl, p)
		}
		var argv []string
		if !direct {
			argv = append(argv, qemu)
		}
		replaced := false
		for _, a := range tg.Command {
			if a == "{builddir}/server" {
				a, replaced = bin, true
			}
			argv = append(argv, a)
		}
		if !replaced {
			return nil, fmt.Errorf("%s: its command does not start {builddir}/server; cannot point it at the %s build", tg.File, p)
		}
		m := manifestFile{
			Name: tg.Name, Model: tg.Model, Command: argv, Port: tg.Port, Pool: tg.Pool, Mechanism: tg.Mechanism,
			Greeting:    string(tg.Greeting),
			Description: fmt.Sprintf("%s built for %s, generated by tools/ports from %s", impl, p, tg.File),
		}
		if tg.ReadyTimeout != manifest.DefaultReadyTimeout {
			m.ReadyTimeout = tg.ReadyTimeout.String()
		}
		tdir := filepath.Join(targetsDir, tg.Name)
		if err := os.MkdirAll(tdir, 0o755); err != nil {
			return nil, err
		}
		f, err := os.Create(filepath.Join(tdir, manifest.FileName))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(f, "# Generated by go run ./tools/ports run; do not edit.\n")
		err = toml.NewEncoder(f).Encode(m)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		out = append(out, runTarget{Name: tg.Name, Model: tg.Model, Pool: tg.Pool, Mechanism: tg.Mechanism, Command: argv})
	}
	return out, nil
}

func failures(r *archRun) int {
	n := 0
	for _, v := range r.Verdicts {
		n += len(v.Failed) + len(v.NotJudged) // a reference server must be judged on every port
	}
	return n
}

// Cells of the results table.
const (
	cellPass = "pass"
	cellFail = "FAIL"
	cellSkip = "skip"
	cellExcl = "excl"
	cellNone = "."  // the property does not apply to the target's model
	cellMiss = "--" // applies, but no verdict: filtered out by -label-filter, not in the suite, or the run stopped
)

// printRun writes one CPU's results: property × target.
func printRun(w io.Writer, r *archRun) {
	fmt.Fprintf(w, "\n== %s under qemu-user (%s), --patience %s\n", r.Platform, filepath.Base(r.QEMU), patienceOf(r.Command))
	fmt.Fprintf(w, "   %s\n", r.Note)
	if len(r.Command) > 0 {
		fmt.Fprintf(w, "   ran %v, exit %d; log %s\n", time.Duration(r.Seconds*float64(time.Second)).Round(time.Second), r.Exit, r.Log)
	}
	if r.Error != "" {
		fmt.Fprintf(w, "   ERROR: %s\n", r.Error)
	}
	if len(r.Verdicts) == 0 {
		return
	}
	byName := map[string]verdict.Verdict{}
	for _, v := range r.Verdicts {
		byName[v.Target] = v
	}
	excluded := map[string]bool{}
	for _, e := range r.Excluded {
		excluded[e.ID] = true
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"ID"}
	for _, t := range r.Targets {
		head = append(head, t.Name)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	type note struct{ target, id, kind, text string }
	var notes []note
	count := map[string]int{}
	for _, pr := range props.All() {
		row := []string{pr.ID}
		for _, t := range r.Targets {
			v := byName[t.Name]
			c := cellMiss
			switch {
			case !pr.Applies(t.Model, t.Pool, t.Mechanism):
				c = cellNone
			case slices.Contains(v.Failed, pr.ID):
				c = cellFail
				notes = append(notes, note{t.Name, pr.ID, "failed", v.Why[pr.ID]})
			case slices.Contains(v.NotJudged, pr.ID):
				c = cellFail
				notes = append(notes, note{t.Name, pr.ID, "not judged", v.Why[pr.ID]})
			case slices.Contains(v.Passed, pr.ID):
				c = cellPass
			case v.Skip[pr.ID] != "":
				c = cellSkip
				notes = append(notes, note{t.Name, pr.ID, "skipped", v.Skip[pr.ID]})
			case excluded[pr.ID]:
				c = cellExcl
			}
			count[c]++
			row = append(row, c)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	fmt.Fprintf(w, "   %d passed, %d failed, %d skipped, %d excluded, %d without a verdict (%s: filtered out with -label-filter, or the run stopped; %s: does not apply to the model)\n",
		count[cellPass], count[cellFail], count[cellSkip], count[cellExcl], count[cellMiss], cellMiss, cellNone)
	for _, e := range r.Excluded {
		fmt.Fprintf(w, "   excluded %s: %s\n", e.ID, e.Why)
	}
	for _, n := range notes {
		fmt.Fprintf(w, "   %s %s %s: %s\n", n.kind, n.target, n.id, n.text)
	}
	for _, v := range r.Verdicts {
		if v.Reason != "" {
			fmt.Fprintf(w, "   %s: every spec failed: %s\n", v.Target, v.Reason)
		}
	}
}

func patienceOf(cmd []string) string {
	for i, a := range cmd {
		if a == "--patience" && i+1 < len(cmd) {
			return cmd[i+1]
		}
	}
	return "?"
}

func tailOf(file string, n int) string {
	data, err := os.ReadFile(file)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "    | " + strings.Join(lines, "\n    | ")
}
