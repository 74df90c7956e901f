package spec_test

import (
	"fmt"
	"math"
	"net"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/probe"
	"github.com/echospec/echospec/procfs"
	"github.com/echospec/echospec/target"
)

var _ = family("model", func(tg *target.Target) {
	spec(tg, "MODEL-1", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("which process holds each connection")
		cs := s.connectEchoed(ctx, 4)
		By("finding which processes hold the server's side of each connection")
		Eventually(ctx, func() error {
			v := s.view(cs)
			for i, owners := range v.owners {
				if len(owners) == 0 {
					return fmt.Errorf("connection %d is held by no process yet", i+1)
				}
				if len(owners) == 1 && owners[0] == v.main {
					return fmt.Errorf("connection %d is held only by the listening process %d; a multi-process server hands each connection to another process\n%s", i+1, v.main, v)
				}
			}
			return nil
		}).WithTimeout(scaled(stallBase)).Should(Succeed())
	})

	spec(tg, "MODEL-2", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("the listening process's descriptors")
		main := s.view(nil).main
		base := s.fdsOf(main)
		By(fmt.Sprintf("noting %d descriptors in the listening process %d", base, main))
		cs := s.connectEchoed(ctx, 8)
		By("checking that the listening process holds none of the 8 connections")
		Eventually(ctx, func() error {
			v := s.view(cs)
			for i, owners := range v.owners {
				if slices.Contains(owners, v.main) {
					return fmt.Errorf("the listening process %d still holds connection %d (it must close its copy after handing it over)\n%s", v.main, i+1, v)
				}
			}
			if n := s.fdsOf(v.main); n > base {
				return fmt.Errorf("the listening process %d has %d descriptors with 8 clients connected, %d before", v.main, n, base)
			}
			return nil
		}).WithTimeout(scaled(stallBase)).Should(Succeed())
	})

	spec(tg, "MODEL-3", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("zombie processes")
		By("connecting, echoing and closing 8 clients")
		for _, c := range s.connectEchoed(ctx, 8) {
			Expect(c.Close()).To(Succeed())
		}
		By("waiting for every finished child to be reaped")
		Eventually(ctx, func() []string {
			var z []string
			for _, p := range s.group() {
				if p.Zombie() {
					z = append(z, fmt.Sprintf("pid %d %q (parent %d)", p.PID, p.Comm, p.PPID))
				}
			}
			return z
		}).WithTimeout(scaled(stallBase)).Should(BeEmpty(), "zombie processes of the server (exited children nobody waited for)")
	})

	spec(tg, "MODEL-4", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("thread counts")
		base := s.threads()
		By(fmt.Sprintf("noting %d threads before any client", base))
		k := 24
		if tg.Pool > 0 {
			k = tg.Pool + 4
		}
		By(fmt.Sprintf("connecting %d clients that stay open", k))
		cs := s.dialMany(ctx, k)
		for i, c := range cs[:min(k, s.capacity())] { // the rest wait for a worker
			s.echo(c, []byte("x"), 0, fmt.Sprintf("by client %d", i+1))
		}
		if tg.Pool == 0 {
			// Not base+k: a runtime may hand a connection an idle thread it
			// already had. But k connections need k threads, plus the acceptor.
			Eventually(ctx, s.threads).WithTimeout(scaled(stallBase)).Should(BeNumerically(">", k),
				"threads with %d clients connected (%d before any): a thread per connection needs at least one each, plus the one that accepts", k, base)
		} else {
			// Threads start as connections are accepted, not at once: watch
			// for a while that they never exceed the pool.
			Consistently(ctx, s.threads).WithTimeout(scaled(quietBase)).Should(BeNumerically("<=", base+tg.Pool),
				"threads with %d clients connected to a pool of %d (%d before any), watched for %v", k, tg.Pool, base, scaled(quietBase))
		}
	})

	spec(tg, "MODEL-5", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("thread counts")
		By("connecting 200 clients and echoing for each while all stay open")
		for i, c := range s.dialMany(ctx, 200) {
			s.echo(c, []byte("x"), 0, fmt.Sprintf("by client %d of 200", i+1))
		}
		ps := s.group()
		Expect(ps).To(HaveLen(1), "processes serving 200 coroutine connections: %s", describeProcs(ps))
		Expect(ps[0].Threads).To(BeNumerically("<=", 32), "OS threads serving 200 coroutine connections (a bounded few are expected, not one per connection)")
	})

	spec(tg, "MODEL-6", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("processes, threads and system calls")
		base := s.threads()
		By("connecting 16 clients that each echo once and stay open")
		s.connectEchoed(ctx, 16)
		ps := s.group()
		Expect(ps).To(HaveLen(1), "processes of an event-loop server with 16 clients: %s", describeProcs(ps))
		// A runtime may add a thread or two of its own (Go's GC, a blocked
		// syscall's hand-off); a thread per connection would add 16.
		Expect(s.threads()).To(BeNumerically("<", base+8), "threads with 16 clients connected (%d before any): one loop thread serves them all, so the count must not grow with connections", base)
		By("checking what the idle server's threads are blocked in")
		Eventually(ctx, func() error { return s.checkBlockedIn(tg.Mechanism) }).WithTimeout(scaled(stallBase)).Should(Succeed())
	})

	spec(tg, "MODEL-7", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("processes")
		_, b := s.servedAndQueued(ctx)
		Expect(b.Send([]byte("B waits\n"), scaled(stallBase))).To(Succeed())
		s.expectQuiet(b, "client B while A is served")
		ps := s.group()
		Expect(ps).To(HaveLen(1), "processes of a single-process server: %s", describeProcs(ps))
	})
})

