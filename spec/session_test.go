package spec_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/diagnose"
	"github.com/echospec/echospec/launch"
	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/netns"
	"github.com/echospec/echospec/probe"
	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/rlimit"
)

// Base deadlines, before the patience factor.
const (
	stallBase = 4 * time.Second // no progress for this long: the server is stuck
	dialBase  = 5 * time.Second
	// stopGrace is what a server gets to end after SIGTERM once its spec
	// is over. Nothing is judged then (PROC-2 judges SIGTERM), so none:
	// the group is killed at once, and a server that ignores SIGTERM
	// costs no time.
	stopGrace   = 0
	crashGrace  = 250 * time.Millisecond // a dead server's exit reaching the kit
	exitGrace   = 3 * time.Second        // a server that stopped listening, to finish exiting
	buildBase   = 5 * time.Minute
	defaultSpec = 30 * time.Second
)

// session is one spec's view of its target: a fresh server (or the --addr
// server) and the clients the spec opened, all closed at the end.
type session struct {
	tg  *manifest.Target
	srv *launch.Server // nil for an --addr target
	ns  *netns.NS      // the server's own network; nil: the kit's
	// limits, if set, lowers the server's limits for this spec (CAP).
	limits func(*rlimit.Set)
	// signalled is set when the spec itself signals the server, whose end
	// is then no news.
	signalled bool
	addr      string
	conns     []*probe.Conn
	// owed holds the clients that connected while the server could not
	// serve them (queued behind a single server's client or a full pool):
	// their greeting comes only once they are served.
	owed  map[*probe.Conn]bool
	stage *stage // the setup step running, if any
	// sent is the last payload each client echoed; foreign, a shared
	// buffer seen in an echo (diagnosis_test.go).
	sent    []sentBy
	foreign *diagnose.Cause
}

// current is the running spec's session; specs run one at a time in each
// process, and the fail handler reads it to describe the server.
var current *session

// specLimits lowers the server's limits for the specs of some properties
// (CAP), by ID; each family's file registers its own.
var specLimits = map[string]func(*rlimit.Set){}

// spec adds the It of property id for tg, if the property applies to tg's
// model. Each run gets a fresh server, so one spec's damage cannot decide
// another's verdict.
func spec(tg *manifest.Target, id string, timeout time.Duration, body func(ctx SpecContext, s *session), decorators ...any) {
	p := props.Get(id)
	if !p.Applies(tg.Model, tg.Pool, tg.Mechanism) {
		return
	}
	args := []any{Label(p.Labels()...), SpecTimeout(scaled(timeout))}
	args = append(args, decorators...)
	args = append(args, func(ctx SpecContext) {
		body(ctx, newSession(ctx, tg, id))
	})
	It(p.Title(), args...)
}

func newSession(ctx context.Context, tg *manifest.Target, id string) *session {
	s := &session{tg: tg, limits: specLimits[id]}
	current = s
	DeferCleanup(func() {
		for _, c := range s.conns {
			c.Close()
		}
		if s.srv != nil {
			s.srv.Stop(scaled(stopGrace))
			if !s.srv.GroupGone() {
				Fail(fmt.Sprintf("the kit could not end every process of server %s: %s left", tg.Name, s.members()))
			}
		}
		s.ns.Close()
		current = nil
	})
	if !tg.Local() {
		s.addr = tg.Addr
		return s
	}
	if why := mechanismMissing(tg); why != "" {
		Skip(why)
	}
	b := builds[tg.Name]
	if b.Err != "" {
		failed(b.Reason, b.Err, true, 0) // not built: nothing is judged
	}
	s.prepare("starting the server", hintStart, func() {
		if isolated() {
			ns, err := netns.New()
			must(err, "making the server's network namespace")
			s.ns = ns
		}
		port := tg.Port
		if port == 0 {
			var err error
			port, err = launch.FreePort()
			must(err, "finding a free port")
		}
		s.srv = s.start(ctx, port, s.limits)
	})
	return s
}

// hintStart is the hint of a server that did not start for a spec.
const hintStart = props.SetupStart

// start launches the target on port and fails the spec, with the
// launcher's explanation, if it does not come up listening.
func (s *session) start(ctx context.Context, port int, limits func(*rlimit.Set)) *launch.Server {
	GinkgoHelper()
	o := launchOptions(s.tg, builds[s.tg.Name], port)
	o.NetNS = s.ns
	if limits != nil {
		limits(&o.Limits)
	}
	srv, err := launch.Start(ctx, o)
	var le *launch.Error
	switch {
	case errors.As(err, &le):
		failWith(le.Headline, le.Ending(), 0)
	case err != nil:
		fail("%v", err)
	}
	s.addr = srv.Addr()
	return srv
}

