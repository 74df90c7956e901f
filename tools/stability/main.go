// Command stability tells flaky verdicts from stable ones: it grades the
// fixture bank K times while every core is kept busy, and lists each
// fixture whose verdict (the set of IDs it failed) was not the same in
// every run. A verdict that holds on an idle machine and changes under
// load is a spec whose deadlines or timing assumptions are too tight.
//
// Usage:
//
//	make stability                       K=10 runs (make stability K=3 for fewer)
//	go run ./tools/stability -k 3        the same, from the module's root
//	go run ./tools/stability -k 3 DIR... other fixture folders
//
// It builds tools/grade (into out/stability/bin) and the suite (cached), then
// starts the load: -load processes (default: one per CPU) spinning on the
// CPU, in a process group of their own. Each spinner also ends by itself
// when stability is gone or the run's deadline (K × -run-timeout) passes,
// and the group is killed and reaped when the runs end, fail or are
// interrupted (Ctrl-C). Run N is
//
//	out/stability/bin/grade --expect --parallel 2 --patience P --suite SUITE --out out/stability/run-N DIR...
//
// with its output in out/stability/run-N.log; a line per run says whether
// --expect matched (every fixture got the verdict its manifest expects).
// Then it reads every run's grade.json and prints, for each fixture whose
// verdict changed, its failed (and not judged) IDs per run and how many
// runs each ID failed, and ends with "N fixtures, K runs, M verdict
// changes" (M: the fixtures whose verdict changed). A fixture whose
// changes are all in IDs its manifest lists as may_fail (the bug is a
// race, so those specs pass in some runs) is shown, marked, and counted
// apart, not as a change — unless the fixture is correct (it must fail
// nothing): there no bug races, a may_fail flip is the kit's own noise,
// and it counts. A run that wrote no grade.json is left out of the
// comparison, and said so.
//
// Exit status: 0 when every verdict held, 1 when one changed, 2 when a
// run could not be made (build, start, no grade.json), 130 on Ctrl-C
// (after the table of the runs done so far).
//
// It is not part of make test: K runs of the bank take K times as long as
// make fixtures, on purpose on a machine that has no core to spare.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/echospec/echospec/tools/internal/suite"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == spinArg {
		spinMain(os.Args[2:])
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, os.Args[1:])
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "stability:", err)
	}
	os.Exit(code)
}

// bank is what make fixtures grades.
var bank = []string{"fixtures/students", "fixtures/hostile"}

func run(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("stability", flag.ContinueOnError)
	k := fs.Int("k", 10, "how many times to grade the bank")
	out := fs.String("out", filepath.Join("out", "stability"), "the folder for the runs' outputs (run-N) and binaries (bin)")
	load := fs.Int("load", runtime.NumCPU(), "CPU-spinning processes kept running during the runs")
	parallel := fs.Int("parallel", 2, "grade's --parallel")
	patience := fs.Float64("patience", 1, "grade's --patience")
	runTimeout := fs.Duration("run-timeout", time.Hour, "how long one run of the bank may take before it is stopped")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: stability [flags] [DIR...]   (default DIRs: fixtures/students fixtures/hostile)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2, err
	}
	dirs := fs.Args()
	if len(dirs) == 0 {
		dirs = bank
	}
	switch {
	case *k < 1:
		return 2, fmt.Errorf("-k %d: give 1 or more runs", *k)
	case *load < 0:
		return 2, fmt.Errorf("-load %d: give 0 or more spinners", *load)
	case *runTimeout <= 0:
		return 2, fmt.Errorf("-run-timeout %v: it must be positive", *runTimeout)
	}

	bin := filepath.Join(*out, "bin")
	grade := filepath.Join(bin, "grade")
	fmt.Fprintf(os.Stderr, "stability: building %s and the suite\n", grade)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", grade, "./tools/grade")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return 2, fmt.Errorf("go build ./tools/grade: %w", err)
	}
	root, err := suite.Root()
	if err != nil {
		return 2, err
	}
	spec, err := suite.Cached(ctx, root, suite.Build{}, nil)
	if err != nil {
		return 2, err
	}

	deadline := time.Now().Add(time.Duration(*k) * *runTimeout)
	spin, err := startLoad(*load, deadline)
	if err != nil {
		return 2, fmt.Errorf("starting the load: %w", err)
	}
	fmt.Fprintf(os.Stderr, "stability: %d spinning processes (group %d); %d runs of %v\n", *load, spin.pgid, *k, dirs)
	runs, failed := gradeRuns(ctx, spin, grade, spec, *out, dirs, *k, *parallel, *patience, *runTimeout)
	spin.stop() // before the table: the load is the runs' alone

	changed := printTable(os.Stdout, runs)
	switch {
	case ctx.Err() != nil:
		return 130, errors.New("interrupted; the load is stopped")
	case changed > 0:
		return 1, nil
	case failed > 0:
		return 2, fmt.Errorf("%d runs wrote no grade.json", failed)
	}
	return 0, nil
}

