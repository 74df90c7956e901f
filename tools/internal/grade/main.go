// Package grade is the grade command: it grades a class: every folder holding an echospec.toml is a
// submission, built and run through the suite on its own, several at once,
// and scored with a rubric. It writes, into one folder:
//
//	grades.csv                  one row per submission
//	summary.md                  the grades, a text histogram, the properties
//	                            failed most, and where each score's points went
//	junit.xml                   a testsuite per submission, a testcase per property
//	results/NAME/results.json   Gradescope's autograder format
//	report.html                 one page: the scores' histogram, submissions ×
//	                            families, then per submission the points each
//	                            property cost, why any was not counted, the
//	                            root causes, and every failure with what was
//	                            sent and received, a hint, and the end of the
//	                            server's output
//	grade.json                  all of the above is made from this
//	logs/NAME.log               the suite's own output per submission
//	timings.json                seconds per submission: next time the
//	                            slowest start first
//
// Usage:
//
//	go run ./tools/grade [flags] DIR...              (make grade DIR=...)
//	go run ./tools/grade --shard 2/4 --out o2 DIR    one machine's share
//	go run ./tools/grade --shard auto --out o DIR    the share a Kubernetes Indexed
//	                                                 Job, GitHub Actions matrix or
//	                                                 Slurm array gives this worker
//	go run ./tools/grade merge --out all o1 o2 o3 o4 the shards, as one run
//	go run ./tools/grade --expect fixtures/students  every verdict must match [expect]
//	go run ./tools/grade --manifest course.toml DIR  the course decides the model
//	go run ./tools/grade reasons out/grade          each failure's first line, per
//	                                                 ID, to pick [expect.reasons] from
//
// A submission that cannot be built or started, crashes or overruns its
// time gets its verdict and zero for what could not run; grading goes on.
// The same verdicts always give the same bytes in every output.
package grade

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/echospec/echospec/detail"
	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/procfs"
	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/rlimit"
)

// Main runs grade with args (what follows the command's name: a
// subcommand, merge, github, gradescope or reasons, or grade's flags and
// folders) and returns its exit status.
func Main(args []string) int {
	ctx, stop := signalContext()
	defer stop()
	var err error
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "merge":
		err = mergeMain(args[1:])
	case "github":
		err = githubMain(ctx, args[1:], os.Stdout)
	case "gradescope":
		err = gradescopeMain(ctx, args[1:])
	case "reasons":
		err = reasonsMain(os.Stdout, args[1:])
	default:
		err = gradeMain(ctx, args)
	}
	var bad exitError
	var quiet quietExit
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.As(err, &quiet):
		return int(quiet)
	case errors.As(err, &bad):
		fmt.Fprintln(os.Stderr, err)
		return int(bad)
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// quietExit is an exit status whose reason has been printed already.
type quietExit int

func (e quietExit) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// exitError is an exit status with nothing more to print.
type exitError int

func (e exitError) Error() string {
	if e == 130 {
		return "grade: interrupted; nothing written"
	}
	return fmt.Sprintf("grade: %d submissions did not get the verdict their manifest expects", int(e))
}

const usage = `usage: grade [flags] DIR...
       grade merge [--out DIR] [--rubric FILE] [--expect] SHARD_OUT...
       grade reasons OUT_DIR
       grade gradescope [--root /autograder]
       grade github DIR

Every folder in or below DIR holding an echospec.toml is a submission.
merge reads the grade.json of each shard's output folder and writes the
outputs of the whole class, as if it had been graded in one run.
reasons prints, from OUT_DIR/grade.json, the first line of each failure
per submission and ID, to pick the phrases of [expect.reasons] from.
github runs the suite on the server in DIR for a GitHub Actions job
(action.yml): a job summary, ::error annotations, an exit status.
gradescope is the body of a Gradescope autograder's run_autograder
(make gradescope builds the bundle): it grades root/submission with the
bundle's manifest and rubric, and writes root/results/results.json.

flags:
`

// langOf is the language --lang names, or the locale's when it is ""
// (LC_ALL, LC_MESSAGES, LANG, as check reads them).
func langOf(flag string) (props.Lang, error) {
	if flag == "" {
		return props.LocaleLang(), nil
	}
	l, ok := props.ParseLang(flag)
	if !ok {
		return l, fmt.Errorf("--lang %q: the kit speaks en and zh", flag)
	}
	return l, nil
}