// local skips the spec unless the kit started the server and can read its
// processes through /proc.
func (s *session) local(what string) {
	GinkgoHelper()
	if s.srv == nil {
		Skip(fmt.Sprintf("needs to see the server's processes to check %s; --addr targets are tested over the network only", what))
	}
	if !onLinux {
		Skip(fmt.Sprintf("needs Linux's /proc to check %s (this is %s)", what, runtime.GOOS))
	}
}

// unseen says why the kit cannot see the server's processes and sockets
// through /proc, or "" when it can: a spec that then leaves part of its
// check out says so with partly.
func (s *session) unseen() string {
	switch {
	case s.srv == nil:
		return "a --addr target's processes and sockets cannot be seen"
	case !onLinux:
		return fmt.Sprintf("no /proc on %s", runtime.GOOS)
	}
	return ""
}

// dial opens a client connection that the server serves at once, reads
// the greeting if the manifest declares one, and closes the connection
// when the spec ends. Connecting is a setup step unless the spec is inside
// one already or says otherwise (dialing is then the property).
func (s *session) dial(ctx context.Context) *probe.Conn {
	GinkgoHelper()
	return s.connect(ctx, 0, false)
}

// dialNext opens the client that checks what the property is about (the
// server still serves, is not delayed): failing to connect or to be
// greeted is then the property's failure, not a setup step's.
func (s *session) dialNext(ctx context.Context) *probe.Conn {
	GinkgoHelper()
	prev := s.stage
	s.stage = &stage{} // a stage that marks "the property", see setupStep
	defer func() { s.stage = prev }()
	return s.connect(ctx, 0, false)
}

// dialQueued opens a client connection the server cannot serve yet: it
// waits in the backlog, and its greeting is read once it is served.
func (s *session) dialQueued(ctx context.Context) *probe.Conn {
	GinkgoHelper()
	return s.connect(ctx, 0, true)
}

// dialSmall is dial with a small receive buffer, for a client that reads
// slowly or not at all: the server feels its back-pressure at once.
func (s *session) dialSmall(ctx context.Context, rcvbuf int) *probe.Conn {
	GinkgoHelper()
	return s.connect(ctx, rcvbuf, false)
}

func (s *session) connect(ctx context.Context, rcvbuf int, queued bool) *probe.Conn {
	GinkgoHelper()
	var c *probe.Conn
	s.setupStep("connecting a client", hintConnect, func() {
		err := s.ns.Do(func() (err error) {
			if rcvbuf > 0 {
				c, err = probe.DialSmall(ctx, s.addr, scaled(dialBase), rcvbuf)
			} else {
				c, err = probe.Dial(ctx, s.addr, scaled(dialBase))
			}
			return
		})
		must(err, "client %d could not connect", len(s.conns)+1)
	})
	s.conns = append(s.conns, c)
	if queued && len(s.tg.Greeting) > 0 {
		if s.owed == nil {
			s.owed = map[*probe.Conn]bool{}
		}
		s.owed[c] = true
		return c
	}
	s.setupStep("reading the greeting", hintGreeting, func() { s.greet(c) })
	return c
}

// setupStep runs f as a setup stage unless one is running already.
func (s *session) setupStep(what, hint string, f func()) {
	GinkgoHelper()
	if s.stage != nil { // inside a stage already, or dialNext's property step
		f()
		return
	}
	prev := s.stage
	s.stage = &stage{what, hint}
	defer func() { s.stage = prev }()
	f()
}

// hangUp ends client c, with a reset if abort is set, and forgets it, so
// specs that cycle through hundreds of clients keep no list of them.
func (s *session) hangUp(c *probe.Conn, abort bool) {
	GinkgoHelper()
	if abort {
		must(c.Abort(), "aborting the client")
	} else {
		must(c.Close(), "closing the client")
	}
	s.conns = slices.DeleteFunc(s.conns, func(x *probe.Conn) bool { return x == c })
}

// needPending skips the spec where the client cannot see its own receive
// queue (FIONREAD), which it needs to know the server has begun echoing.
func needPending(c *probe.Conn) {
	GinkgoHelper()
	if _, err := c.Pending(); err != nil {
		Skip(fmt.Sprintf("needs the client's FIONREAD to see the server start echoing: %v", err))
	}
}

