package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/echospec/echospec/procfs"
)

// cluster is a single-node Slurm cluster that lives in one folder: its
// slurm.conf, munge key, state, spool, logs and sockets. Its three daemons
// run in the foreground as children of this process, and everything they
// start carries token in its environment, so that stop can tell that
// nothing is left.
type cluster struct {
	dir, conf, node string
	token           string // NAME=value in the environment of all it starts
	daemons         []*daemon
	jobs            []string // every job submitted, cancelled at stop
	patience        float64
	stopping        bool // the daemons are being stopped: their end is no error
}

type daemon struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has been waited for
}

// confTemplate is the throw-away slurm.conf: one node of 2 CPUs on
// loopback, root daemons, no accounting, process tracking by process
// group (a task is its script's group: grade, exec'd by the script).
const confTemplate = `# written by make cluster-test (tools/cluster); removed when it ends
ClusterName=echospec
SlurmctldHost={node}(127.0.0.1)
SlurmctldPort={ctldport}
SlurmdPort={slurmdport}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={dir}/munge/munge.socket.2
CredType=cred/munge
StateSaveLocation={dir}/state
SlurmdSpoolDir={dir}/spool
SlurmctldPidFile={dir}/slurmctld.pid
SlurmdPidFile={dir}/slurmd.pid
SlurmctldLogFile={dir}/slurmctld.log
SlurmdLogFile={dir}/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
KillWait=30
MinJobAge=600
MailProg=/bin/true
NodeName={node} NodeHostname={node} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=grade Nodes={node} Default=YES MaxTime=INFINITE State=UP
`

// startCluster writes the configuration under dir and starts munged,
// slurmctld and slurmd; it returns once the node takes jobs. On error,
// what was started is stopped.
func startCluster(ctx context.Context, dir string, patience float64) (c *cluster, err error) {
	host, err := os.Hostname()
	if err != nil {
		return nil, err
	}
	host, _, _ = strings.Cut(host, ".")
	c = &cluster{dir: dir, conf: filepath.Join(dir, "slurm.conf"), node: host, token: "ECHOSPEC_CLUSTER_RUN=" + dir, patience: patience}
	defer func() {
		if err != nil {
			err = errors.Join(err, c.stop())
		}
	}()
	for _, sub := range []string{"munge", "state", "spool"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return c, err
		}
	}
	// munged refuses a key that others can read.
	key := make([]byte, 1024)
	f, err := os.Open("/dev/urandom")
	if err != nil {
		return c, err
	}
	_, err = f.Read(key)
	f.Close()
	if err != nil {
		return c, err
	}
	if err := os.WriteFile(filepath.Join(dir, "munge", "munge.key"), key, 0o400); err != nil {
		return c, err
	}
	ports := make([]string, 2)
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return c, err
		}
	}
	conf := strings.NewReplacer("{dir}", dir, "{node}", host, "{ctldport}", ports[0], "{slurmdport}", ports[1]).Replace(confTemplate)
	if err := os.WriteFile(c.conf, []byte(conf), 0o644); err != nil {
		return c, err
	}
	m := filepath.Join(dir, "munge")
	if err := c.start(ctx, "munged", "--foreground", "--force", "--key-file="+filepath.Join(m, "munge.key"),
		"--socket="+filepath.Join(m, "munge.socket.2"), "--pid-file="+filepath.Join(m, "munged.pid"),
		"--log-file="+filepath.Join(m, "munged.log"), "--seed-file="+filepath.Join(m, "munged.seed")); err != nil {
		return c, err
	}
	if err := c.waitFor(ctx, "munged to listen", 10*time.Second, func() (bool, string) {
		_, err := os.Stat(filepath.Join(m, "munge.socket.2"))
		return err == nil, "no socket yet"
	}); err != nil {
		return c, err
	}
	if err := c.start(ctx, "slurmctld", "-D", "-f", c.conf); err != nil {
		return c, err
	}
	if err := c.start(ctx, "slurmd", "-D", "-f", c.conf); err != nil {
		return c, err
	}
	return c, c.waitFor(ctx, "the node to be idle", 30*time.Second, func() (bool, string) {
		out, err := c.run(ctx, nil, "sinfo", "-h", "-n", host, "-o", "%T")
		state := strings.TrimSpace(out)
		return err == nil && state == "idle", fmt.Sprintf("sinfo: %q %v", state, err)
	})
}

// start runs one daemon in the foreground, its output in dir/NAME.out;
// it dies with this process (a parent-death signal) if stop never runs.
func (c *cluster) start(ctx context.Context, name string, args ...string) error {
	out, err := os.Create(filepath.Join(c.dir, name+".out"))
	if err != nil {
		return err
	}
	defer out.Close()
	cmd := exec.Command(name, args...)
	cmd.Dir = c.dir
	cmd.Env = c.env()
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	d := &daemon{name: name, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(d.done) }()
	c.daemons = append(c.daemons, d)
	select {
	case <-d.done:
		return fmt.Errorf("%s ended at once (%v): %s", name, cmd.ProcessState, c.tail(name+".out"))
	default:
		return ctx.Err()
	}
}

func (c *cluster) env() []string {
	return append(os.Environ(), "SLURM_CONF="+c.conf, c.token)
}