func gradeMain(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("grade", flag.ContinueOnError)
	out := fs.String("out", filepath.Join("out", "class"), "the folder the outputs go to (make fixtures uses out/grade)")
	parallel := fs.Int("parallel", runtime.NumCPU()+1, "submissions graded at once (the suite mostly waits)")
	patience := fs.Float64("patience", 1, "multiply every deadline of the suite, and --timeout, by this factor")
	timeout := fs.Duration("timeout", 10*time.Minute, "how long one submission's suite may run (times --patience) before it is stopped")
	shardFlag := fs.String("shard", "", "grade only shard i of n (e.g. 2/4): every n-th submission by name; merge the shards' outputs with `grade merge`; auto: from a Kubernetes Indexed Job, a GitHub Actions matrix or a Slurm array")
	shards := fs.Int("shards", 0, "with --shard auto: how many shards there are, if the engine's variable does not say")
	rubricFile := fs.String("rubric", "", "a rubric TOML file (default: the built-in "+DefaultRubricFile+")")
	expect := fs.Bool("expect", false, "exit non-zero unless every submission fails exactly the IDs its manifest's [expect] lists (and any of may_fail), each for its [expect.reasons] phrase")
	suite := fs.String("suite", "", "a compiled suite (go test -c ./spec) to run, instead of compiling one")
	repeat := fs.Int("repeat", 1, "run each submission's suite N times (seeds S, S+1, …): an ID that both passes and fails is unstable, and scores as the rubric's unstable = says")
	seed := fs.Int64("seed", 0, "the suite's random seed (spec order and payloads); every run prints the one it used (default: from the clock)")
	langFlag := fs.String("lang", "", "the language of requirements, hints and failures in every output: en or zh (default: from $LC_ALL, $LC_MESSAGES or $LANG, as check; grade.json and --expect keep the suite's English)")
	rerun := fs.String("rerun-failed", "", "a grade.json of an earlier run: grade again only what failed, was not judged, timed out or was unstable there, and merge it in (no DIR needed)")
	courseFile := fs.String("manifest", "", "the course's manifest: it decides the model, pool, mechanism and limits of every submission; a student's own echospec.toml may set only the keys of --student-may-set, and the outputs say which of its keys were not used")
	maySet := fs.String("student-may-set", strings.Join(manifest.StudentMaySet, ","), "with --manifest: the keys a student's own echospec.toml may set, comma-separated (never "+strings.Join(manifest.CourseOnly, ", ")+")")
	unsandboxed := fs.Bool("unsandboxed", false, "grade without the sandbox: every submission then runs as your user, can read and change your files and the other submissions, and can kill the grader; only for a machine that isolates each submission itself (a Gradescope container). Without it, grade refuses where this machine cannot give each server a user, files and processes of its own")
	memory := fs.String("memory", "", "each server's memory limit, e.g. 2GiB (default "+rlimit.Bytes(rlimit.Defaults.Memory)+")")
	disk := fs.String("disk", "", "each server's disk limit: its copy of its folder, /tmp and /dev/shm together, e.g. 1GiB (default "+rlimit.Bytes(rlimit.Defaults.Disk)+")")
	fs.Usage = func() { printUsage(fs, args) }
	dirs, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := sandboxOK(*unsandboxed); err != nil {
		return err
	}
	switch {
	case len(dirs) == 0 && *rerun == "":
		fs.Usage()
		return errors.New("grade: no DIR given")
	case *parallel < 1:
		return fmt.Errorf("grade: --parallel %d: it must be 1 or more", *parallel)
	case *repeat < 1:
		return fmt.Errorf("grade: --repeat %d: it must be 1 or more", *repeat)
	case !(*patience > 0):
		return fmt.Errorf("grade: --patience %v: it must be a positive factor, e.g. 2 on a slow machine", *patience)
	}
	r, err := loadRubric(*rubricFile)
	if err != nil {
		return err
	}
	lang, err := langOf(*langFlag)
	if err != nil {
		return fmt.Errorf("grade: %w", err)
	}
	var course *manifest.Course
	if *courseFile != "" {
		if course, err = manifest.LoadCourse(*courseFile, splitKeys(*maySet)); err != nil {
			return fmt.Errorf("grade: --manifest: %w", err)
		}
	}
	var subs []*Submission
	var plan map[string]rerunPlan
	if *rerun != "" {
		if subs, plan, err = planRerun(*rerun, dirs, course); err != nil {
			return err
		}
		if *rubricFile == "" {
			if r, err = rubricOf(*rerun); err != nil {
				return err
			}
		}
	} else if subs, err = discover(dirs, course); err != nil {
		return err
	}
	if *shardFlag != "" {
		i, n, from, err := resolveShard(*shardFlag, *shards, os.Getenv)
		if err != nil {
			return err
		}
		subs = shard(subs, i, n)
		*shardFlag = fmt.Sprintf("%d/%d", i, n)
		fmt.Fprintf(os.Stderr, "grade: shard %s, from %s: %d submissions\n", *shardFlag, from, len(subs))
	}

	tmp, err := os.MkdirTemp("", "echospec-grade-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	rn, err := newRunner(ctx, *suite, tmp, *out, *patience, *timeout)
	if err != nil {
		return err
	}
	rn.configure(*repeat, *seed, lang)
	rn.hideFrom(append(slices.Clone(dirs), *out))
	rn.sandbox = !*unsandboxed
	for _, l := range []struct{ flag, v string }{{"--memory", *memory}, {"--disk", *disk}} {
		if l.v == "" {
			continue
		}
		if _, err := rlimit.ParseBytes(l.v); err != nil {
			return fmt.Errorf("grade: %s: %v", l.flag, err)
		}
		rn.limits = append(rn.limits, l.flag, l.v)
	}
	if err := rn.judgeBy(course); err != nil {
		return err
	}
	r.Lang = lang
	if err := clearOutputs(*out); err != nil {
		return err
	}
	began := time.Now()
	// Every process of this run inherits the entry, so the check after the
	// run finds whatever a server left behind, whatever became of it.
	session := fmt.Sprintf("ECHOSPEC_SESSION=grade-%d-%d", os.Getpid(), began.UnixNano())
	k, v, _ := strings.Cut(session, "=")
	os.Setenv(k, v)
	fmt.Fprintln(os.Stderr, tr(lang, "g-start", len(subs), *parallel, rn.seed, rn.seed))
	if *repeat > 1 {
		fmt.Fprintln(os.Stderr, tr(lang, "g-repeat", *repeat, rn.seed, rn.seed+int64(*repeat)-1))
	}
	gradeAll(ctx, rn, r, subs, plan, *parallel, filepath.Join(*out, "timings.json"))
	if ctx.Err() != nil && !stopped(ctx) {
		return exitError(130)
	}
	if left := procfs.WithEnv(session); len(left) > 0 {
		return fmt.Errorf("grade: after the run, %d processes it started are still running (pids %v): the launcher failed to stop a server", len(left), left)
	}
	if err := writeAll(*out, r, subs, *shardFlag); err != nil {
		return fmt.Errorf("grade: writing %s: %w", *out, err)
	}
	printGrades(os.Stdout, r, subs)
	if stopped(ctx) {
		return fmt.Errorf("grade: stopped by SIGTERM (a time limit or a cancel) after %v: what was reached is in %s, the rest timed out; `grade --rerun-failed %s` grades that again",
			time.Since(began).Round(time.Second), *out, filepath.Join(*out, "grade.json"))
	}
	fmt.Println(tr(lang, "g-done", len(subs), time.Since(began).Round(time.Second), *parallel, *out))
	return checkIfAsked(*expect, subs)
}

// gradeAll runs the suite on every submission, n at once, showing
// progress; the slowest last time (timings) start first, and this run's
// times are written back there.
func gradeAll(ctx context.Context, rn *runner, r *Rubric, subs []*Submission, plan map[string]rerunPlan, n int, timings string) {
	defer rn.children.Sweep()
	p := newProgress(os.Stderr, isTerminal(int(os.Stderr.Fd())), len(subs))
	p.lang = r.Lang
	defer p.end()
	var mu sync.Mutex
	took := readTimings(timings) // and those of submissions not graded now
	schedule(order(subs, maps.Clone(took)), n, func(s *Submission) {
		if ctx.Err() != nil {
			if stopped(ctx) && s.Problem == "" {
				s.Overrun = "grading was stopped by SIGTERM (a time limit or a cancel) before this submission's suite started; all of it is timed out"
				s.complete("", true)
			}
			return
		}
		t0 := time.Now()
		p.start()
		if pl, ok := plan[s.Name]; ok {
			if pl.keep {
				p.finish(r.Grade(s), 0)
				return
			}
			rn.run(ctx, s, pl.only, pl.prev)
		} else {
			rn.run(ctx, s, nil, nil)
		}
		d := time.Since(t0)
		p.finish(r.Grade(s), d)
		mu.Lock()
		took[s.Name] = d.Round(time.Second).Seconds()
		mu.Unlock()
	})
	if data, err := json.MarshalIndent(took, "", "  "); err == nil && ctx.Err() == nil {
		_ = os.WriteFile(timings, append(data, '\n'), 0o644)
	}
}

func mergeMain(args []string) error {
	fs := flag.NewFlagSet("grade merge", flag.ContinueOnError)
	out := fs.String("out", filepath.Join("out", "class"), "the folder the merged outputs go to")
	rubricFile := fs.String("rubric", "", "score with this rubric TOML file instead of the one the shards used")
	expect := fs.Bool("expect", false, "exit non-zero unless every submission fails exactly the IDs its manifest's [expect] lists (and any of may_fail), each for its [expect.reasons] phrase")
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage); fs.PrintDefaults() }
	shards, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(shards) == 0 {
		fs.Usage()
		return errors.New("grade merge: no shard output folder given")
	}
	var r *Rubric
	if *rubricFile != "" {
		if r, err = loadRubric(*rubricFile); err != nil {
			return err
		}
	}
	r, subs, err := merge(shards, r)
	if err != nil {
		return err
	}
	if err := clearOutputs(*out); err != nil {
		return err
	}
	if err := writeAll(*out, r, subs, ""); err != nil {
		return fmt.Errorf("grade merge: writing %s: %w", *out, err)
	}
	printGrades(os.Stdout, r, subs)
	fmt.Printf("merged %d shards, %d submissions; outputs in %s\n", len(shards), len(subs), *out)
	return checkIfAsked(*expect, subs)
}

