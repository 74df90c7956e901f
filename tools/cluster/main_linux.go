// Command cluster is make cluster-test: it grades a small class on a real
// Slurm cluster, started for the purpose on this machine, with the recipe
// of docs/grading-at-scale.md as printed there, and checks what a teacher
// following the page would rely on:
//
//   - the array's shards, merged with the page's merge command, give
//     byte for byte the outputs of one grade run of the class (same seed);
//   - a task cancelled mid-run (scancel) and requeued (scontrol requeue)
//     grades its shard again, and the merge is still the same;
//   - a merge with a shard missing is refused, naming the shard;
//   - a task that runs past its --time keeps the verdicts it reached, and
//     the rest is timed out.
//
// The cluster is one node (munged, slurmctld and slurmd, CPUs=2) whose
// configuration, key, state and logs live in a temporary folder; the
// daemons are stopped and reaped, and the folder removed, however the run
// ends (Ctrl-C and SIGTERM included). It needs root and Debian's slurmctld,
// slurmd, slurm-client and munge (tools/cluster/deps.sh installs them).
//
//	make cluster-test        (sh tools/cluster/deps.sh; go run ./tools/cluster)
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/tools/internal/modroot"
)

// classFixtures is the class: student fixtures that take {port}, in three
// languages, two correct and two that fail, each in a way and with output
// that do not depend on timing. A server that crashes under load may fail
// a spec one way in one run and another way in the next, and one that
// prints each read (node-utf8) prints the payload cut where TCP cut it:
// the failure's message quotes that output, and no merge could equal a
// single run.
var classFixtures = []string{"c-no-reuseaddr", "go-greeting-single", "py-single", "py-single-recursive"}

// silentServer reads and never answers: every echo spec waits out its
// deadline, so its suite runs for minutes, past a one-minute --time.
const silentServer = `import socket, sys, threading

def drain(c):
    while c.recv(65536):
        pass

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(128)
while True:
    c, _ = s.accept()
    threading.Thread(target=drain, args=(c,), daemon=True).start()
`

const silentManifest = `model = "multithread"
command = ["python3", "-u", "server.py", "{port}"]
`

func main() {
	patience := flag.Float64("patience", 1, "multiply every deadline by this factor (a slow machine)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	// go run dies on SIGTERM without passing it on: be told, and clean up.
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0, 0, 0)
	// slurmd's job steps outlive it as orphans: have them come here, to be
	// found and reaped.
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	began := time.Now()
	err := run(ctx, *patience)
	interrupted := ctx.Err() != nil
	stop()
	switch {
	case err != nil && interrupted:
		fmt.Fprintf(os.Stderr, "cluster-test: interrupted after %v; the cluster is stopped and its folder removed (%v)\n", time.Since(began).Round(time.Second), err)
		os.Exit(130)
	case err != nil:
		fmt.Fprintf(os.Stderr, "cluster-test: FAIL after %v:\n%v\n", time.Since(began).Round(time.Second), err)
		os.Exit(1)
	}
	fmt.Printf("cluster-test: ok in %v; the cluster is stopped, nothing it started is running, its folder is removed\n", time.Since(began).Round(time.Second))
}

