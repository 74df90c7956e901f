package spec_test

import (
	"fmt"
	"net"
	"runtime"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/probe"
	"github.com/echospec/echospec/procfs"
)

// What the specs of several families see of the server's processes,
// through /proc: its process group, its descriptors, the baseline those
// return to.

// onLinux is the one check for a platform with /proc.
const onLinux = runtime.GOOS == "linux"

// group is a snapshot of the server's processes: its process group, and
// those that left it (setsid), found by the kit's run token and cgroup.
func (s *session) group() []procfs.Proc {
	GinkgoHelper()
	ps, err := procfs.Group(s.srv.PID)
	must(err, "listing the server's processes")
	return append(ps, procfs.Of(s.srv.Strays())...)
}

// members lists the server's remaining processes, for a failure message.
func (s *session) members() string {
	ps, err := procfs.Group(s.srv.PID)
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("pid %d %q state %s", p.PID, p.Comm, p.State))
	}
	if st := s.srv.DescribeStrays(); st != "" {
		out = append(out, "outside its process group (it called setsid): "+st)
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// baselineFDs warms the server up with 8 clients, one after another, so
// lazily opened descriptors are open, then returns the descriptor count
// once it has held still for 5 samples 50 ms apart (a pool's workers may
// still be starting when the port first listens). The warm-up is serial
// so that only descriptors, not concurrency, decide these specs.
func (s *session) baselineFDs(ctx SpecContext) int {
	GinkgoHelper()
	var last int
	s.prepare("warming up with 8 clients, one after another, and noting the socket descriptors once they have left", hintConnect, func() {
		for i := range 8 {
			c := s.dial(ctx)
			s.echo(c, []byte("warm-up\n"), 0, fmt.Sprintf("by warm-up client %d of 8", i+1))
			s.hangUp(c, false)
		}
		same := 0
		await(ctx, scaled(stallBase), "the server's socket descriptor count settling after the warm-up clients left", func() error {
			if n := s.fds(); n != last {
				last, same = n, 0
			} else {
				same++
			}
			if same < 5 {
				return fmt.Errorf("the count is still changing (last %d)", last)
			}
			return nil
		})
	})
	By(fmt.Sprintf("noting %d open socket descriptors once the warm-up clients have left", last))
	return last
}

// awaitFDs waits for the server's socket descriptors to return to base.
func (s *session) awaitFDs(ctx SpecContext, base int, after string) {
	GinkgoHelper()
	By("waiting for the server's socket descriptors to return to the baseline")
	await(ctx, scaled(stallBase), "the server's socket descriptors back at the baseline "+after, func() error {
		if n := s.fds(); n > base {
			return fmt.Errorf("%d socket descriptors are open in the server's processes %s, %d before: %d connections were not closed", n, after, base, n-base)
		}
		return nil
	})
}

// fds counts the socket descriptors open in all of the server's
// processes. Only sockets: a connection's descriptor is what these specs
// are about, and runtimes keep other descriptors they may grow at will
// (Go's io.Copy between two sockets keeps a pool of splice pipes).
func (s *session) fds() int {
	GinkgoHelper()
	n := 0
	for _, p := range s.group() {
		socks, err := procfs.SocketInodes(p.PID)
		switch {
		case err == nil:
			n += len(socks)
		case p.Zombie() || !procfs.Live(p.PID):
			// exited meanwhile: it holds nothing
		default:
			must(err, "reading the descriptors of the server's process %d", p.PID)
		}
	}
	return n
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
	var socks []procfs.Socket
	err := s.ns.Do(func() (err error) { socks, err = procfs.Sockets(); return })
	must(err, "reading the server's sockets")
	held := map[int]map[uint64]bool{}
	for _, p := range procs {
		inodes, err := procfs.SocketInodes(p.PID)
		switch {
		case err == nil:
			held[p.PID] = inodes
		case p.Zombie() || !procfs.Live(p.PID):
			// exited meanwhile: it holds nothing
		default:
			must(err, "reading the descriptors of the server's process %d", p.PID)
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

func describeProcs(ps []procfs.Proc) string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("pid %d %q (parent %d, %s, %d threads, %d fds)", p.PID, p.Comm, p.PPID, p.State, p.Threads, p.FDs))
	}
	return strings.Join(out, "; ")
}

// idleWindow is how long IDLE-1 measures. It is a measurement period, not
// a wait for an event, so patience does not stretch it.
const idleWindow = time.Second

// aliveAfter fails if the server ended during a measurement: what it
// measured was not a running server.
func (s *session) aliveAfter(what string) {
	GinkgoHelper()
	select {
	case <-s.srv.Exited():
		fail("nothing was measured: the server was not running at the end of %s (%s)", what, s.srv.Status())
	default:
	}
}

// cpuUse is how long the server's threads ran, and waited to run, over a
// measurement window.
type cpuUse struct {
	elapsed, run, wait time.Duration
	// voluntary and involuntary count the times a thread gave up the CPU
	// by itself (it blocked) and had it taken (it was preempted).
	voluntary, involuntary uint64
}

// spins reports whether the threads were preempted more often than they
// blocked: a thread that spins never gives the CPU up by itself, while
// one that wakes often and blocks at once can wait long on a busy
// machine's run queue without spinning.
func (u cpuUse) spins() bool { return u.involuntary >= u.voluntary }

func (u cpuUse) used() float64     { return u.run.Seconds() / u.elapsed.Seconds() }
func (u cpuUse) runnable() float64 { return (u.run + u.wait).Seconds() / u.elapsed.Seconds() }

func (u cpuUse) String() string {
	return fmt.Sprintf("over %v the server's threads ran for %v", u.elapsed.Round(time.Millisecond), u.run.Round(time.Millisecond))
}

// measureCPU measures the server's CPU use over window and fails if the
// server ended meanwhile: then nothing was measured.
func (s *session) measureCPU(window time.Duration) cpuUse {
	GinkgoHelper()
	a := s.sched()
	began := time.Now()
	<-time.After(window) // the measurement window itself
	b := s.sched()
	u := cpuUse{elapsed: time.Since(began), run: b.Run - a.Run, wait: b.Wait - a.Wait,
		voluntary: b.Voluntary - a.Voluntary, involuntary: b.Involuntary - a.Involuntary}
	s.aliveAfter("the measurement")
	return u
}

// settleSample is how long one of settleCPU's samples is: short enough
// that a settled server is seen within a few of them, long enough for a
// few scheduler ticks of a thread that runs.
const settleSample = 100 * time.Millisecond

// settleBase bounds settleCPU's wait (times patience): a server that
// still runs above the limit then is measured as it is.
const settleBase = 2 * time.Second

// settleCPU waits until the server's threads ran for less than maxUsed of
// one short sample (the work of the spec's own setup, still queued on a
// busy machine, has ended), for at most scaled(settleBase). It judges
// nothing: a server that keeps running is measured as it is. It returns
// how long it waited, and whether the server settled.
func (s *session) settleCPU(maxUsed float64) (time.Duration, bool) {
	GinkgoHelper()
	began := time.Now()
	end := began.Add(scaled(settleBase))
	tick := time.NewTicker(settleSample)
	defer tick.Stop()
	last, at := s.sched().Run, time.Now()
	for time.Now().Before(end) {
		<-tick.C
		run, now := s.sched().Run, time.Now()
		if float64(run-last) < maxUsed*float64(now.Sub(at)) {
			return time.Since(began), true
		}
		last, at = run, now
	}
	return time.Since(began), false
}

// expectCPU lets the server settle (settleCPU), then measures, as step
// what, its CPU use over idleWindow, and fails with msg's sentence unless
// its threads ran for less than maxUsed of the window and were runnable
// for less than maxRunnable.
func (s *session) expectCPU(what string, maxUsed, maxRunnable float64, msg func(cpuUse) string) {
	GinkgoHelper()
	By(fmt.Sprintf("waiting, for at most %v, until the server runs under %.0f%% of one core over %v", scaled(settleBase), 100*maxUsed, settleSample))
	waited, settled := s.settleCPU(maxUsed)
	By(what)
	u := s.measureCPU(idleWindow)
	m := func() string {
		if settled {
			return msg(u) + fmt.Sprintf("; before the window, it had settled under the limit within %v", waited.Round(10*time.Millisecond))
		}
		return msg(u) + fmt.Sprintf("; before the window, it had run above the limit in every %v for %v", settleSample, waited.Round(10*time.Millisecond))
	}
	check(u.used() < maxUsed, m)
	check(u.runnable() < maxRunnable || !u.spins(), func() string {
		return m() + fmt.Sprintf("; they were preempted %d times and blocked %d times", u.involuntary, u.voluntary)
	})
}

// sched sums how long the server's threads have run and waited to run,
// and how often they blocked and were preempted.
func (s *session) sched() procfs.TaskSched {
	GinkgoHelper()
	var sum procfs.TaskSched
	for _, p := range s.group() {
		ts, err := procfs.ThreadSched(p.PID)
		switch {
		case err == nil:
			for _, t := range ts {
				sum.Run += t.Run
				sum.Wait += t.Wait
				sum.Voluntary += t.Voluntary
				sum.Involuntary += t.Involuntary
			}
		case p.Zombie() || !procfs.Live(p.PID):
			// ended meanwhile
		default:
			must(err, "reading the scheduler statistics of the server's process %d", p.PID)
		}
	}
	return sum
}

// serverBlocked reports whether the server's end of c holds unread data
// while its send queue stays the same for 50 ms: the server cannot write,
// so it does not read.
func (s *session) serverBlocked(c *probe.Conn) bool {
	first, ok := s.serverSide(c)
	if !ok || first.RxQueue == 0 {
		return false
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for range 5 {
		<-tick.C
		now, ok := s.serverSide(c)
		if !ok || now.RxQueue == 0 || now.TxQueue != first.TxQueue {
			return false
		}
	}
	return true
}

// listens reports whether the server's network has a socket listening
// on the server's port.
func (s *session) listens() bool {
	ok := false
	_ = s.ns.Do(func() error { ok = procfs.Listens(s.srv.Port); return nil })
	return ok
}

// serverSide finds the server's end of c in /proc, where the kit can see it.
func (s *session) serverSide(c *probe.Conn) (procfs.Socket, bool) {
	if s.srv == nil || !onLinux {
		return procfs.Socket{}, false
	}
	var sock procfs.Socket
	var found bool
	err := s.ns.Do(func() (err error) {
		sock, found, err = procfs.Connection(s.srv.Port, c.LocalAddr().(*net.TCPAddr).Port)
		return
	})
	return sock, err == nil && found
}
