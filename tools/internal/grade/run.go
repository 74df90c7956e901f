package grade

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/echospec/echospec/launch"
	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/tools/internal/suite"
	"github.com/echospec/echospec/verdict"
)

// runner runs the compiled suite on one submission at a time per slot.
type runner struct {
	suite    string  // the compiled suite, spec.test
	cwd      string  // where it runs: the module's spec folder
	tmp      string  // per-submission scratch folders go here
	logs     string  // per-submission suite output goes here
	patience float64 // passed on as --patience
	timeout  time.Duration
	repeat   int        // runs per submission
	seed     int64      // the first run's seed; run k has seed+k
	lang     props.Lang // the language of the suite's hints (--lang)
	// course is the course's manifest and the keys a student may set,
	// as the suite's --manifest and --student-may-set; "" for none.
	course, maySet string
	grace          time.Duration // after the timeout's SIGTERM, before SIGKILL

	// children are the running suites, to tell orphans from them.
	children *launch.Children
	// hide are folders no server may see: the class, the outputs.
	hide []string
	// sandbox: each server and build in a sandbox of its own (the
	// suite's --sandbox); limits are the suite's --memory and --disk.
	sandbox bool
	limits  []string
}

// hideFrom has the suite hide dirs from every server (--hide).
func (r *runner) hideFrom(dirs []string) {
	for _, d := range dirs {
		if abs, err := filepath.Abs(d); err == nil {
			r.hide = append(r.hide, abs)
		}
	}
}

// newRunner sets up a runner: with the given compiled suite, or with one
// compiled now from the module grade runs in. Scratch goes to tmp, logs
// to out/logs.
func newRunner(ctx context.Context, suiteFile, tmp, out string, patience float64, timeout time.Duration) (*runner, error) {
	rn := &runner{tmp: tmp, logs: filepath.Join(out, "logs"), patience: patience,
		timeout: time.Duration(float64(timeout) * patience), grace: time.Duration(30 * float64(time.Second) * patience)}
	if suiteFile != "" {
		abs, err := filepath.Abs(suiteFile)
		if err != nil {
			return nil, err
		}
		rn.suite, rn.cwd = abs, tmp
	} else {
		root, err := moduleRoot(ctx)
		if err != nil {
			return nil, err
		}
		if rn.suite, err = suite.Cached(ctx, root, suite.Build{}, func() {
			fmt.Fprintf(os.Stderr, "grade: compiling the suite (go test -c ./spec; cached until the kit changes)\n")
		}); err != nil {
			return nil, fmt.Errorf("grade: %w", err)
		}
		rn.cwd = filepath.Join(root, "spec")
	}
	rn.children = launch.NewChildren()
	rn.sandbox = true
	return rn, nil
}

// configure sets how each submission is run: repeat times, from seed (a
// new one from the clock when 0), with the suite's hints in lang.
func (r *runner) configure(repeat int, seed int64, lang props.Lang) {
	if seed == 0 {
		seed = time.Now().UnixNano() % 1_000_000
	}
	r.repeat, r.seed, r.lang = repeat, seed, lang
}

// judgeBy has the suite judge every submission as course (nil: by its
// own manifest) sees it, as load did.
func (r *runner) judgeBy(course *manifest.Course) error {
	if course == nil {
		r.course, r.maySet = "", ""
		return nil
	}
	abs, err := filepath.Abs(course.File)
	if err != nil {
		return fmt.Errorf("grade: --manifest: %w", err)
	}
	r.course, r.maySet = abs, strings.Join(course.MaySet, ",")
	return nil
}

// gradeOne runs the suite on one submission alone (grade github and grade
// gradescope), leaves nothing running, and returns the suite's output.
func (r *runner) gradeOne(ctx context.Context, s *Submission) []byte {
	r.run(ctx, s, nil, nil)
	r.children.Sweep()
	log, _ := os.ReadFile(filepath.Join(r.logs, s.Name+".log"))
	return log
}

