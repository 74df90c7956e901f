// Package launch builds and runs a server under test: in its own process
// group, with bounded output, under resource limits, and it stops every
// process of that group at the end, reaping each one.
//
// The package knows nothing of manifests or specs: it takes an argv, a
// folder and a port, and reports in plain words what the server did.
package launch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/echospec/echospec/netns"
	"github.com/echospec/echospec/rlimit"
)

// The pre-exec shim's environment (see shim_unix.go).
const (
	shimEnv   = "ECHOSPEC_LAUNCH_LIMITS" // rlimit.Set.Encode()
	cgroupEnv = "ECHOSPEC_LAUNCH_CGROUP" // a cgroup.procs file to join first
)

// TailSize is how many bytes of each of stdout and stderr are kept.
const TailSize = 8 << 10

// Options describe one start of a server.
type Options struct {
	// Name identifies the server in every message.
	Name string
	// Dir is the working folder.
	Dir string
	// Argv is the command, placeholders already expanded.
	Argv []string
	// Env is added to the kit's environment.
	Env []string
	// Host and Port are where the server must listen.
	Host string
	Port int
	// ReadyTimeout bounds the wait for the port to listen.
	ReadyTimeout time.Duration
	// Source names where Argv came from, e.g. "command in x/echospec.toml".
	Source string
	// Manifest is the file where the port is set, named by the message of
	// a server that listens on another port; "" says "the manifest".
	Manifest string
	// NetNS, if set, is the network the server runs in (see package
	// netns); the clients must be made in it too (NetNS.Do).
	NetNS *netns.NS
	// Limits bound the server's resources from its first instruction; the
	// zero Set means rlimit.Defaults.
	Limits rlimit.Set
	// Sandbox, if set, confines the server to itself (see Sandbox); nil
	// runs it as the kit's own user, seeing what the kit sees.
	Sandbox *Sandbox
}

// Server is a running server under test.
type Server struct {
	Name   string
	Port   int
	PID    int // the process the kit started; also its process group ID
	Stdout *Tail
	Stderr *Tail

	// NetNS is the network namespace the server runs in, or nil.
	NetNS *netns.NS

	token  string // in every process's environment, see strays
	cgroup string // its pids cgroup folder, or ""
	seenMu sync.Mutex
	seen   map[int]bool // every stray ever listed, to be reaped once dead
	cmd    *exec.Cmd
	exited chan struct{}
	once   sync.Once
	mu     sync.Mutex
	state  *os.ProcessState
	werr   error

	// A sandboxed server: the box, the pid of its init (PID 1 of its
	// namespace), closed when the init is reaped, and the server's end
	// as the init reported it.
	box      *box
	initPID  int
	initDone chan struct{}
	end      string
	clean    bool // it exited with status 0
}

// Addr is the address clients dial.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// Exited is closed when the started process has exited and been reaped.
func (s *Server) Exited() <-chan struct{} { return s.exited }

// Status describes the started process: "running" or how it ended.
func (s *Server) Status() string {
	select {
	case <-s.exited:
	default:
		return "running"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.box != nil {
		return s.end
	}
	return describeExit(s.state, s.werr)
}

// Report is the paragraph a failure message carries about the server: its
// state and the end of what it printed.
func (s *Server) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "server %s (pid %d, port %d): %s", s.Name, s.PID, s.Port, s.Status())
	for _, o := range []struct {
		name string
		t    *Tail
	}{{"stderr", s.Stderr}, {"stdout", s.Stdout}} {
		if txt := o.t.String(); txt != "" {
			fmt.Fprintf(&b, "\n  %s (last lines):\n%s", o.name, indent(lastLines(txt, 12), "    | "))
		}
	}
	return b.String()
}

// Start runs the server and waits until it listens on its port. If it
// exits first, or does not listen in time, the error says which, with the
// end of its stderr, and every process it started has been stopped.
func Start(ctx context.Context, o Options) (*Server, error) {
	s, err := run(o, false)
	if err != nil {
		return nil, err
	}
	if err := s.waitListening(ctx, o); err != nil {
		s.Stop(time.Second)
		return nil, err
	}
	return s, nil
}

