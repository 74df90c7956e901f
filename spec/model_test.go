package spec_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/probe"
	"github.com/echospec/echospec/procfs"
)

var _ = family("model", func(tg *manifest.Target) {
	spec(tg, "MODEL-1", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("which process holds each connection")
		cs := s.connectEchoed(ctx, 4)
		By("finding which processes hold the server's side of each connection")
		await(ctx, scaled(stallBase), "each connection held by a process other than the listening one", func() error {
			v := s.view(cs)
			if v.main == 0 {
				return fmt.Errorf("no process of the server holds the listening socket on port %d\n%s", s.srv.Port, v)
			}
			for i, owners := range v.owners {
				if len(owners) == 0 {
					return fmt.Errorf("connection %d is held by no process yet\n%s", i+1, v)
				}
				if len(owners) == 1 && owners[0] == v.main {
					return fmt.Errorf("connection %d is held only by the listening process %d; a multi-process server hands each connection to another process\n%s", i+1, v.main, v)
				}
			}
			return nil
		})
	})

	spec(tg, "MODEL-2", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("the listening process's descriptors")
		var main, base int
		s.prepare("finding the listening process", hintState, func() {
			v := s.view(nil)
			if v.main == 0 {
				fail("no process of the server holds the listening socket on port %d\n%s", s.srv.Port, v)
			}
			main, base = v.main, s.socketsOf(v.main)
		})
		By(fmt.Sprintf("noting %d socket descriptors in the listening process %d", base, main))
		cs := s.connectEchoed(ctx, 8)
		By("checking that the listening process holds none of the 8 connections")
		await(ctx, scaled(stallBase), "the listening process holding none of the 8 connections", func() error {
			v := s.view(cs)
			for i, owners := range v.owners {
				if slices.Contains(owners, v.main) {
					return fmt.Errorf("the listening process %d still holds connection %d (it must close its copy after handing it over)\n%s", v.main, i+1, v)
				}
			}
			if n := s.socketsOf(v.main); n > base {
				return fmt.Errorf("the listening process %d has %d socket descriptors with 8 clients connected, %d before", v.main, n, base)
			}
			return nil
		})
		By("shutting down one client's sending side: the child echoes and closes, and the client must see EOF")
		c := cs[0]
		msg := []byte("last words\n")
		must(c.Send(msg, scaled(stallBase)), "sending before the shutdown")
		must(c.HalfClose(), "shutting down the client's sending side")
		got, eof, stalled, err := c.ReadToEOF(len(msg), scaled(stallBase))
		ex := probe.Exchange{Sent: msg, Got: got, EOF: eof, Stalled: stalled, ReadErr: err, How: "then shutdown(SHUT_WR)"}
		check(eof && string(got) == string(msg), func() string {
			return ex.Headline() + "\n  want:     the echo, then EOF once the serving process closes (no other process may keep a copy open)\n" + ex.Describe()
		})
	})

	spec(tg, "MODEL-3", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("zombie processes")
		cs := s.connectEchoed(ctx, 8)
		var children []int
		if v := s.view(cs); v.main != 0 {
			for _, owners := range v.owners {
				for _, pid := range owners {
					if pid != v.main && !slices.Contains(children, pid) {
						children = append(children, pid)
					}
				}
			}
		}
		By(fmt.Sprintf("closing the 8 clients; %d processes other than the listening one served them", len(children)))
		for _, c := range cs {
			s.hangUp(c, false)
		}
		if len(children) > 0 && tg.Pool == 0 {
			s.prepare("waiting for the children that served them to exit", hintState, func() {
				await(ctx, scaled(stallBase), "the serving children exiting after their clients left", func() error {
					for _, pid := range children {
						if procfs.Live(pid) {
							return fmt.Errorf("child %d is still running", pid)
						}
					}
					return nil
				})
			})
		}
		By("waiting, with no new client, for every finished child to be reaped")
		await(ctx, scaled(stallBase), "no zombie processes left after the clients left", func() error {
			var z []string
			for _, p := range s.group() {
				if p.Zombie() {
					z = append(z, fmt.Sprintf("pid %d %q (parent %d)", p.PID, p.Comm, p.PPID))
				}
			}
			if len(z) > 0 {
				return fmt.Errorf("%d zombie processes of the server (exited children nobody waited for): %s", len(z), strings.Join(z, ", "))
			}
			return nil
		})
	})

	spec(tg, "MODEL-4", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("thread counts")
		if tg.Pool > 0 {
			base := s.threads()
			k := tg.Pool + 4
			By(fmt.Sprintf("noting %d threads before any client, then connecting %d clients to the pool of %d", base, k, tg.Pool))
			s.connectEchoed(ctx, tg.Pool)
			s.prepare(fmt.Sprintf("connecting %d more clients, which wait for a worker", k-tg.Pool), hintConnect, func() {
				for range k - tg.Pool {
					s.dialQueued(ctx)
				}
			})
			// Threads start as connections are accepted, not at once: watch
			// for a while that they never exceed the pool.
			steady(ctx, scaled(quietBase), func() error {
				if n := s.threads(); n > base+tg.Pool {
					return fmt.Errorf("%d threads with %d clients connected to a pool of %d (%d before any): a pool of N adds at most N threads", n, k, tg.Pool, base)
				}
				return nil
			})
			return
		}
		// Not an absolute count: a server may start threads of its own
		// (a runtime's, or a pool started in advance). Growth is what a
		// thread per connection shows: 16 more open connections need 16
		// more threads, less the idle threads a runtime hands out again
		// (Go's multithread reference added 14, reusing 2 parked ones), so
		// at least half of them; a fixed pool or goroutines add none.
		const first, more = 8, 16
		s.connectEchoed(ctx, first)
		t1 := s.threads()
		By(fmt.Sprintf("noting %d threads with %d clients connected", t1, first))
		s.connectEchoed(ctx, more)
		await(ctx, scaled(stallBase), fmt.Sprintf("the thread count growing by at least %d", more/2), func() error {
			if t2 := s.threads(); t2-t1 < more/2 {
				return fmt.Errorf("%d threads with %d clients connected and %d with %d: %d more connections added %d threads, and a thread per connection needs one each (at least %d, allowing for idle threads reused)", t2, first+more, t1, first, more, t2-t1, more/2)
			}
			return nil
		})
	})

	spec(tg, "MODEL-5", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("thread counts")
		s.connectEchoed(ctx, 200)
		ps := s.group()
		check(len(ps) == 1, func() string {
			return fmt.Sprintf("%d processes serve 200 coroutine connections, not one: %s", len(ps), describeProcs(ps))
		})
		check(ps[0].Threads <= 32, func() string {
			return fmt.Sprintf("%d OS threads serve 200 coroutine connections: a bounded few (at most 32) are expected, not one per connection", ps[0].Threads)
		})
	})

	spec(tg, "MODEL-6", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("processes, threads and system calls")
		base := s.threads()
		By(fmt.Sprintf("noting %d threads before any client", base))
		cs := s.connectEchoed(ctx, 16)
		ps := s.group()
		check(len(ps) == 1, func() string {
			return fmt.Sprintf("%d processes serve an event loop's 16 clients, not one: %s", len(ps), describeProcs(ps))
		})
		// Worker threads started before any client pass the count below:
		// who does the work shows them. In an event loop one thread reads
		// and writes for every client.
		By(fmt.Sprintf("echoing %s for each of the %d clients at once, up to %d times until the server has worked %v, noting the CPU time of each thread", probe.Size(burstBytes), len(cs), burstRounds, minBurstCPU))
		before := s.threadCPU()
		var w work
		s.prepare("echoing for every client at once, to see which threads do the work", hintState, func() {
			for range burstRounds {
				s.burst(cs, burstBytes)
				if w = cpuShares(before, s.threadCPU()); w.total >= minBurstCPU {
					break
				}
			}
		})
		By(fmt.Sprintf("the busiest thread did %.0f%% of %v of CPU work: %s", 100*w.top, w.total.Round(time.Millisecond), w.describe()))
		// A runtime's collector or compiler may take a good share of a
		// busy loop (Go's GC took up to 31% of the selector reference's
		// work); a pool of workers shows as several threads sharing it.
		check(w.top >= 0.6 || w.helpers(0.10) < 2, func() string {
			return fmt.Sprintf("the busiest thread did %.0f%% of the CPU work of %d clients echoing at once, %v in all, and %d other threads did 10%% or more each (%s); one loop thread serves every client of an event loop, so it does most of the work: worker threads that read or write for the loop make it a threaded server",
				100*w.top, len(cs), w.total.Round(time.Millisecond), w.helpers(0.10), w.describe())
		})
		// A runtime may add a thread or two of its own (Go's hand-off of
		// a blocked system call); workers that serve connections add more.
		n := s.threads()
		check(n <= base+2, func() string {
			return fmt.Sprintf("%d threads with 16 clients connected, %d before any: one loop thread serves them all, so at most 2 threads (a runtime's own) may be added; worker threads that read or write for the loop make it a threaded server", n, base)
		})
		By("checking what the idle server's threads are blocked in")
		await(ctx, scaled(stallBase), "the idle server blocked in its event loop's wait", func() error { return s.checkBlockedIn(tg.Mechanism) })
	})

	spec(tg, "MODEL-7", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("processes")
		_, b := s.servedAndQueued(ctx)
		must(b.Send([]byte("B waits\n"), scaled(stallBase)), "client B sending while queued")
		s.expectQuiet(b, "client B while A is served")
		ps := s.group()
		check(len(ps) == 1, func() string {
			return fmt.Sprintf("%d processes, not one, in a single-process server: %s", len(ps), describeProcs(ps))
		})
	})
})

