package spec_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/probe"
)

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
		// On a busy machine a spinning server gets only its share of a CPU,
		// but it stays runnable; an idle one only waits for the CPU briefly
		// after a rare wake-up.
		s.expectCPU(fmt.Sprintf("measuring over %v how long the server's threads run, and wait to run", idleWindow), 0.05, 0.5, func(u cpuUse) string {
			return fmt.Sprintf("with %d silent clients, %s (%.1f%% of one core; the limit is 5%%); they were runnable, running or waiting for a CPU, for %v (%.0f%%; a server that spins is runnable all the time however busy the machine is)",
				n, u, 100*u.used(), (u.run + u.wait).Round(time.Millisecond), 100*u.runnable())
		})
	})

	spec(tg, "IDLE-2", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("what the server writes to stdout and stderr")
		n := s.silentClients(ctx)
		// What the server prints for each connection (a line per client
		// event is fine) may still be on its way on a busy machine: let it
		// end first, for at most stallBase. A server that keeps writing
		// does not stop, and is measured as it is.
		By("waiting for what the server writes about the new connections to end (no output for 250 ms)")
		settle(scaled(stallBase), 250*time.Millisecond, func() int64 { return s.srv.Stdout.Total() + s.srv.Stderr.Total() })
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

// settle waits until total has not changed for quiet, or for at most
// limit; it returns either way: it lets a burst end, it judges nothing.
func settle(limit, quiet time.Duration, total func() int64) {
	end := time.Now().Add(limit)
	last, since := total(), time.Now()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for time.Now().Before(end) && time.Since(since) < quiet {
		<-tick.C
		if t := total(); t != last {
			last, since = t, time.Now()
		}
	}
}