// run runs a Slurm client (sbatch, scontrol, …) against the cluster, in
// dir if given, with stdin if given, and returns its output.
func (c *cluster) run(ctx context.Context, stdin *string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.scale(30*time.Second))
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = c.env()
	if stdin != nil {
		cmd.Stdin = strings.NewReader(*stdin)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// sbatch submits script from dir (the job's working folder) with extra
// options before it, and returns the job's ID.
func (c *cluster) sbatch(ctx context.Context, dir, script string, opts ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "sbatch", append([]string{"--parsable"}, opts...)...)
	cmd.Dir, cmd.Env, cmd.Stdin = dir, c.env(), strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("sbatch %s: %v: %s", strings.Join(opts, " "), err, out)
	}
	id, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
	if _, err := strconv.Atoi(id); err != nil {
		return "", fmt.Errorf("sbatch: %q is no job ID", out)
	}
	c.jobs = append(c.jobs, id)
	return id, nil
}

// task is one array task as scontrol shows it.
type task struct {
	id       string // "2", or "2-4" for tasks not yet started
	state    string // PENDING, RUNNING, COMPLETING, COMPLETED, CANCELLED, TIMEOUT, …
	restarts int
}

// tasks lists job's array tasks by their task ID.
func (c *cluster) tasks(ctx context.Context, job string) (map[string]task, error) {
	out, err := c.run(ctx, nil, "scontrol", "-o", "show", "job", job)
	if err != nil {
		return nil, err
	}
	ts := map[string]task{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var t task
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "ArrayTaskId":
				t.id = v
			case "JobState":
				t.state = v
			case "Restarts":
				t.restarts, _ = strconv.Atoi(v)
			}
		}
		if t.id == "" {
			t.id = "-" // not an array
		}
		ts[t.id] = t
	}
	return ts, nil
}

// waitFor polls cond every 200 ms until it holds, ctx ends or d (times the
// patience) has passed; the error then gives cond's last word.
func (c *cluster) waitFor(ctx context.Context, what string, d time.Duration, cond func() (bool, string)) error {
	d = c.scale(d)
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, last := cond()
		if ok {
			return nil
		}
		for _, dm := range c.daemons {
			if c.stopping {
				break
			}
			select {
			case <-dm.done:
				return fmt.Errorf("waiting for %s: %s ended (%v): %s", what, dm.name, dm.cmd.ProcessState, c.tail(dm.name+".out"))
			default:
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, context.Cause(ctx))
		case <-deadline.C:
			return fmt.Errorf("%s did not happen within %v; last: %s", what, d, last)
		case <-tick.C:
		}
	}
}

func (c *cluster) scale(d time.Duration) time.Duration {
	return time.Duration(float64(d) * c.patience)
}

// stop cancels every job submitted, waits until the queue is empty, stops
// the daemons (SIGTERM, then SIGKILL after 10 s), reaps them, and checks
// that no process started from here is left: the daemons by the pids
// recorded at start, and every other by the token in its environment.
// It runs on a context of its own: it must run after Ctrl-C too.
func (c *cluster) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), c.scale(2*time.Minute))
	defer cancel()
	var errs []error
	if len(c.jobs) > 0 && c.alive("slurmctld") {
		if _, err := c.run(ctx, nil, "scancel", c.jobs...); err != nil {
			errs = append(errs, err)
		}
		errs = append(errs, c.waitFor(ctx, "the queue to empty", 90*time.Second, func() (bool, string) {
			out, err := c.run(ctx, nil, "squeue", "-h", "-o", "%i %T")
			return err == nil && strings.TrimSpace(out) == "", fmt.Sprintf("squeue: %q %v", out, err)
		}))
	}
	c.stopping = true
	for i := len(c.daemons) - 1; i >= 0; i-- {
		d := c.daemons[i]
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(c.scale(10 * time.Second)):
			_ = d.cmd.Process.Kill()
			<-d.done
			errs = append(errs, fmt.Errorf("%s (pid %d) did not stop within 10 s of SIGTERM; killed", d.name, d.cmd.Process.Pid))
		}
	}
	// pgrep by pid: none of the daemons recorded at start may be left.
	for _, d := range c.daemons {
		pid := strconv.Itoa(d.cmd.Process.Pid)
		if out, err := exec.Command("pgrep", "-d", " ", "-x", d.name).Output(); err == nil && containsWord(string(out), pid) {
			errs = append(errs, fmt.Errorf("%s (pid %s) is still running after it was stopped", d.name, pid))
		}
	}
	var left []int
	reapOrphans()
	_ = c.waitFor(ctx, "every process started here to end", 20*time.Second, func() (bool, string) {
		reapOrphans()
		left = procfs.WithEnv(c.token)
		return len(left) == 0, fmt.Sprint(left)
	})
	if len(left) > 0 {
		var names []string
		for _, pid := range left {
			names = append(names, fmt.Sprintf("%d %s", pid, procfs.Comm(pid)))
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		reapOrphans()
		errs = append(errs, fmt.Errorf("processes started by the cluster were left running (killed now): %s", strings.Join(names, ", ")))
	}
	return errors.Join(errs...)
}

func (c *cluster) alive(name string) bool {
	for _, d := range c.daemons {
		if d.name == name {
			select {
			case <-d.done:
				return false
			default:
				return true
			}
		}
	}
	return false
}

// reapOrphans waits for every exited child that exec.Cmd is not waiting
// for: as a subreaper, this process inherits the orphans of the daemons
// (slurmstepd and its jobs).
func reapOrphans() {
	for {
		var ws syscall.WaitStatus
		// Only children outside the daemons' groups: the daemons are
		// waited for by their exec.Cmd.
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG|syscall.WALL, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}

func containsWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
			return true
		}
	}
	return false
}

// freePort is a TCP port free on loopback now.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

// tail is the end of a file in the cluster's folder, for error messages.
func (c *cluster) tail(name string) string {
	data, _ := os.ReadFile(filepath.Join(c.dir, name))
	if len(data) > 1500 {
		data = data[len(data)-1500:]
	}
	return strings.TrimSpace(string(data))
}