// moduleRoot finds the echospec module from the current folder.
func moduleRoot(context.Context) (string, error) {
	root, err := suite.Root()
	if err != nil {
		return "", fmt.Errorf("grade: %v, or give a compiled suite with --suite", err)
	}
	return root, nil
}

// run grades one submission: the suite on it alone, under the time limit,
// merged with prev (an earlier run's verdict) if given, r.repeat times (seeds r.seed, r.seed+1, …), merged into one verdict; an
// ID that both passed and failed is unstable. With only, just those IDs
// run (--rerun-failed). Whatever happens, the submission comes back with
// a whole verdict.
func (r *runner) run(ctx context.Context, s *Submission, only []string, prev *Verdict) {
	if s.Problem != "" { // the manifest did not load: nothing to run
		return
	}
	logFile := filepath.Join(r.logs, s.Name+".log")
	err := os.MkdirAll(filepath.Dir(logFile), 0o755)
	var log *os.File
	if err == nil {
		log, err = os.Create(logFile)
	}
	if err != nil {
		s.Problem = "grade: " + err.Error()
		s.complete(s.Problem, false)
		return
	}
	defer log.Close()
	var vs []Verdict
	if prev != nil {
		vs = append(vs, *prev)
	}
	reason, timedOut := "", false
	for k := range max(r.repeat, 1) {
		seed := r.seed + int64(k)
		if r.repeat > 1 {
			fmt.Fprintf(log, "grade: run %d of %d, seed %d\n", k+1, r.repeat, seed)
		}
		v, why, over := r.runSuite(ctx, s, seed, only, log, logFile)
		vs = append(vs, v)
		if why != "" || v.Reason != "" {
			reason, timedOut = why, over
			break
		}
	}
	s.Verdict = verdict.Merge(props.InOrder, vs...)
	s.Verdict.Target, s.Verdict.Model = s.Name, s.Model
	switch {
	case timedOut:
		s.Overrun = reason
		reason = ""
	case reason != "":
		s.Problem = reason
	}
	s.complete(reason, timedOut)
}

// runSuite runs the suite once with seed (and only the IDs of only, if
// any) and returns its verdict, why the verdict is not whole (or ""), and
// whether that is because the run overran its time.
func (r *runner) runSuite(ctx context.Context, s *Submission, seed int64, only []string, log *os.File, logFile string) (Verdict, string, bool) {
	v := verdict.New(s.Name, s.Model)
	v.Seeds = []int64{seed}
	// Not r.tmp/NAME: the Gradescope runner keeps the submission itself
	// there.
	scratch := filepath.Join(r.tmp, "scratch-"+strings.ReplaceAll(s.Name, "/", "_"))
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return v, "grade: " + err.Error(), false
	}
	defer os.RemoveAll(scratch)
	dir, err := filepath.Abs(s.Dir)
	if err != nil {
		return v, "grade: " + err.Error(), false
	}
	verdicts := filepath.Join(scratch, "verdicts.json")

	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	so := suite.Options{Target: dir, Verdicts: verdicts, Patience: r.patience, Lang: r.lang, Seed: seed}
	for _, h := range r.hide {
		so.Flags = append(so.Flags, "--hide", h)
	}
	so.Flags = append(so.Flags, "--sandbox="+strconv.FormatBool(r.sandbox))
	so.Flags = append(so.Flags, r.limits...)
	if r.course != "" {
		so.Flags = append(so.Flags, "--manifest", r.course, "--student-may-set", r.maySet)
	}
	if len(only) > 0 {
		so.Filter = idFilter(only)
	}
	cmd := exec.CommandContext(ctx, r.suite, so.Args()...)
	cmd.Dir = r.cwd
	// The suite's build folders and anything the server writes to $TMPDIR
	// land in scratch, which goes even when the suite is killed.
	cmd.Env = so.Env(scratch)
	cmd.Stdout, cmd.Stderr = log, log
	// On overrun: SIGTERM, on which Ginkgo stops the running spec's server
	// and still writes the verdicts; SIGKILL to the group after grace.
	launch.OwnGroup(cmd)
	launch.DieWithParent(cmd, syscall.SIGTERM)
	cmd.Cancel = func() error { return launch.SignalGroup(cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = r.grace
	began := time.Now()
	err = r.children.Start(cmd)
	if err == nil {
		err = cmd.Wait()
		_ = launch.SignalGroup(cmd.Process.Pid, os.Kill)
		r.children.Done(cmd)
	}
	fmt.Fprintf(log, "\ngrade: %s ended after %v: %v\n", s.Name, time.Since(began).Round(time.Millisecond), err)

	// The suite writes its verdicts after every spec: a run stopped at its
	// time limit still has those it reached.
	vs, rerr := verdict.Read(verdicts)
	if rerr == nil && len(vs) == 1 {
		v = vs[0]
		v.Seeds = []int64{seed}
		scrub(&v, s.Port)
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		r.children.Sweep()
		return v, fmt.Sprintf("the suite did not finish within %v and was stopped; what had not finished is timed out; see %s", r.timeout, logFile), true
	case stopped(ctx):
		r.children.Sweep()
		return v, fmt.Sprintf("grading was stopped by SIGTERM (a time limit or a cancel) before the suite finished; what had not finished is timed out; see %s", logFile), true
	case ctx.Err() != nil:
		return v, "grading was interrupted", false
	case rerr != nil || len(vs) != 1:
		return v, fmt.Sprintf("the suite ended (%v) without a verdict; its output ends with: %s", err, lastLine(logFile)), false
	}
	return v, "", false
}

// idFilter is the label filter that runs only the given IDs.
func idFilter(ids []string) string {
	var parts []string
	for _, id := range ids {
		parts = append(parts, "id:"+id)
	}
	return strings.Join(parts, " || ")
}

// lastLine is the last non-empty line the suite printed before grade's own.
func lastLine(file string) string {
	data, _ := os.ReadFile(file)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" && !strings.HasPrefix(l, "grade: ") {
			return fmt.Sprintf("%q", l)
		}
	}
	return "nothing"
}