// run starts o's command: through the pre-exec shim, or as the sandbox's
// server when o.Sandbox is set (build: a build, in an empty network).
func run(o Options, build bool) (*Server, error) {
	if len(o.Argv) == 0 {
		return nil, &Error{Headline: fmt.Sprintf("%s: no command to run (%s)", o.Name, o.Source)}
	}
	if err := supported(); err != nil {
		return nil, &Error{Headline: fmt.Sprintf("%s: %v", o.Name, err), Err: err}
	}
	prepare()
	path, err := resolve(o.Argv[0], o.Dir)
	if err != nil {
		return nil, &Error{Headline: fmt.Sprintf("%s: cannot start %q: %v (%s; a relative path is taken from the manifest's folder %s)",
			o.Name, o.Argv[0], err, o.Source, o.Dir)}
	}
	self, err := selfExe()
	if err != nil {
		return nil, &Error{Headline: fmt.Sprintf("%s: the launcher cannot find its own executable to start the server through: %v", o.Name, err)}
	}
	limits := o.Limits
	if limits == (rlimit.Set{}) {
		limits = rlimit.Defaults
	}
	token := newRunToken()
	procs := limits.Processes
	if o.Sandbox != nil {
		procs++ // the sandbox's init
	}
	cgroup := newCgroup(token, procs)
	cmd := &exec.Cmd{Path: self, Args: shimArgv(path, o.Argv), Dir: o.Dir}
	cmd.Env = append(os.Environ(), o.Env...)
	cmd.Env = append(cmd.Env, runTokenVar+"="+token)
	s := &Server{Name: o.Name, Port: o.Port, Stdout: NewTail(TailSize), Stderr: NewTail(TailSize), NetNS: o.NetNS,
		token: token, cgroup: cgroup, cmd: cmd, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = s.Stdout, s.Stderr
	if build {
		cmd.Stderr = s.Stdout // one stream, in order
	}
	if o.Sandbox != nil {
		bx, err := sandbox(cmd, o.Sandbox, token, path, o.Argv, o.Dir, limits, cgroup, build)
		if err != nil {
			removeCgroup(cgroup)
			return nil, &Error{Headline: fmt.Sprintf("%s: cannot make the sandbox: %v", o.Name, err), Err: err}
		}
		s.box = bx
	} else {
		cmd.Env = append(cmd.Env, shimEnv+"="+limits.Encode())
		if cgroup != "" {
			cmd.Env = append(cmd.Env, cgroupEnv+"="+cgroup+"/cgroup.procs")
		}
	}
	isolate(cmd)
	// A child starts in the network namespace of the thread that forks it.
	if err := o.NetNS.Do(cmd.Start); err != nil {
		s.release()
		return nil, &Error{Headline: fmt.Sprintf("%s: cannot start %q: %v (%s)", o.Name, o.Argv[0], unwrapExec(err), o.Source)}
	}
	s.PID = cmd.Process.Pid
	if s.box != nil {
		if err := s.boxed(); err != nil {
			return nil, err
		}
		return s, nil
	}
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.state, s.werr = cmd.ProcessState, err
		s.mu.Unlock()
		close(s.exited)
	}()
	return s, nil
}

// Looking for a listener on another port costs a scan of /proc, so it is
// done every elsewhereEvery ticks; one seen that long, with nothing on the
// given port, ends the wait (a server that opens two listeners opens them
// together, so otherPortGrace is ample).
const (
	elsewhereEvery = 10
	otherPortGrace = 300 * time.Millisecond
)