// The MODEL-6 burst: enough bytes, repeated until the server has worked
// long enough, that the loop's work dwarfs a runtime's own threads (a GC,
// a timer). A Go loop echoes 4 MiB in about 2 ms of CPU, Python in 20; 20
// rounds (80 MiB) is the bound. The split is judged however long the
// server worked: a loop thread does most of any amount of work.
const (
	burstBytes  = 256 << 10
	burstRounds = 20
	minBurstCPU = 15 * time.Millisecond
)

// burst echoes n bytes for every client at once, and fails with the first
// client that did not get its bytes back.
func (s *session) burst(cs []*probe.Conn, n int) {
	GinkgoHelper()
	results := make([]probe.Exchange, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Go(func() {
			defer GinkgoRecover()
			results[i] = c.Echo(textBytes(n, uint64(i)), 16<<10, scaled(stallBase),
				fmt.Sprintf("by client %d of %d, all echoing at once in 16 KiB writes", i+1, len(cs)))
		})
	}
	wg.Wait()
	for i, ex := range results {
		s.keepSent(cs[i], ex.Sent)
	}
	for i, ex := range results {
		s.sawEcho(cs[i], ex)
		s.expectEcho(ex)
	}
}

// threadCPU is the CPU time each thread of the server's processes has run
// for, by thread ID. A thread that ends meanwhile is left out.
func (s *session) threadCPU() map[int]time.Duration {
	GinkgoHelper()
	out := map[int]time.Duration{}
	for _, p := range s.group() {
		ts, err := procfs.ThreadSched(p.PID)
		must(err, "reading the CPU time of the threads of the server's process %d", p.PID)
		for tid, t := range ts {
			out[tid] = t.Run
		}
	}
	return out
}