// connectEchoed connects n clients, or as many as the server serves at
// once if that is fewer, and echoes once for each; they stay open.
func (s *session) connectEchoed(ctx SpecContext, n int) []*probe.Conn {
	GinkgoHelper()
	n = min(n, s.capacity())
	By(fmt.Sprintf("connecting %d clients that each echo once and stay open", n))
	cs := s.dialMany(ctx, n)
	for i, c := range cs {
		s.echo(c, []byte(fmt.Sprintf("client %d\n", i+1)), 0, fmt.Sprintf("by client %d of %d", i+1, n))
	}
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

// group is a snapshot of the server's processes.
func (s *session) group() []procfs.Proc {
	GinkgoHelper()
	ps, err := procfs.Group(s.srv.PID)
	Expect(err).NotTo(HaveOccurred())
	return ps
}

// threads is the number of threads in all of the server's processes.
func (s *session) threads() int {
	GinkgoHelper()
	n := 0
	for _, p := range s.group() {
		n += p.Threads
	}
	return n
}

func (s *session) fdsOf(pid int) int {
	GinkgoHelper()
	for _, p := range s.group() {
		if p.PID == pid {
			return p.FDs
		}
	}
	Fail(fmt.Sprintf("process %d of the server is gone", pid))
	return 0
}

// serverView relates the server's processes to its sockets.
type serverView struct {
	main   int     // the topmost process holding the listening socket
	owners [][]int // per client connection, the processes holding its server side
	procs  []procfs.Proc
}

func (v serverView) String() string {
	return fmt.Sprintf("  processes: %s\n  listening process: %d\n  holders of each connection: %v", describeProcs(v.procs), v.main, v.owners)
}

// view finds the listening process and, for each client in cs, which of
// the server's processes hold the server's end of that connection.
func (s *session) view(cs []*probe.Conn) serverView {
	GinkgoHelper()
	procs := s.group()
	socks, err := procfs.Sockets(s.srv.PID)
	Expect(err).NotTo(HaveOccurred())
	held := map[int]map[uint64]bool{}
	for _, p := range procs {
		if inodes, err := procfs.SocketInodes(p.PID); err == nil {
			held[p.PID] = inodes
		}
	}
	v := serverView{procs: procs}
	listeners := map[int]bool{}
	for _, sk := range socks {
		if sk.Listening() && sk.LocalPort == s.srv.Port {
			for pid, inodes := range held {
				if inodes[sk.Inode] {
					listeners[pid] = true
				}
			}
		}
	}
	for _, p := range procs {
		if listeners[p.PID] && !listeners[p.PPID] {
			v.main = p.PID
		}
	}
	for _, c := range cs {
		clientPort := c.LocalAddr().(*net.TCPAddr).Port
		var owners []int
		for _, sk := range socks {
			if sk.LocalPort == s.srv.Port && sk.RemotePort == clientPort {
				for _, p := range procs {
					if held[p.PID][sk.Inode] {
						owners = append(owners, p.PID)
					}
				}
			}
		}
		v.owners = append(v.owners, owners)
	}
	return v
}

// checkBlockedIn checks that one thread waits in the declared mechanism and
// none is blocked reading a single connection.
func (s *session) checkBlockedIn(mechanism string) error {
	var states []string
	waiting := false
	for _, p := range s.group() {
		ts, err := procfs.Threads(p.PID)
		if err != nil {
			return err
		}
		for _, t := range ts {
			states = append(states, fmt.Sprintf("%d:%s", t.TID, procfs.Name(t.Syscall)))
			if procfs.In(t.Syscall, procfs.Reads()) {
				return fmt.Errorf("thread %d is blocked reading one connection (%s); an event loop waits for readiness instead\n  threads: %s",
					t.TID, procfs.Name(t.Syscall), strings.Join(states, ", "))
			}
			if mechanism != "" && procfs.In(t.Syscall, procfs.Waits(mechanism)) {
				waiting = true
			}
		}
	}
	if mechanism != "" && !waiting {
		var names []string
		for _, w := range procfs.Waits(mechanism) {
			names = append(names, procfs.Name(w.NR))
		}
		return fmt.Errorf("no thread of the idle server is blocked in %s, the declared mechanism %q\n  threads: %s",
			strings.Join(names, " or "), mechanism, strings.Join(states, ", "))
	}
	return nil
}

func describeProcs(ps []procfs.Proc) string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("pid %d %q (parent %d, %s, %d threads, %d fds)", p.PID, p.Comm, p.PPID, p.State, p.Threads, p.FDs))
	}
	return strings.Join(out, "; ")
}