func (s *Server) waitListening(ctx context.Context, o Options) error {
	deadline := time.NewTimer(o.ReadyTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var elsewhereSince time.Time
	for n := 0; ; n++ {
		if listening(o.NetNS, o.Host, o.Port) {
			return nil
		}
		if n%elsewhereEvery == elsewhereEvery-1 {
			switch addrs := listensElsewhere(o.NetNS, s.PID, o.Port); {
			case len(addrs) == 0:
				elsewhereSince = time.Time{}
			case elsewhereSince.IsZero():
				elsewhereSince = time.Now()
			case time.Since(elsewhereSince) >= otherPortGrace:
				return s.failure(otherPort(o, addrs))
			}
		}
		select {
		case <-s.exited:
			return s.failure(fmt.Sprintf("%s: the server %s before listening on port %d%s", o.Name, s.Status(), o.Port, s.lastWords()))
		case <-deadline.C:
			return s.failure(fmt.Sprintf("%s: the server did not listen on port %d within %v (it is %s%s); check that it binds the port given as {port} or $PORT (or the manifest's port = N) and calls listen()",
				o.Name, o.Port, o.ReadyTimeout, s.Status(), s.lastWords()))
		case <-ctx.Done():
			return &Error{Headline: fmt.Sprintf("%s: interrupted while waiting for the server to listen: %v", o.Name, ctx.Err()), Err: ctx.Err()}
		case <-tick.C:
		}
	}
}

// otherPort is the headline of a server that listens on addrs but not on
// the port it was given: the one cause of every spec failing to start.
func otherPort(o Options, addrs []netip.AddrPort) string {
	file := o.Manifest
	if file == "" {
		file = "the manifest"
	}
	names := make([]string, len(addrs))
	for i, a := range addrs {
		names[i] = a.String()
	}
	return fmt.Sprintf("%s: it listens on %s, not on the port it was given (%d): set `port = %d` in %s, or bind {port}/$PORT",
		o.Name, strings.Join(names, " and "), o.Port, addrs[0].Port(), file)
}

// lastWords quotes the last line the server printed, for a one-line verdict.
func (s *Server) lastWords() string {
	for _, t := range []*Tail{s.Stderr, s.Stdout} {
		if txt := strings.TrimSpace(t.String()); txt != "" {
			lines := strings.Split(txt, "\n")
			return fmt.Sprintf(" (last printed: %q)", strings.TrimSpace(lines[len(lines)-1]))
		}
	}
	return " (it printed nothing)"
}

// failure is the Error with headline and the end of the server's stderr,
// or of its stdout if it printed nothing on stderr.
func (s *Server) failure(headline string) *Error {
	e := &Error{Headline: headline}
	for _, o := range []struct {
		name string
		t    *Tail
	}{{"stderr", s.Stderr}, {"stdout", s.Stdout}} {
		if txt := o.t.String(); txt != "" {
			e.Stream, e.Tail = o.name, lastLines(txt, 12)
			break
		}
	}
	return e
}

// Stop ends the server: SIGTERM to its process group, up to grace for every
// process in it to end, then SIGKILL to the group. It returns once every
// process of the group is gone and reaped. It is safe to call twice.
func (s *Server) Stop(grace time.Duration) {
	s.once.Do(func() {
		stopGroup(s.PID, s.exited, grace, s.Strays)
		s.release()
	})
}

// boxed follows a sandboxed server once its init has started: it waits
// for the init to name the server's pid, then watches for the server's
// end, which the init reports (not the end of its output, which its
// children may hold open).
func (s *Server) boxed() error {
	s.initPID = s.cmd.Process.Pid
	s.initDone = make(chan struct{})
	s.box.started(s.cmd)
	go func() {
		err := s.cmd.Wait()
		s.mu.Lock()
		s.state, s.werr = s.cmd.ProcessState, err
		s.mu.Unlock()
		close(s.initDone)
	}()
	pid, ok := s.box.serverPID()
	if !ok {
		<-s.initDone
		s.release()
		return s.failure(fmt.Sprintf("%s: the sandbox could not start the server (%s)%s", s.Name, describeExit(s.state, s.werr), s.lastWords()))
	}
	s.PID = pid
	go func() {
		ws, ok := s.box.exit()
		end, clean := "", false
		if ok {
			end, clean = s.box.describe(ws), s.box.succeeded(ws)
		} else {
			<-s.initDone
			s.mu.Lock()
			end = "ended with its sandbox (whose init " + describeExit(s.state, s.werr) + ")"
			s.mu.Unlock()
		}
		s.box.drained()
		s.mu.Lock()
		s.end, s.clean = end, clean
		s.mu.Unlock()
		close(s.exited)
	}()
	return nil
}

// release frees what Start took for the server once its processes are
// gone: the sandbox (its init is killed, which ends whatever is left in
// its namespaces, and reaped), the uid and the cgroups.
func (s *Server) release() {
	if s.box != nil {
		if s.initDone != nil {
			_ = s.cmd.Process.Kill()
			select {
			case <-s.initDone:
			case <-time.After(10 * time.Second):
			}
		}
		s.box.release()
	}
	removeCgroup(s.cgroup)
}

// Strays lists the server's live processes outside its process group:
// those that called setsid() or setpgid() to leave it (found by its pids
// cgroup and by the run token in their environment).
//
// Strays that have exited are reaped here: they were re-parented to the
// kit, its child subreaper.
func (s *Server) Strays() []int {
	s.seenMu.Lock()
	defer s.seenMu.Unlock()
	for pid := range s.seen {
		reapStray(pid)
	}
	var out []int
	for _, pid := range strays(s.token, s.cgroup) {
		if pid == s.initPID {
			continue // the sandbox's init, the kit's own
		}
		if pgid, err := getpgid(pid); err != nil || pgid != s.PID {
			out = append(out, pid)
			if s.seen == nil {
				s.seen = map[int]bool{}
			}
			s.seen[pid] = true
		}
	}
	return out
}

// DescribeStrays names the processes Strays lists, for a message.
func (s *Server) DescribeStrays() string { return describeProcs(s.Strays()) }

// Signal sends sig to the server's whole process group.
func (s *Server) Signal(sig os.Signal) error { return SignalGroup(s.PID, sig) }

// GroupGone reports whether no process of the server is left: none in its
// process group (zombies reaped) and none that left the group.
func (s *Server) GroupGone() bool {
	select {
	case <-s.exited:
	default:
		return false
	}
	return groupGone(s.PID) && len(s.Strays()) == 0
}

// Build runs argv in dir, in its own process group, for at most timeout.
// A failure returns the end of the build's output.
func Build(ctx context.Context, name, dir string, argv []string, env []string, timeout time.Duration, source string) error {
	return BuildIn(ctx, name, dir, argv, env, timeout, source, nil)
}

// BuildIn is Build, confined by sb when it is not nil: the build sees and
// writes what sb allows (its folder and output folder as writable Binds)
// in an empty network of its own, under the default limits.
func BuildIn(ctx context.Context, name, dir string, argv []string, env []string, timeout time.Duration, source string, sb *Sandbox) error {
	if len(argv) == 0 {
		return &Error{Headline: fmt.Sprintf("%s: no build command (%s)", name, source)}
	}
	if sb != nil {
		return buildSandboxed(ctx, Options{Name: name, Dir: dir, Argv: argv, Env: env, Source: source, Sandbox: sb}, timeout)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out := NewTail(TailSize)
	cmd.Stdout, cmd.Stderr = out, out
	isolate(cmd)
	if err := cmd.Start(); err != nil {
		return &Error{Headline: fmt.Sprintf("%s: cannot start the build %q: %v (%s)", name, argv[0], unwrapExec(err), source)}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		reapGroup(cmd.Process.Pid)
		if err != nil {
			return buildFailure(fmt.Sprintf("%s: the build %q failed (%s)", name, strings.Join(argv, " "), describeExit(cmd.ProcessState, err)), out)
		}
		return nil
	case <-ctx.Done():
		exited := make(chan struct{})
		go func() { <-done; close(exited) }()
		stopGroup(cmd.Process.Pid, exited, time.Second, nil)
		return buildFailure(fmt.Sprintf("%s: the build %q did not finish within %v; it was stopped", name, strings.Join(argv, " "), timeout), out)
	}
}

// buildSandboxed runs a build as a sandboxed server that is not waited
// on to listen: its end is the build's.
func buildSandboxed(ctx context.Context, o Options, timeout time.Duration) error {
	s, err := run(o, true)
	if err != nil {
		return err
	}
	defer s.Stop(time.Second)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	argv := strings.Join(o.Argv, " ")
	select {
	case <-s.exited:
		s.Stop(time.Second) // what the build left running
		if !s.clean {
			return buildFailure(fmt.Sprintf("%s: the build %q failed (%s)", o.Name, argv, s.Status()), s.Stdout)
		}
		return nil
	case <-deadline.C:
		return buildFailure(fmt.Sprintf("%s: the build %q did not finish within %v; it was stopped", o.Name, argv, timeout), s.Stdout)
	case <-ctx.Done():
		return &Error{Headline: fmt.Sprintf("%s: interrupted during the build: %v", o.Name, ctx.Err()), Err: ctx.Err()}
	}
}

// buildFailure is the Error with headline and the end of the build's
// output.
func buildFailure(headline string, out *Tail) *Error {
	e := &Error{Headline: headline}
	if txt := out.String(); txt != "" {
		e.Stream, e.Tail = "output", lastLines(txt, 20)
	}
	return e
}

// resolve finds the program argv0 names: a path with a slash is taken
// from dir (when relative), a bare name from $PATH.
func resolve(argv0, dir string) (string, error) {
	if !strings.Contains(argv0, "/") {
		p, err := exec.LookPath(argv0)
		return p, unwrapExec(err)
	}
	p := argv0
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	st, err := os.Stat(p)
	switch {
	case err != nil:
		return "", unwrapExec(err)
	case st.IsDir():
		return "", errors.New("is a directory")
	case st.Mode()&0o111 == 0:
		return "", errors.New("permission denied: the file is not executable (chmod +x, or run it through its interpreter)")
	}
	return p, nil
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("launch: finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Expand replaces each {key} in argv by vars[key].
func Expand(argv []string, vars map[string]string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		for k, v := range vars {
			a = strings.ReplaceAll(a, "{"+k+"}", v)
		}
		out[i] = a
	}
	return out
}

func describeExit(st *os.ProcessState, err error) string {
	if st == nil {
		if err != nil {
			return "ended: " + err.Error()
		}
		return "ended"
	}
	return exitText(st)
}

func unwrapExec(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[... %d lines above]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