// gradeRuns grades the bank k times and reads each run's grade.json. It
// stops early if ctx ends or the load dies (a run without it proves
// nothing), and returns the runs read and how many could not be.
func gradeRuns(ctx context.Context, spin *load, grade, suite, out string, dirs []string, k, parallel int, patience float64, timeout time.Duration) ([]Run, int) {
	var runs []Run
	failed := 0
	for n := 1; n <= k && ctx.Err() == nil; n++ {
		if err := spin.alive(); err != nil {
			fmt.Fprintf(os.Stderr, "stability: %v; no more runs\n", err)
			failed += k - n + 1
			break
		}
		dir := filepath.Join(out, fmt.Sprintf("run-%d", n))
		log := dir + ".log"
		args := append([]string{"--expect", "--parallel", strconv.Itoa(parallel), "--patience", strconv.FormatFloat(patience, 'g', -1, 64),
			"--suite", suite, "--out", dir}, dirs...)
		if err := os.Remove(filepath.Join(dir, "grade.json")); err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(os.Stderr, "stability: %v; no more runs\n", err)
			failed += k - n + 1
			break
		}
		t0 := time.Now()
		code, err := gradeOnce(ctx, grade, args, log, timeout)
		took := time.Since(t0).Round(time.Second)
		r, rerr := readRun(n, dir)
		switch {
		case ctx.Err() != nil:
			fmt.Printf("run %d/%d: interrupted after %v; left out\n", n, k, took)
			continue
		case err != nil || rerr != nil:
			failed++
			fmt.Printf("run %d/%d: %v: no verdicts (%v; see %s)\n", n, k, took, errors.Join(err, rerr), log)
			continue
		}
		runs = append(runs, r)
		fmt.Printf("run %d/%d: %v, %d fixtures, %s (%s)\n", n, k, took, len(r.Failed), expectWord(code), log)
	}
	return runs, failed
}

// expectWord says what grade --expect's exit status means once grade.json
// is written: grade returns every other error before it writes it.
func expectWord(code int) string {
	switch code {
	case 0:
		return "--expect matched"
	}
	return fmt.Sprintf("--expect did NOT match: %d fixtures", code)
}

// gradeOnce runs grade with args, its output to log, and returns its exit
// status. On Ctrl-C the terminal has signalled grade too (it is in our
// process group); on SIGTERM to us, or the timeout, grade is sent SIGTERM
// and has a minute to clean up before it is killed.
func gradeOnce(ctx context.Context, grade string, args []string, log string, timeout time.Duration) (int, error) {
	if err := os.MkdirAll(filepath.Dir(log), 0o755); err != nil {
		return 0, err
	}
	f, err := os.Create(log)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, grade, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Cancel = func() error { return terminate(cmd.Process) }
	cmd.WaitDelay = time.Minute
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() > 0 {
		return exit.ExitCode(), nil // --expect's verdict, or grade's error
	}
	return 0, err
}

// load is the spinning processes: one process group.
type load struct {
	pgid  int
	procs []*exec.Cmd
	exits chan error // one value per spinner that ended
}

// spinArg makes the command a spinner: stability spin PARENT_PID DEADLINE.
const spinArg = "spin"

// startLoad starts n spinners of this same executable, in one new
// process group, each told to end at deadline or when this process is
// gone. On an error the ones started are stopped.
func startLoad(n int, deadline time.Time) (*load, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	l := &load{exits: make(chan error, n)}
	for range n {
		cmd := exec.Command(self, spinArg, strconv.Itoa(os.Getpid()), strconv.FormatInt(deadline.Unix(), 10))
		cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
		inGroup(cmd, l.pgid)
		if err := cmd.Start(); err != nil {
			l.stop()
			return nil, err
		}
		if l.pgid == 0 {
			l.pgid = cmd.Process.Pid
		}
		l.procs = append(l.procs, cmd)
		go func() { l.exits <- cmd.Wait() }()
	}
	return l, nil
}

// alive returns an error if a spinner has ended: the load is not whole.
func (l *load) alive() error {
	select {
	case err := <-l.exits:
		l.exits <- err // stop still waits for it
		return fmt.Errorf("a spinning process ended (%v)", err)
	default:
		return nil
	}
}

// stop kills the spinners' group and waits until every one is reaped.
func (l *load) stop() {
	if len(l.procs) == 0 {
		return
	}
	killGroup(l.pgid)
	for range l.procs {
		<-l.exits
	}
	l.procs = nil
}

// spinMain is one spinner: it keeps a CPU busy until the deadline, or
// until its parent is gone (it is then someone else's child).
func spinMain(args []string) {
	if len(args) != 2 {
		os.Exit(2)
	}
	parent, err1 := strconv.Atoi(args[0])
	until, err2 := strconv.ParseInt(args[1], 10, 64)
	if err1 != nil || err2 != nil {
		os.Exit(2)
	}
	runtime.GOMAXPROCS(1)
	end := time.Unix(until, 0)
	for x := 0; ; x++ {
		if x%(1<<20) == 0 && (os.Getppid() != parent || time.Now().After(end)) {
			return
		}
	}
}
