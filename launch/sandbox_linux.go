package launch

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/rlimit"
)

// SandboxFacts say how a sandboxed server is confined on Linux (see
// Facts).
var SandboxFacts = Facts{
	SandboxUser: "As root, each sandboxed process tree runs under a uid and " +
		"gid of its own, from 2,000,000,000 on, reserved for as long as it " +
		"runs by an abstract socket (no two concurrent runs share one, " +
		"across processes), with no supplementary groups and no_new_privs. " +
		"As another user, in a user namespace of its own where it is uid " +
		"1000 and holds no capability.",
	SandboxFiles: "A mount namespace: every mount read-only; /home, /root, " +
		"/run, the class and the grader's outputs covered by empty " +
		"folders; its folder a private copy; /tmp and /dev/shm one " +
		"private tmpfs, whose size is the disk limit; the toolchains under " +
		"the home folder shown read-only, Go's build cache with a private " +
		"layer on top.",
	SandboxProcesses: "A pid namespace whose PID 1 is the kit's own small " +
		"init (the server is not PID 1, so it keeps the default signal " +
		"dispositions and its orphans are reaped as outside); the kit " +
		"observes from outside, by host pids. The init reports the " +
		"server's own exit, so a server whose children hold its output " +
		"open is still seen to have ended.",
	SandboxMemory: "A memory cgroup per server (cgroup v1's " +
		"memory.limit_in_bytes and memsw, or v2's memory.max with " +
		"memory.swap.max = 0); an OOM kill is named as such.",
}

// sandboxEnv carries an initConfig, as JSON, to the sandbox's init.
const sandboxEnv = "ECHOSPEC_SANDBOX"

// Sandbox uids, as root: uidBase+n for n < uidCount.
const (
	uidBase  = 2_000_000_000
	uidCount = 100_000
	nsUID    = 1000 // the server's uid in a user namespace of its own
)

// initConfig is what the kit tells the sandbox's init.
type initConfig struct {
	Path       string   `json:"path"`
	Argv       []string `json:"argv"`
	Env        []string `json:"env"`
	Dir        string   `json:"dir"`
	UID        int      `json:"uid"`
	GID        int      `json:"gid"`
	UserNS     bool     `json:"userns,omitempty"`
	Limits     string   `json:"limits"`
	PidsCgroup bool     `json:"pids_cgroup,omitempty"`
	Procs      []string `json:"procs,omitempty"`
	Copy       string   `json:"copy,omitempty"`
	Hide       []string `json:"hide,omitempty"`
	Binds      []Bind   `json:"binds,omitempty"`
	Caches     []string `json:"caches,omitempty"`
	Disk       uint64   `json:"disk"`
	Probe      bool     `json:"probe,omitempty"`
}

// box is the kit's side of one sandboxed process tree.
type box struct {
	uid    int
	hold   int // the abstract socket that reserves uid, or -1
	mem    memCgroup
	memory uint64
	status *os.File // the init's reports: "pid N", then "exit W"
	lines  chan string
	// The output pipes (see outputPipe), and their write ends, closed
	// here once the init has them.
	outputs   []*outputPipe
	childEnds []*os.File
}

// newBox reserves a user and a memory cgroup for one run.
func newBox(token string, memory uint64) (*box, error) {
	b := &box{hold: -1, memory: memory}
	if os.Geteuid() == 0 {
		uid, fd, err := reserveUID()
		if err != nil {
			return nil, err
		}
		b.uid, b.hold = uid, fd
	} else {
		b.uid = nsUID
	}
	if memory > 0 {
		b.mem, _ = newMemCgroup(token, memory)
	}
	return b, nil
}

// wrap turns cmd, which would start the shim, into the start of the
// sandbox's init, which sets the sandbox up and starts path with argv.
func (b *box) wrap(cmd *exec.Cmd, sb *Sandbox, path string, argv []string, dir, limits string, disk uint64, pidsCgroup string, build bool) error {
	c := initConfig{
		Path: path, Argv: argv, Env: serverEnv(cmd.Env), Dir: dir, UID: b.uid, GID: b.uid,
		UserNS: os.Geteuid() != 0, Limits: limits, Copy: sb.Copy, Hide: sb.Hide,
		Binds: sb.Binds, Caches: sb.Caches, Disk: disk,
	}
	if pidsCgroup != "" {
		c.PidsCgroup = true
		c.Procs = append(c.Procs, filepath.Join(pidsCgroup, "cgroup.procs"))
	}
	if b.mem.dir != "" {
		c.Procs = append(c.Procs, filepath.Join(b.mem.dir, "cgroup.procs"))
	}
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	b.status = r
	cmd.Args = []string{"echospec-sandbox"}
	cmd.Env = append(cleanEnv(cmd.Env), sandboxEnv+"="+string(data))
	cmd.ExtraFiles = []*os.File{w}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	flags := uintptr(unix.CLONE_NEWPID | unix.CLONE_NEWNS)
	if build {
		flags |= unix.CLONE_NEWNET
	}
	if os.Geteuid() != 0 {
		flags |= unix.CLONE_NEWUSER
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}}
		cmd.SysProcAttr.GidMappingsEnableSetgroups = false
	}
	cmd.SysProcAttr.Cloneflags |= flags
	return nil
}

