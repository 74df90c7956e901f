package spec_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/probe"
	"github.com/echospec/echospec/procfs"
)

// idleWindow is how long IDLE-1 measures. It is a measurement period, not
// a wait for an event, so patience does not stretch it.
const idleWindow = time.Second

// quietWindow is how long IDLE-2 counts output; output arrives in bursts
// (a C server's stdio buffer), so it is longer than idleWindow.
const quietWindow = 2 * time.Second

// idleOutputRate is IDLE-2's limit, in bytes per second of stdout and
// stderr together.
const idleOutputRate = 4 << 10

var _ = family("idle", func(tg *manifest.Target) {
	spec(tg, "IDLE-1", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("CPU time")
		n := s.silentClients(ctx)
		By(fmt.Sprintf("measuring over %v how long the server's threads run, and wait to run", idleWindow))
		u := s.measureCPU(idleWindow)
		used, runnable := u.used(), u.runnable()
		msg := func() string {
			return fmt.Sprintf("with %d silent clients, %s (%.1f%% of one core; the limit is 5%%); they were runnable, running or waiting for a CPU, for %v (%.0f%%; a server that spins is runnable all the time however busy the machine is)",
				n, u, 100*used, (u.run + u.wait).Round(time.Millisecond), 100*runnable)
		}
		check(used < 0.05, msg)
		// On a busy machine a spinning server gets only its share of a CPU,
		// but it stays runnable; an idle one only waits for the CPU briefly
		// after a rare wake-up.
		check(runnable < 0.5, msg)
	})

	spec(tg, "IDLE-2", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("what the server writes to stdout and stderr")
		n := s.silentClients(ctx)
		By(fmt.Sprintf("counting what the server writes to stdout and stderr over %v", quietWindow))
		out0, err0 := s.srv.Stdout.Total(), s.srv.Stderr.Total()
		began := time.Now()
		<-time.After(quietWindow) // the measurement window itself
		out, errs := s.srv.Stdout.Total()-out0, s.srv.Stderr.Total()-err0
		elapsed := time.Since(began)
		s.aliveAfter("the measurement")
		rate := float64(out+errs) / elapsed.Seconds()
		check(rate <= idleOutputRate, func() string {
			return fmt.Sprintf("with %d silent clients, the server wrote %s to stdout and %s to stderr in %v (%s/s; the limit is 4 KiB/s)",
				n, probe.Size(int(out)), probe.Size(int(errs)), elapsed.Round(time.Millisecond), probe.Size(int(rate)))
		})
	})
})

// silentClients connects the idle specs' clients: 16 that each echo one
// byte, then go silent. A server that serves N at a time (single: one, a
// pool: N) serves its N, and 4 more wait in its backlog, which is what
// idle means for them; the tutorial's listen(5) holds no more than that.
func (s *session) silentClients(ctx SpecContext) int {
	GinkgoHelper()
	n := 16
	if s.capacity() < n {
		n = s.capacity() + 4
	}
	s.prepare(fmt.Sprintf("connecting %d clients that each echo one byte, then go silent", n), hintConnect, func() {
		for i, c := range s.dialMany(ctx, n) {
			if i < s.capacity() {
				s.echo(c, []byte{'.'}, 0, fmt.Sprintf("by client %d of %d", i+1, n))
			}
		}
	})
	return n
}

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
type cpuUse struct{ elapsed, run, wait time.Duration }

func (u cpuUse) used() float64     { return u.run.Seconds() / u.elapsed.Seconds() }
func (u cpuUse) runnable() float64 { return (u.run + u.wait).Seconds() / u.elapsed.Seconds() }

func (u cpuUse) String() string {
	return fmt.Sprintf("over %v the server's threads ran for %v", u.elapsed.Round(time.Millisecond), u.run.Round(time.Millisecond))
}

// measureCPU measures the server's CPU use over window and fails if the
// server ended meanwhile: then nothing was measured.
func (s *session) measureCPU(window time.Duration) cpuUse {
	GinkgoHelper()
	run0, wait0 := s.sched()
	began := time.Now()
	<-time.After(window) // the measurement window itself
	run1, wait1 := s.sched()
	u := cpuUse{elapsed: time.Since(began), run: run1 - run0, wait: wait1 - wait0}
	s.aliveAfter("the measurement")
	return u
}

// sched sums how long the server's threads have run and waited to run.
func (s *session) sched() (run, wait time.Duration) {
	GinkgoHelper()
	for _, p := range s.group() {
		r, w, err := procfs.Sched(p.PID)
		switch {
		case err == nil:
			run += r
			wait += w
		case p.Zombie() || !procfs.Live(p.PID):
			// ended meanwhile
		default:
			must(err, "reading the scheduler statistics of the server's process %d", p.PID)
		}
	}
	return run, wait
}