// greet reads the declared greeting on c, if one is declared and still
// owed. A queued client's greeting arrives when the server serves it,
// which is part of the property under test.
func (s *session) greet(c *probe.Conn) {
	GinkgoHelper()
	if len(s.tg.Greeting) == 0 {
		return
	}
	delete(s.owed, c)
	want := s.tg.Greeting
	got, eof, stalled, err := c.ReadN(len(want), scaled(stallBase))
	ex := probe.Exchange{Sent: want, Got: got, EOF: eof, Stalled: stalled, ReadErr: err, How: "(the greeting declared in " + s.tg.File + ")"}
	check(string(got) == string(want), func() string {
		return "the greeting did not arrive as declared: " + ex.Headline() + "\n" + ex.Describe()
	})
}

// owesGreeting reads c's greeting first if c was queued: it is being
// served now.
func (s *session) owesGreeting(c *probe.Conn) {
	GinkgoHelper()
	if s.owed[c] {
		s.greet(c)
	}
}

// echo sends payload and checks that exactly it comes back.
func (s *session) echo(c *probe.Conn, payload []byte, chunk int, how string) {
	GinkgoHelper()
	s.owesGreeting(c)
	ex := c.Echo(payload, chunk, scaled(stallBase), how)
	s.sawEcho(c, ex)
	s.expectEcho(ex)
}

// expectEcho fails unless ex got back exactly what it sent.
func (s *session) expectEcho(ex probe.Exchange) {
	GinkgoHelper()
	check(ex.WriteErr == nil && string(ex.Sent) == string(ex.Got), func() string {
		return ex.Headline() + "\n  want:     the same bytes back\n" + ex.Describe()
	})
}

// expectQueuedEcho reads, on a client that sent sent while it was queued,
// its greeting (if owed) and the echo of everything it sent.
func (s *session) expectQueuedEcho(c *probe.Conn, sent []byte, how string) {
	GinkgoHelper()
	s.owesGreeting(c)
	got, eof, stalled, err := c.ReadN(len(sent), scaled(stallBase))
	s.expectEcho(probe.Exchange{Sent: sent, Got: got, EOF: eof, Stalled: stalled, ReadErr: err, How: how})
}

func (s *session) report() string {
	if s.srv == nil {
		return ""
	}
	return s.srv.Report()
}

// signal sends sig to the server's process group, on the spec's behalf.
func (s *session) signal(sig syscall.Signal) error {
	s.signalled = true
	return s.srv.Signal(sig)
}

// crashed says how the server ended if it ended during the spec without
// being told to: the headline of any failure that follows. A server that
// dies closes its sockets before the kit reaps it, so the client can see
// the close first: the exit is awaited for a moment (an event, bounded).
func (s *session) crashed() string {
	if s == nil || s.srv == nil || s.signalled {
		return ""
	}
	select {
	case <-s.srv.Exited():
	case <-time.After(scaled(crashGrace)):
		// A server that no longer listens may be on its way out: an
		// interpreter that died of an exception closes its listening
		// socket, then tears down for a while on a busy machine.
		if !onLinux || s.listens() {
			return ""
		}
		select {
		case <-s.srv.Exited():
		case <-time.After(scaled(exitGrace)):
			return ""
		}
	}
	return "the server ended during this spec (it " + s.srv.Status() + ")"
}

// builds holds, per target name, its build folder or build failure; set
// once per process by the suite setup.
var builds = map[string]buildResult{}