// cleanEnv drops the kit's own protocol variables from env.
func cleanEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, sandboxEnv+"=") && !strings.HasPrefix(kv, shimEnv+"=") && !strings.HasPrefix(kv, cgroupEnv+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// serverEnv is env for a process in the sandbox: its temporary folder is
// its private /tmp, not the kit's, which it cannot see.
func serverEnv(env []string) []string {
	var out []string
	for _, kv := range cleanEnv(env) {
		if !strings.HasPrefix(kv, "TMPDIR=") {
			out = append(out, kv)
		}
	}
	return append(out, "TMPDIR=/tmp")
}

// started closes the kit's copy of the report pipe's write end and reads
// the init's reports from then on.
func (b *box) started(cmd *exec.Cmd) {
	for _, f := range cmd.ExtraFiles {
		f.Close()
	}
	for _, f := range b.childEnds {
		f.Close()
	}
	b.lines = make(chan string, 4)
	go func() {
		defer close(b.lines)
		sc := bufio.NewScanner(b.status)
		for sc.Scan() {
			b.lines <- sc.Text()
		}
		b.status.Close()
	}()
}

// serverPID waits for the init to report the server's host pid. ok is
// false when the init ended first (it could not set the sandbox up or
// start the server: its stderr says why).
func (b *box) serverPID() (pid int, ok bool) {
	line, ok := <-b.lines
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(line, "pid "))
	return n, err == nil && strings.HasPrefix(line, "pid ")
}

// exit waits for the init to report the server's end: its wait status.
// ok is false when the init ended without reporting it.
func (b *box) exit() (ws unix.WaitStatus, ok bool) {
	for line := range b.lines {
		if v, found := strings.CutPrefix(line, "exit "); found {
			n, err := strconv.ParseUint(v, 10, 32)
			if err == nil {
				return unix.WaitStatus(n), true
			}
		}
	}
	return 0, false
}

// describe words the server's end, naming an OOM kill.
func (b *box) describe(ws unix.WaitStatus) string {
	if ws.Signaled() && ws.Signal() == unix.SIGKILL && b.mem.oomKills() > 0 {
		return fmt.Sprintf("was killed for using more than %s of memory (the sandbox's limit; [limits] memory)", rlimit.Bytes(b.memory))
	}
	return waitText(ws)
}

// succeeded reports whether ws is an exit with status 0.
func (b *box) succeeded(ws unix.WaitStatus) bool { return ws.Exited() && ws.ExitStatus() == 0 }

// release gives back the uid and removes the memory cgroup; call it once
// every process of the box is gone.
func (b *box) release() {
	b.mem.remove()
	if b.hold >= 0 {
		unix.Close(b.hold)
		b.hold = -1
	}
}

// reserveUID finds a sandbox uid no other run on this machine holds and
// holds it: an abstract unix socket named after it, which the kernel
// frees when the kit closes it or dies.
func reserveUID() (uid, fd int, err error) {
	start := rand.IntN(uidCount)
	for i := range uidCount {
		n := (start + i) % uidCount
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return 0, -1, os.NewSyscallError("socket", err)
		}
		err = unix.Bind(fd, &unix.SockaddrUnix{Name: "@echospec-uid-" + strconv.Itoa(n)})
		if err == nil {
			return uidBase + n, fd, nil
		}
		unix.Close(fd)
		if !errors.Is(err, unix.EADDRINUSE) {
			return 0, -1, os.NewSyscallError("bind", err)
		}
	}
	return 0, -1, fmt.Errorf("all %d sandbox uids are in use", uidCount)
}

// memCgroup is one server's memory cgroup (v1 or v2), or none (dir "").
type memCgroup struct {
	dir string
	v2  bool
}

