package spec_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/launch"
	"github.com/echospec/echospec/netns"
	"github.com/echospec/echospec/probe"
	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/target"
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
	buildBase   = 5 * time.Minute
	defaultSpec = 30 * time.Second
)

// session is one spec's view of its target: a fresh server (or the --addr
// server) and the clients the spec opened, all closed at the end.
type session struct {
	tg  *target.Target
	srv *launch.Server // nil for an --addr target
	ns  *netns.NS      // the server's own network; nil: the kit's
	// signalled is set when the spec itself signals the server, whose end
	// is then no news.
	signalled bool
	addr      string
	conns     []*probe.Conn
}

// current is the running spec's session; specs run one at a time in each
// process, and the fail handler reads it to describe the server.
var current *session

// spec adds the It of property id for tg, if the property applies to tg's
// model. Each run gets a fresh server, so one spec's damage cannot decide
// another's verdict.
func spec(tg *target.Target, id string, timeout time.Duration, body func(ctx SpecContext, s *session), decorators ...any) {
	p := props.Get(id)
	if !p.Applies(tg.Model, tg.Pool) {
		return
	}
	args := []any{Label(p.Labels()...), SpecTimeout(scaled(timeout))}
	args = append(args, decorators...)
	args = append(args, func(ctx SpecContext) {
		body(ctx, newSession(ctx, tg))
	})
	It(p.Title(), args...)
}

func newSession(ctx context.Context, tg *target.Target) *session {
	s := &session{tg: tg}
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
	b := builds[tg.Name]
	if b.Err != "" {
		Fail(b.Err)
	}
	if isolated() {
		ns, err := netns.New()
		Expect(err).NotTo(HaveOccurred(), "making the server's network namespace")
		s.ns = ns
	}
	port := tg.Port
	if port == 0 {
		var err error
		port, err = launch.FreePort()
		Expect(err).NotTo(HaveOccurred())
	}
	s.srv = s.start(ctx, port)
	return s
}