// order sorts submissions into the order they start in, so that the last
// to finish is not a long one started late: those sharing a fixed port
// first (they run one after another), then the slowest last time (took,
// in seconds, from timings.json), then by name.
func order(subs []*Submission, took map[string]float64) []*Submission {
	byPort := map[int]int{}
	for _, s := range subs {
		if s.Port != 0 {
			byPort[s.Port]++
		}
	}
	out := slices.Clone(subs)
	slices.SortStableFunc(out, func(a, b *Submission) int {
		return cmp.Or(cmp.Compare(byPort[b.Port], byPort[a.Port]), cmp.Compare(took[b.Name], took[a.Name]), strings.Compare(a.Name, b.Name))
	})
	return out
}

// readTimings reads how long each submission took last time; none if
// there was no last time.
func readTimings(file string) map[string]float64 {
	took := map[string]float64{}
	if data, err := os.ReadFile(file); err == nil {
		_ = json.Unmarshal(data, &took)
	}
	return took
}

// schedule calls do for every submission, in the order given, at most n at
// once, and never at once for two submissions that declare the same fixed
// port: without a network namespace each, they would take each other's
// port.
func schedule(subs []*Submission, n int, do func(*Submission)) {
	pending := slices.Clone(subs)

	var mu sync.Mutex
	ready := sync.NewCond(&mu)
	busy := map[int]bool{}
	// next takes the first pending submission whose port is free, waiting
	// for one to free up; nil when nothing is left.
	next := func() *Submission {
		mu.Lock()
		defer mu.Unlock()
		for len(pending) > 0 {
			i := slices.IndexFunc(pending, func(s *Submission) bool { return s.Port == 0 || !busy[s.Port] })
			if i >= 0 {
				s := pending[i]
				pending = slices.Delete(pending, i, i+1)
				if s.Port != 0 {
					busy[s.Port] = true
				}
				return s
			}
			ready.Wait()
		}
		return nil
	}
	var wg sync.WaitGroup
	for range max(1, min(n, len(subs))) {
		wg.Go(func() {
			for s := next(); s != nil; s = next() {
				do(s)
				mu.Lock()
				delete(busy, s.Port)
				ready.Broadcast()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}