// newMemCgroup makes a memory cgroup under the kit's own, limited to
// limit bytes with no swap. missing says why there is none.
func newMemCgroup(token string, limit uint64) (m memCgroup, missing string) {
	if own, ok := ownCgroup("memory"); ok {
		base := filepath.Join("/sys/fs/cgroup/memory", own)
		dir := filepath.Join(base, "echospec-"+token)
		if err := os.Mkdir(dir, 0o755); err != nil {
			return m, fmt.Sprintf("cannot make a memory cgroup (v1) in %s: %v", base, err)
		}
		lim := strconv.FormatUint(limit, 10)
		if err := os.WriteFile(filepath.Join(dir, "memory.limit_in_bytes"), []byte(lim), 0); err != nil {
			unix.Rmdir(dir)
			return m, fmt.Sprintf("cannot set %s/memory.limit_in_bytes: %v", dir, err)
		}
		// Swap counts against the same limit (absent without swap accounting).
		_ = os.WriteFile(filepath.Join(dir, "memory.memsw.limit_in_bytes"), []byte(lim), 0)
		return memCgroup{dir: dir}, ""
	}
	mnt, own, ok := cgroup2()
	if !ok {
		return m, "no memory controller: cgroup v1's is not mounted and cgroup v2 is not mounted"
	}
	base := filepath.Join(mnt, own)
	if !hasWord(filepath.Join(base, "cgroup.controllers"), "memory") {
		return m, fmt.Sprintf("cgroup v2's memory controller is not delegated to %s", base)
	}
	if !hasWord(filepath.Join(base, "cgroup.subtree_control"), "memory") {
		if err := os.WriteFile(filepath.Join(base, "cgroup.subtree_control"), []byte("+memory"), 0); err != nil {
			return m, fmt.Sprintf("cannot enable the memory controller in %s/cgroup.subtree_control: %v (the kit's own cgroup holds processes; run it in a delegated cgroup, e.g. systemd-run --user --scope -p Delegate=yes)", base, err)
		}
	}
	dir := filepath.Join(base, "echospec-"+token)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return m, fmt.Sprintf("cannot make a memory cgroup (v2) in %s: %v", base, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "memory.max"), []byte(strconv.FormatUint(limit, 10)), 0); err != nil {
		unix.Rmdir(dir)
		return m, fmt.Sprintf("cannot set %s/memory.max: %v", dir, err)
	}
	_ = os.WriteFile(filepath.Join(dir, "memory.swap.max"), []byte("0"), 0)
	return memCgroup{dir: dir, v2: true}, ""
}

// oomKills is how many processes of the cgroup the OOM killer ended.
func (m memCgroup) oomKills() int {
	if m.dir == "" {
		return 0
	}
	file, key := "memory.oom_control", "oom_kill"
	if m.v2 {
		file = "memory.events"
	}
	data, _ := os.ReadFile(filepath.Join(m.dir, file))
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, key+" "); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// remove removes the cgroup, once its processes are gone.
func (m memCgroup) remove() { removeCgroup(m.dir) }

// ownCgroup is the kit's own cgroup in the v1 hierarchy of controller.
func ownCgroup(controller string) (string, bool) {
	if _, err := os.Stat(filepath.Join("/sys/fs/cgroup", controller, "cgroup.procs")); err != nil {
		return "", false
	}
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", false
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) == 3 && slices.Contains(strings.Split(parts[1], ","), controller) {
			return parts[2], true
		}
	}
	return "", false
}

// cgroup2 is where cgroup v2 is mounted and the kit's cgroup in it.
func cgroup2() (mnt, own string, ok bool) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", "", false
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		pre, post, found := strings.Cut(line, " - ")
		if found && strings.HasPrefix(post, "cgroup2 ") {
			if f := strings.Fields(pre); len(f) > 4 {
				mnt = f[4]
				break
			}
		}
	}
	if mnt == "" {
		return "", "", false
	}
	cg, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", "", false
	}
	for line := range strings.SplitSeq(string(cg), "\n") {
		if v, ok := strings.CutPrefix(line, "0::"); ok {
			return mnt, v, true
		}
	}
	return "", "", false
}

func hasWord(file, word string) bool {
	data, _ := os.ReadFile(file)
	return slices.Contains(strings.Fields(string(data)), word)
}

var (
	layersOnce sync.Once
	layers     []Layer
)

// Layers says which of the sandbox's layers this machine gives. The
// first call starts one sandbox to find out (a few milliseconds).
func Layers() []Layer {
	layersOnce.Do(func() { layers = probeLayers() })
	return layers
}

func probeLayers() []Layer {
	user := Layer{Name: "user", Means: "the server runs as a user of its own: the grader's files, /etc/shadow and other runs' processes are closed to it by the kernel"}
	files := Layer{Name: "files", Means: "the server sees the machine read-only, without the class, the grader's outputs or the home folders, and writes only to a private copy of its folder and a private /tmp"}
	procs := Layer{Name: "processes", Means: "the server sees and can signal only its own processes"}
	mem := Layer{Name: "memory", Means: "the server's memory is bounded (rlimit memory, default 1GiB)"}
	disk := Layer{Name: "disk", Means: "what the server writes is bounded in all (default 256MiB) and gone at the end"}
	if err := probeSandbox(); err != nil {
		why := "the kit cannot start a sandbox here (" + err.Error() + "); without root, user namespaces must be allowed (sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone, AppArmor's restrict_unprivileged_userns)"
		user.Missing, files.Missing, procs.Missing, disk.Missing = why, why, why, why
	}
	token := fmt.Sprintf("probe-%d-%d", os.Getpid(), time.Now().UnixNano())
	m, missing := newMemCgroup(token, 64<<20)
	m.remove()
	mem.Missing = missing
	return []Layer{user, files, procs, mem, disk}
}