// start launches the target on port and fails the spec, with the
// launcher's explanation, if it does not come up listening.
func (s *session) start(ctx context.Context, port int) *launch.Server {
	GinkgoHelper()
	o := launchOptions(s.tg, builds[s.tg.Name].Dir, port)
	o.NetNS = s.ns
	srv, err := launch.Start(ctx, o)
	if err != nil {
		Fail(err.Error())
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
	if runtime.GOOS != "linux" {
		Skip(fmt.Sprintf("needs Linux's /proc to check %s (this is %s)", what, runtime.GOOS))
	}
}

// dial opens a client connection, reads the greeting if the manifest
// declares one, and closes the connection when the spec ends.
func (s *session) dial(ctx context.Context) *probe.Conn {
	GinkgoHelper()
	var c *probe.Conn
	err := s.ns.Do(func() (err error) { c, err = probe.Dial(ctx, s.addr, scaled(dialBase)); return })
	Expect(err).NotTo(HaveOccurred(), "the client could not connect")
	s.conns = append(s.conns, c)
	s.greet(c)
	return c
}

// dialSmall is dial with a small receive buffer, for a client that reads
// slowly or not at all: the server feels its back-pressure at once.
func (s *session) dialSmall(ctx context.Context, rcvbuf int) *probe.Conn {
	GinkgoHelper()
	var c *probe.Conn
	err := s.ns.Do(func() (err error) { c, err = probe.DialSmall(ctx, s.addr, scaled(dialBase), rcvbuf); return })
	Expect(err).NotTo(HaveOccurred(), "the client could not connect")
	s.conns = append(s.conns, c)
	s.greet(c)
	return c
}

// hangUp ends client c, with a reset if abort is set, and forgets it, so
// specs that cycle through hundreds of clients keep no list of them.
func (s *session) hangUp(c *probe.Conn, abort bool) {
	GinkgoHelper()
	if abort {
		Expect(c.Abort()).To(Succeed(), "aborting the client")
	} else {
		Expect(c.Close()).To(Succeed(), "closing the client")
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

func (s *session) greet(c *probe.Conn) {
	GinkgoHelper()
	if len(s.tg.Greeting) == 0 {
		return
	}
	got, _, _, err := c.ReadN(len(s.tg.Greeting), scaled(stallBase))
	Expect(err).NotTo(HaveOccurred(), "reading the greeting")
	Expect(string(got)).To(Equal(string(s.tg.Greeting)), "the greeting declared in %s", s.tg.File)
}

// echo sends payload and checks that exactly it comes back.
func (s *session) echo(c *probe.Conn, payload []byte, chunk int, how string) {
	GinkgoHelper()
	ex := c.Echo(payload, chunk, scaled(stallBase), how)
	Expect(ex).To(probe.BeWholeEcho())
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
		return ""
	}
	return "the server " + s.srv.Status() + " during this spec"
}

// builds holds, per target name, its build folder or build failure; set
// once per process by the suite setup.
var builds = map[string]buildResult{}

type buildResult struct {
	Dir string `json:"dir"`
	Err string `json:"err,omitempty"` // the build or the first start failed
}

var _ = SynchronizedBeforeSuite(func(ctx SpecContext) []byte {
	if err := netns.Available(); err != nil {
		fmt.Printf("echospec: servers share the kit's network (%v); targets with a fixed port run one at a time\n", err)
	}
	out := map[string]buildResult{}
	for _, tg := range targets {
		if !tg.Local() {
			continue
		}
		dir, err := os.MkdirTemp("", "echospec-build-"+tg.Name+"-")
		Expect(err).NotTo(HaveOccurred())
		r := buildResult{Dir: dir}
		if len(tg.Build) > 0 {
			argv := launch.Expand(tg.Build, map[string]string{"builddir": dir})
			if err := launch.Build(ctx, tg.Name, tg.Dir, argv, nil, scaled(buildBase), "build in "+tg.File); err != nil {
				r.Err = err.Error()
			}
		}
		if r.Err == "" {
			r.Err = smokeStart(ctx, tg, dir)
		}
		out[tg.Name] = r
	}
	data, err := json.Marshal(out)
	Expect(err).NotTo(HaveOccurred())
	return data
}, func(data []byte) {
	Expect(json.Unmarshal(data, &builds)).To(Succeed())
}, NodeTimeout(buildBase*4))

// isolated reports whether each server gets a network namespace of its
// own (root or user namespaces on Linux). Without one, servers share the
// kit's network and targets with a fixed port run one at a time.
func isolated() bool { return netns.Available() == nil }

// smokeStart starts and stops tg once, so a server that cannot start
// fails every spec at once with the reason, instead of each spec waiting
// for it in turn.
func smokeStart(ctx context.Context, tg *target.Target, builddir string) string {
	port := tg.Port
	if port == 0 {
		var err error
		if port, err = launch.FreePort(); err != nil {
			return err.Error()
		}
	}
	o := launchOptions(tg, builddir, port)
	if isolated() {
		ns, err := netns.New()
		if err != nil {
			return err.Error()
		}
		defer ns.Close()
		o.NetNS = ns
	}
	srv, err := launch.Start(ctx, o)
	if err != nil {
		return err.Error()
	}
	srv.Stop(scaled(stopGrace))
	return ""
}

// launchOptions describes one start of tg on port.
func launchOptions(tg *target.Target, builddir string, port int) launch.Options {
	vars := map[string]string{"port": strconv.Itoa(port), "builddir": builddir}
	return launch.Options{
		Name:         tg.Name,
		Dir:          tg.Dir,
		Argv:         launch.Expand(tg.Command, vars),
		Env:          []string{"PORT=" + strconv.Itoa(port), "PYTHONUNBUFFERED=1"},
		Host:         "127.0.0.1",
		Port:         port,
		ReadyTimeout: scaled(tg.ReadyTimeout),
		Source:       "command in " + tg.File,
		Limits:       tg.Limits,
	}
}

var _ = SynchronizedAfterSuite(func() {}, func() {
	for _, b := range builds {
		os.RemoveAll(b.Dir)
	}
})