type buildResult struct {
	Dir string `json:"dir"`
	// Src is the sandboxed build's copy of the target's folder, which it
	// may write to, and from which each server gets a private copy; ""
	// without the sandbox.
	Src string `json:"src,omitempty"`
	// Err is the build's or the first start's failure, in full; Reason
	// its headline, the verdict's one line.
	Err    string `json:"err,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// failedWith records err, a failure of the build or the first start.
func (r *buildResult) failedWith(err error) {
	r.Err, r.Reason = err.Error(), err.Error()
	var le *launch.Error
	if errors.As(err, &le) {
		r.Reason = le.Headline
	}
}

var _ = SynchronizedBeforeSuite(func(ctx SpecContext) []byte {
	if err := netns.Available(); err != nil {
		fmt.Printf("echospec: servers share the kit's network (%v); targets with a fixed port run one at a time\n", err)
	}
	if *sandboxFlag {
		if why := sandboxMissing(); why != "" {
			fmt.Printf("echospec: servers run without a sandbox, as your user, seeing your files (%s)\n", why)
		} else if why := launch.Missing("memory"); why != "" {
			fmt.Printf("echospec: servers' memory is not bounded (%s)\n", why)
		}
	}
	out := map[string]buildResult{}
	for _, tg := range targets {
		if !tg.Local() {
			continue
		}
		dir, err := os.MkdirTemp("", "echospec-build-"+tg.Name+"-")
		must(err, "making a build folder for %s", tg.Name)
		r := buildResult{Dir: dir}
		if *sandboxFlag {
			r.Src, err = os.MkdirTemp("", "echospec-src-"+tg.Name+"-")
			must(err, "making a copy of %s", tg.Dir)
			if err := launch.CopyFolder(tg.Dir, r.Src); err != nil {
				r.failedWith(fmt.Errorf("%s: cannot copy the folder %s: %v", tg.Name, tg.Dir, err))
			}
		}
		if len(tg.Build) > 0 && r.Err == "" {
			_, _, env := launch.Toolchains()
			if err := launch.BuildIn(ctx, tg.Name, tg.Dir, tg.BuildArgv(dir), env, scaled(buildBase), "build in "+tg.File, sandboxFor(tg, r, true)); err != nil {
				r.failedWith(err)
			}
		}
		// A mechanism this system refuses skips every spec (newSession)
		// instead of failing them all on a server that cannot start.
		if r.Err == "" && mechanismMissing(tg) == "" {
			if err := smokeStart(ctx, tg, r); err != nil {
				r.failedWith(err)
			}
		}
		out[tg.Name] = r
	}
	data, err := json.Marshal(out)
	must(err, "encoding the builds")
	return data
}, func(data []byte) {
	must(json.Unmarshal(data, &builds), "decoding the builds")
}, NodeTimeout(buildBase*4))

// isolated reports whether each server gets a network namespace of its
// own (root or user namespaces on Linux). Without one, servers share the
// kit's network and targets with a fixed port run one at a time.
func isolated() bool { return netns.Available() == nil }

// smokeStart starts and stops tg once, so a server that cannot start
// fails every spec at once with the reason, instead of each spec waiting
// for it in turn; and so does a server that greets every client with
// bytes its manifest does not declare (undeclaredGreeting).
func smokeStart(ctx context.Context, tg *manifest.Target, b buildResult) error {
	port := tg.Port
	if port == 0 {
		var err error
		if port, err = launch.FreePort(); err != nil {
			return err
		}
	}
	o := launchOptions(tg, b, port)
	if isolated() {
		ns, err := netns.New()
		if err != nil {
			return err
		}
		defer ns.Close()
		o.NetNS = ns
	}
	srv, err := launch.Start(ctx, o)
	if err != nil {
		return err
	}
	defer srv.Stop(scaled(stopGrace))
	return undeclaredGreeting(ctx, tg, srv, o.NetNS)
}

// launchOptions describes one start of tg on port, its ready timeout
// scaled by the patience factor.
func launchOptions(tg *manifest.Target, b buildResult, port int) launch.Options {
	o := tg.LaunchOptions(b.Dir, port)
	o.ReadyTimeout = scaled(o.ReadyTimeout)
	o.Sandbox = sandboxFor(tg, b, false)
	return o
}

// goModule is the folder of the go.mod above dir, or "".
func goModule(dir string) string {
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if d == filepath.Dir(d) {
			return ""
		}
	}
}

// sandboxMissing names the sandbox's layers that keep a server to itself
// (user, files, processes) and this machine cannot give, or "".
func sandboxMissing() string {
	var missing []string
	for _, l := range launch.Layers() {
		if l.Missing != "" && l.Name != "memory" && l.Name != "disk" {
			missing = append(missing, l.Name+": "+l.Missing)
		}
	}
	return strings.Join(missing, "; ")
}

// sandboxFor is the sandbox of tg's build or of its servers, or nil
// without --sandbox. Neither sees the target's parent folder (the class),
// the temporary folder (the grader's work) or the --hide folders; the
// build writes to its copy of the folder and to the build folder, which
// its servers see read-only, each with a private copy of the folder.
func sandboxFor(tg *manifest.Target, b buildResult, build bool) *launch.Sandbox {
	if !*sandboxFlag || sandboxMissing() != "" {
		return nil
	}
	binds, caches, _ := launch.Toolchains()
	sb := &launch.Sandbox{Hide: append([]string{filepath.Dir(tg.Dir), os.TempDir()}, hideFlags...), Binds: binds}
	if build {
		sb.Caches = caches
		// A target that builds a package of the Go module it sits in (the
		// reference servers) sees that module, read-only, wherever it is
		// (under /tmp in a fresh clone); what is hidden inside stays so.
		if mod := goModule(tg.Dir); mod != "" {
			sb.Binds = append(sb.Binds, launch.Bind{Path: mod})
		}
		sb.Binds = append(sb.Binds, launch.Bind{Path: tg.Dir, From: b.Src, Writable: true}, launch.Bind{Path: b.Dir, Writable: true})
		return sb
	}
	sb.Copy = b.Src
	sb.Binds = append(sb.Binds, launch.Bind{Path: b.Dir})
	return sb
}

var _ = SynchronizedAfterSuite(func() {}, func() {
	for _, b := range builds {
		os.RemoveAll(b.Dir)
		if b.Src != "" {
			os.RemoveAll(b.Src)
		}
	}
})

// textBytes is a reproducible payload of printable ASCII lines, for specs
// about something other than binary safety: a server that mishandles
// bytes fails ECHO-2, not every spec.
func textBytes(n int, salt uint64) []byte {
	key := [2]uint64{uint64(n), salt | 1<<63}
	if p, ok := payloads.Load(key); ok {
		return p.([]byte)
	}
	b := slices.Clone(randomBytes(n, salt))
	for i := range b {
		if i%64 == 63 {
			b[i] = '\n'
		} else {
			b[i] = 'a' + b[i]%26
		}
	}
	p, _ := payloads.LoadOrStore(key, b)
	return p.([]byte)
}

// randomBytes is a reproducible payload: the same seed gives the same
// bytes, so a failure can be replayed. The suite's seed is mixed in.
// Payloads are made once per process and shared, read-only: a 16 MiB one
// takes long enough to make that it must not eat into a spec's deadlines.
func randomBytes(n int, salt uint64) []byte {
	key := [2]uint64{uint64(n), salt}
	if p, ok := payloads.Load(key); ok {
		return p.([]byte)
	}
	r := rand.New(rand.NewPCG(uint64(GinkgoRandomSeed()), salt))
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	p, _ := payloads.LoadOrStore(key, b)
	return p.([]byte)
}

var payloads sync.Map // [n, salt] → []byte

// dialMany connects n clients; those beyond what the server serves at
// once (capacity) wait in its backlog, their greeting still owed.
func (s *session) dialMany(ctx SpecContext, n int) []*probe.Conn {
	GinkgoHelper()
	cs := make([]*probe.Conn, n)
	for i := range cs {
		if i < s.capacity() {
			cs[i] = s.dial(ctx)
		} else {
			cs[i] = s.dialQueued(ctx)
		}
	}
	return cs
}

// connectEchoed connects n clients, or as many as the server serves at
// once if that is fewer, and echoes once for each; they stay open.
func (s *session) connectEchoed(ctx SpecContext, n int) []*probe.Conn {
	GinkgoHelper()
	n = min(n, s.capacity())
	var cs []*probe.Conn
	s.prepare(fmt.Sprintf("connecting %d clients that each echo once and stay open", n), hintConnect, func() {
		cs = s.dialMany(ctx, n)
		for i, c := range cs {
			s.echo(c, []byte(fmt.Sprintf("client %d\n", i+1)), 0, fmt.Sprintf("by client %d of %d", i+1, n))
		}
	})
	return cs
}

// capacity is how many clients the target serves at once: one for the
// single model, N for a pool, unbounded otherwise.
func (s *session) capacity() int {
	switch {
	case s.tg.Model == "single":
		return 1
	case s.tg.Pool > 0:
		return s.tg.Pool
	}
	return math.MaxInt
}

// quietBase is how long a spec watches for something that must not
// happen (an early echo), before patience.
const quietBase = 500 * time.Millisecond

// servedAndQueued connects A and echoes for it (so the server is serving A),
// then connects B, which waits in the backlog.
func (s *session) servedAndQueued(ctx SpecContext) (a, b *probe.Conn) {
	GinkgoHelper()
	s.prepare("echoing for client A, which stays connected, then connecting client B", hintConnect, func() {
		a = s.dial(ctx)
		s.echo(a, []byte("A is being served\n"), 0, "by client A")
		b = s.dialQueued(ctx)
	})
	return a, b
}

// expectQuiet checks that nothing arrives on c for the quiet period.
func (s *session) expectQuiet(c *probe.Conn, who string) {
	GinkgoHelper()
	d := scaled(quietBase)
	got, quiet, err := c.Quiet(d)
	must(err, "watching %s for %v", who, d)
	check(quiet, func() string {
		return fmt.Sprintf("%s received %s within %v: %s; it must not be answered yet", who, probe.Size(len(got)), d, probe.HexAt(got, 0))
	})
}

// finDeadline bounds resetAfterFIN's wait for the server to take the
// payload and the FIN.
const finDeadline = 10 * time.Second