func step(format string, args ...any) {
	fmt.Printf("cluster-test: %s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(ctx context.Context, patience float64) (err error) {
	if os.Geteuid() != 0 {
		return errors.New("it runs Slurm's daemons as root: run it as root (sudo make cluster-test)")
	}
	for _, tool := range []string{"munged", "slurmctld", "slurmd", "sbatch", "scontrol", "scancel", "squeue", "sinfo", "pgrep"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed: make cluster-test installs Debian's slurmctld, slurmd, slurm-client and munge first (tools/cluster/deps.sh, as root)", tool)
		}
	}
	root, err := modroot.Find()
	if err != nil {
		return err
	}
	rec, err := readRecipe(root)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "echospec-cluster-")
	if err != nil {
		return err
	}
	defer func() {
		if rerr := os.RemoveAll(tmp); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}()
	work, tl := filepath.Join(tmp, "work"), filepath.Join(tmp, "timelimit")

	step("building as %s says: %s", docsPage, strings.Join(joinEach(rec.build), "; "))
	for _, b := range rec.build {
		args := slices.Clone(b[1:])
		i := slices.Index(args, "-o")
		args[i+1] = filepath.Join(work, args[i+1])
		cmd := exec.CommandContext(ctx, b[0], args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s", strings.Join(b, " "), err, out)
		}
	}
	for _, f := range classFixtures {
		if err := os.CopyFS(filepath.Join(work, "class", f), os.DirFS(filepath.Join(root, "fixtures", "students", f))); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(tl, "class", "silent"), 0o755); err != nil {
		return err
	}
	if err := errors.Join(os.Symlink(filepath.Join(work, "bin"), filepath.Join(tl, "bin")),
		os.WriteFile(filepath.Join(tl, "class", "silent", "server.py"), []byte(silentServer), 0o644),
		os.WriteFile(filepath.Join(tl, "class", "silent", "echospec.toml"), []byte(silentManifest), 0o644)); err != nil {
		return err
	}

	step("starting munged, slurmctld and slurmd in %s", filepath.Join(tmp, "slurm"))
	c, err := startCluster(ctx, filepath.Join(tmp, "slurm"), patience)
	defer func() {
		if c != nil {
			step("stopping the cluster")
			err = errors.Join(err, c.stop())
		}
	}()
	if err != nil {
		return err
	}

	// 1. A task past its time limit, and meanwhile (that task waits on a
	// silent server, the CPU is free) the class graded on one machine.
	tlJob, err := c.sbatch(ctx, tl, rec.script, fmt.Sprintf("--array=%d-%d", rec.first, rec.first), "--time=1")
	if err != nil {
		return err
	}
	step("job %s: the page's script on a class of one silent server, with --time=1 (one minute)", tlJob)
	one, err := rec.unsharded("single")
	if err != nil {
		return err
	}
	step("grading the class on one machine: %s", strings.Join(one, " "))
	t0 := time.Now()
	ref := exec.CommandContext(ctx, filepath.Join(work, one[0]), one[1:]...)
	ref.Dir, ref.Env = work, c.env()
	if out, err := ref.CombinedOutput(); err != nil {
		return fmt.Errorf("the single run: %v\n%s", err, out)
	}
	step("graded on one machine in %v", time.Since(t0).Round(time.Second))
	first := strconv.Itoa(rec.first)
	var bad error
	if err := c.waitFor(ctx, "Slurm to stop job "+tlJob+" at its time limit", 4*time.Minute, func() (bool, string) {
		ts, err := c.tasks(ctx, tlJob)
		bad = c.endedBadly(tl, tlJob, ts, "TIMEOUT")
		return bad != nil || err == nil && ts[first].state == "TIMEOUT", fmt.Sprint(ts, err)
	}); err != nil || bad != nil {
		return errors.Join(err, bad)
	}
	if err := checkTimedOut(filepath.Join(tl, "results", "shard-"+first, "grade.json"), "silent"); err != nil {
		return fmt.Errorf("the task past its --time: %w\n%s", err, c.jobOutput(tl, tlJob, first))
	}
	step("job %s ended in TIMEOUT; its shard kept the verdicts reached, the rest timed out", tlJob)

	// 2. The array, one task cancelled mid-run and requeued.
	t0 = time.Now()
	job, err := c.sbatch(ctx, work, rec.script)
	if err != nil {
		return err
	}
	victim := strconv.Itoa(rec.first + 1)
	step("job %s: the page's script as printed (array %d-%d); task %s will be cancelled mid-run", job, rec.first, rec.last, victim)
	logs := filepath.Join(work, "results", "shard-"+victim, "logs")
	// Mid-run: once the suite has finished a spec (Ginkgo prints a • for
	// each), with more to go.
	if err := c.waitFor(ctx, "task "+victim+" to be grading", 4*time.Minute, func() (bool, string) {
		ts, err := c.tasks(ctx, job)
		started, _ := filepath.Glob(filepath.Join(logs, "*.log"))
		ran := false
		for _, l := range started {
			data, _ := os.ReadFile(l)
			ran = ran || bytes.Contains(data, []byte("•"))
		}
		bad = c.endedBadly(work, job, ts, "COMPLETED")
		if v, ok := ts[victim]; bad == nil && ok && v.state == "COMPLETED" {
			bad = fmt.Errorf("task %s completed without its suite being seen running in %s (a script that writes its shard elsewhere?); %s", victim, logs, c.jobOutput(work, job, victim))
		}
		return bad != nil || err == nil && ts[victim].state == "RUNNING" && ran, fmt.Sprint(ts, err, started)
	}); err != nil || bad != nil {
		return errors.Join(err, bad)
	}
	if _, err := c.run(ctx, nil, "scancel", job+"_"+victim); err != nil {
		return err
	}
	if err := c.waitFor(ctx, "task "+victim+" to be cancelled", 90*time.Second, func() (bool, string) {
		ts, err := c.tasks(ctx, job)
		bad = c.endedBadly(work, job, ts, "COMPLETED", "CANCELLED")
		return bad != nil || err == nil && ts[victim].state == "CANCELLED", fmt.Sprint(ts, err)
	}); err != nil || bad != nil {
		return errors.Join(err, bad)
	}
	names, err := submissionsOf(filepath.Join(work, "results", "shard-"+victim, "grade.json"))
	if err != nil || len(names) != 1 {
		return fmt.Errorf("the cancelled task: want the one submission it was grading in its grade.json, written at SIGTERM: %v %v\n%s", names, err, c.jobOutput(work, job, victim))
	}
	if err := checkTimedOut(filepath.Join(work, "results", "shard-"+victim, "grade.json"), names[0]); err != nil {
		return fmt.Errorf("the cancelled task: %w", err)
	}
	step("task %s cancelled; it wrote what it had reached at SIGTERM; requeueing it", victim)
	if _, err := c.run(ctx, nil, "scontrol", "requeue", job+"_"+victim); err != nil {
		return err
	}
	// Slurm holds a requeued job for AuthInfo's cred_expire (120 s by
	// default) before it may start again: let it start now.
	if _, err := c.run(ctx, nil, "scontrol", "update", "JobId="+job+"_"+victim, "StartTime=now"); err != nil {
		return err
	}
	var final map[string]task
	if err := c.waitFor(ctx, "every task of job "+job+" to complete", 6*time.Minute, func() (bool, string) {
		ts, err := c.tasks(ctx, job)
		if bad = c.endedBadly(work, job, ts, "COMPLETED"); bad != nil {
			return true, ""
		}
		if err != nil || len(ts) != rec.last-rec.first+1 {
			return false, fmt.Sprint(ts, err)
		}
		for _, t := range ts {
			if t.state != "COMPLETED" {
				return false, fmt.Sprint(ts)
			}
		}
		final = ts
		return true, ""
	}); err != nil || bad != nil {
		return errors.Join(err, bad)
	}
	if final[victim].restarts != 1 {
		return fmt.Errorf("task %s: %d restarts; want 1 (the requeue)", victim, final[victim].restarts)
	}
	arrayTook := time.Since(t0)
	step("every task completed in %v, task %s once requeued", arrayTook.Round(time.Second), victim)

	// 3. A shard missing at merge time.
	const nth = 3 // the third shard of the array goes missing
	missing := strconv.Itoa(rec.first + nth - 1)
	shardDir := filepath.Join(work, "results", "shard-"+missing)
	aside := filepath.Join(tmp, "aside")
	if err := os.Rename(shardDir, aside); err != nil {
		return err
	}
	out, merr := c.shell(ctx, work, rec.merge)
	want := fmt.Sprintf("shard %d/%d is missing", nth, rec.last-rec.first+1)
	if merr == nil || !strings.Contains(out, want) {
		return fmt.Errorf("%s without results/shard-%s: %v, %q; want it refused, saying %q", rec.merge, missing, merr, out, want)
	}
	if err := os.Rename(aside, shardDir); err != nil {
		return err
	}
	step("merge without shard-%s refused: %q", missing, firstLine(out))

	// 4. The merge, and one machine's outputs.
	if out, err := c.shell(ctx, work, rec.merge); err != nil {
		return fmt.Errorf("%s: %v\n%s", rec.merge, err, out)
	}
	merged, err := mergeOut(rec.merge)
	if err != nil {
		return err
	}
	files, err := sameOutputs(filepath.Join(work, "single"), filepath.Join(work, merged))
	if err != nil {
		return err
	}
	step("the merged outputs (%d files) are byte for byte those of the single run; the array took %v", files, arrayTook.Round(time.Second))
	return nil
}