// work is how the CPU time of an interval spread over threads.
type work struct {
	total time.Duration
	top   float64 // the busiest thread's share of total
	busy  int     // the busiest thread's ID
	per   map[int]time.Duration
}

func cpuShares(before, after map[int]time.Duration) work {
	w := work{per: map[int]time.Duration{}}
	var most time.Duration
	for tid, t := range after {
		d := t - before[tid]
		if d <= 0 {
			continue
		}
		w.per[tid] = d
		w.total += d
		if d > most {
			most, w.busy = d, tid
		}
	}
	if w.total > 0 {
		w.top = float64(most) / float64(w.total)
	}
	return w
}

// helpers counts the threads other than the busiest that did at least
// share of the work each.
func (w work) helpers(share float64) int {
	n := 0
	for tid, d := range w.per {
		if tid != w.busy && float64(d) >= share*float64(w.total) {
			n++
		}
	}
	return n
}

// describe lists the threads that worked, busiest first.
func (w work) describe() string {
	tids := make([]int, 0, len(w.per))
	for tid := range w.per {
		tids = append(tids, tid)
	}
	sort.Slice(tids, func(i, j int) bool { return w.per[tids[i]] > w.per[tids[j]] })
	var parts []string
	for _, tid := range tids {
		parts = append(parts, fmt.Sprintf("thread %d %.0f%%", tid, 100*float64(w.per[tid])/float64(w.total)))
	}
	return fmt.Sprintf("%d threads worked: %s", len(tids), strings.Join(parts, ", "))
}

// socketsOf counts the socket descriptors process pid holds.
func (s *session) socketsOf(pid int) int {
	GinkgoHelper()
	inodes, err := procfs.SocketInodes(pid)
	must(err, "reading the descriptors of the server's process %d", pid)
	return len(inodes)
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