// probeSandbox starts an init that sets up an empty sandbox and exits.
func probeSandbox() error {
	self, err := selfExe()
	if err != nil {
		return err
	}
	b, err := newBox("probe", 0)
	if err != nil {
		return err
	}
	defer b.release()
	cmd := &exec.Cmd{Path: self, Dir: "/"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	sb := &Sandbox{}
	if err := b.wrap(cmd, sb, "/", nil, "/", "", 1<<20, "", true); err != nil {
		return err
	}
	cmd.Env = append(cmd.Env[:len(cmd.Env)-1], sandboxEnv+"="+probeConfig(b))
	if err := cmd.Start(); err != nil {
		return unwrapExec(err)
	}
	b.started(cmd)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func probeConfig(b *box) string {
	data, _ := json.Marshal(initConfig{Probe: true, Dir: "/", UID: b.uid, GID: b.uid, UserNS: os.Geteuid() != 0, Disk: 1 << 20})
	return string(data)
}

// sandbox has cmd start the sandbox's init for path and argv instead of
// the shim; build gives the sandbox an empty network of its own.
func sandbox(cmd *exec.Cmd, sb *Sandbox, token, path string, argv []string, dir string, limits rlimit.Set, pidsCgroup string, build bool) (*box, error) {
	b, err := newBox(token, limits.Memory)
	if err != nil {
		return nil, err
	}
	if err := b.pipeOutput(cmd, cmd.Stdout.(*Tail), cmd.Stderr.(*Tail)); err != nil {
		b.release()
		return nil, err
	}
	disk := limits.Disk
	if disk == 0 {
		disk = rlimit.Defaults.Disk
	}
	if err := b.wrap(cmd, sb, path, argv, dir, limits.Encode(), disk, pidsCgroup, build); err != nil {
		b.release()
		return nil, err
	}
	return b, nil
}

// outputPipe carries one of a sandboxed process tree's output streams to a
// Tail. Every read from the pipe and the write of what it read to the
// Tail happen under mu, so once the pipe is empty (the init waits for
// that before it reports the server's end), holding mu for a moment means
// every byte the server wrote is in the Tail.
type outputPipe struct {
	mu sync.Mutex
	r  *os.File
}

// pipeTo makes a pipe whose read end feeds t; w is for the child.
func pipeTo(t *Tail) (p *outputPipe, w *os.File, err error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	p = &outputPipe{r: r}
	raw, err := r.SyscallConn()
	if err != nil {
		r.Close()
		w.Close()
		return nil, nil, err
	}
	go func() {
		defer r.Close()
		buf := make([]byte, 32<<10)
		for done := false; !done; {
			err := raw.Read(func(fd uintptr) bool {
				p.mu.Lock()
				defer p.mu.Unlock()
				n, err := unix.Read(int(fd), buf)
				switch {
				case err == unix.EAGAIN:
					return false // wait until readable
				case err == unix.EINTR:
					return false
				case n > 0:
					t.Write(buf[:n])
					return true
				default:
					done = true // EOF or an error: every writer is gone
					return true
				}
			})
			if err != nil {
				return
			}
		}
	}()
	return p, w, nil
}

// drained returns once whatever the copier has read is in the Tail.
func (p *outputPipe) drained() {
	p.mu.Lock()
	//lint:ignore SA2001 the empty critical section is the point: it waits for the copier's transfer in flight
	p.mu.Unlock()
}

// pipeOutput gives cmd's stdout and stderr pipes of the box's own (see
// outputPipe), instead of os/exec's copiers.
func (b *box) pipeOutput(cmd *exec.Cmd, stdout, stderr *Tail) error {
	po, wo, err := pipeTo(stdout)
	if err != nil {
		return err
	}
	pe, we := po, wo
	if stderr != stdout {
		if pe, we, err = pipeTo(stderr); err != nil {
			wo.Close()
			return err
		}
	}
	cmd.Stdout, cmd.Stderr = wo, we
	b.outputs = []*outputPipe{po, pe}
	b.childEnds = []*os.File{wo, we}
	return nil
}

// drained returns once every byte the server wrote before its end is in
// its Tails.
func (b *box) drained() {
	for _, p := range b.outputs {
		p.drained()
	}
}