// endedBadly says which task of job, if any, has ended in a state other
// than those of ok (a script that no longer works ends FAILED), with the
// end of its output, so that the run fails at once rather than at its
// deadline.
func (c *cluster) endedBadly(dir, job string, ts map[string]task, ok ...string) error {
	for _, t := range ts {
		switch t.state {
		case "PENDING", "RUNNING", "COMPLETING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "SUSPENDED":
		default:
			if !slices.Contains(ok, t.state) {
				return fmt.Errorf("job %s, task %s ended %s; %s", job, t.id, t.state, c.jobOutput(dir, job, t.id))
			}
		}
	}
	return nil
}

// checkTimedOut reads a shard's grade.json and wants name stopped by
// SIGTERM with some verdicts reached and the rest timed out.
func checkTimedOut(file, name string) error {
	gf, err := readGrade(file)
	if err != nil {
		return err
	}
	for _, s := range gf.Submissions {
		if s.Name != name {
			continue
		}
		v := s.Verdict
		if !strings.Contains(s.Overrun, "stopped by SIGTERM") || len(v.TimedOut) == 0 || len(v.Passed)+len(v.Failed) == 0 {
			return fmt.Errorf("%s: %s: overrun %q, %d passed, %d failed, %d timed out; want it stopped by SIGTERM, the verdicts reached kept and the rest timed out",
				file, name, s.Overrun, len(v.Passed), len(v.Failed), len(v.TimedOut))
		}
		return nil
	}
	return fmt.Errorf("%s: no submission %s", file, name)
}