func checkIfAsked(expect bool, subs []*Submission) error {
	if !expect {
		return nil
	}
	fmt.Println()
	if bad := checkExpectations(os.Stdout, subs); bad > 0 {
		return exitError(bad)
	}
	return nil
}

// splitKeys splits a comma-separated list of manifest keys.
func splitKeys(s string) []string {
	var out []string
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// parseInterleaved parses flags wherever they are among the arguments,
// so `grade DIR --expect` works as well as `grade --expect DIR`.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func loadRubric(file string) (*Rubric, error) {
	if file == "" {
		return parseRubric(DefaultRubricFile, defaultRubric)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("grade: --rubric: %w", err)
	}
	return parseRubric(file, string(data))
}

// clearOutputs removes what an earlier run wrote into out, so no results
// of a submission graded then and not now stay behind. Only a folder that
// holds a grade.json is taken for an earlier run's.
func clearOutputs(out string) error {
	if _, err := os.Stat(filepath.Join(out, "grade.json")); err != nil {
		return nil
	}
	for _, name := range []string{"results", "logs", "grade.json", "grades.csv", "summary.md", "junit.xml", "report.html"} {
		if err := os.RemoveAll(filepath.Join(out, name)); err != nil {
			return err
		}
	}
	return nil
}

// printGrades is the short table printed when grading ends.
func printGrades(w io.Writer, r *Rubric, subs []*Submission) {
	l := r.Lang
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, tr(l, "g-table"))
	for _, s := range subs {
		g := r.Grade(s)
		what, skipped := g.Issues(), skippedWhy(s.Verdict)
		switch {
		case s.Verdict.Reason != "" || s.Model == "":
			what = tr(l, "g-every", firstOf(detail.Headline(s.Reason(), l)))
		case skipped != "":
			what = tr(l, "g-skipped", firstOf(detail.Line(skipped, l)))
		case s.Problem != "":
			what += tr(l, "g-aside", firstOf(detail.Line(s.Problem, l)))
		case s.Overrun != "":
			what += tr(l, "g-aside", firstOf(detail.Line(s.Overrun, l)))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s/%s\t%s\n", s.Name, orDash(describeModel(s)), points(g.Score), points(g.MaxPoints), orDash(what))
	}
	tw.Flush()
}