type gradeFile struct {
	Submissions []struct {
		Name    string `json:"name"`
		Overrun string `json:"overrun"`
		Verdict struct {
			Passed   []string `json:"passed"`
			Failed   []string `json:"failed"`
			TimedOut []string `json:"timed_out"`
		} `json:"verdict"`
	} `json:"submissions"`
}

func readGrade(file string) (*gradeFile, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var gf gradeFile
	if err := json.Unmarshal(data, &gf); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &gf, nil
}

func submissionsOf(file string) ([]string, error) {
	gf, err := readGrade(file)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, s := range gf.Submissions {
		names = append(names, s.Name)
	}
	return names, nil
}

// sameOutputs wants every output of the single run in merged, byte for
// byte, and nothing else there. The logs and timings.json stay in each
// shard's folder (merge does not write them): they are left out of the
// single run's side.
func sameOutputs(single, merged string) (int, error) {
	var errs []error
	files := 0
	seen := map[string]bool{}
	err := filepath.WalkDir(single, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(single, p)
		if d.IsDir() {
			if rel == "logs" {
				return filepath.SkipDir
			}
			return nil
		}
		if rel == "timings.json" {
			return nil
		}
		seen[rel] = true
		files++
		a, _ := os.ReadFile(p)
		b, err := os.ReadFile(filepath.Join(merged, rel))
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: not in the merged outputs (%v)", rel, err))
		case !bytes.Equal(a, b):
			i := firstDiff(a, b)
			errs = append(errs, fmt.Errorf("%s differs from the single run's at byte %d:\n  single: %q\n  merged: %q", rel, i, excerpt(a, i), excerpt(b, i)))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	_ = filepath.WalkDir(merged, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if rel, _ := filepath.Rel(merged, p); !seen[rel] {
				errs = append(errs, fmt.Errorf("%s: in the merged outputs, not in the single run's", rel))
			}
		}
		return nil
	})
	gf, err := readGrade(filepath.Join(single, "grade.json"))
	if err == nil && len(gf.Submissions) != len(classFixtures) {
		err = fmt.Errorf("the single run graded %d submissions; want %d", len(gf.Submissions), len(classFixtures))
	}
	if err == nil && files < 5+len(classFixtures) {
		err = fmt.Errorf("compared %d files; want grade.json, grades.csv, summary.md, junit.xml, report.html and a results.json each", files)
	}
	return files, errors.Join(append(errs, err)...)
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// excerpt is data around offset i.
func excerpt(data []byte, i int) string {
	return string(data[max(0, i-150):min(len(data), i+150)])
}

// mergeOut is the --out folder of the page's merge command.
func mergeOut(line string) (string, error) {
	f := strings.Fields(line)
	if i := slices.Index(f, "--out"); i >= 0 && i+1 < len(f) {
		return f[i+1], nil
	}
	return "", fmt.Errorf("%s: the merge command %q has no --out", docsPage, line)
}

// shell runs a line of the page with sh in dir (the merge globs).
func (c *cluster) shell(ctx context.Context, dir, line string) (string, error) {
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	cmd.Dir, cmd.Env = dir, c.env()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// jobOutput is the end of what a task printed (sbatch's default
// slurm-JOB_TASK.out in the job's folder), for a failure's message.
func (c *cluster) jobOutput(dir, job, taskID string) string {
	data, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("slurm-%s_%s.out", job, taskID)))
	if len(data) > 2000 {
		data = data[len(data)-2000:]
	}
	return "the task's output ends with:\n" + string(data)
}

func joinEach(lines [][]string) []string {
	var out []string
	for _, l := range lines {
		out = append(out, strings.Join(l, " "))
	}
	return out
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}
