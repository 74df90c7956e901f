package spec_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/procfs"
	"github.com/echospec/echospec/target"
)

// idleWindow is how long IDLE-1 measures. It is a measurement period, not
// a wait for an event, so patience does not stretch it.
const idleWindow = time.Second

var _ = family("idle", func(tg *target.Target) {
	spec(tg, "IDLE-1", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("CPU time")
		By("connecting 16 clients that each echo one byte, then go silent")
		for i := range 16 {
			c := s.dial(ctx)
			// A single-process server serves only the first, a pool its N;
			// the rest wait in the backlog, which is what idle means for them.
			if i < s.capacity() {
				s.echo(c, []byte{'.'}, 0, fmt.Sprintf("by client %d of 16", i+1))
			}
		}
		By(fmt.Sprintf("measuring over %v how long the server's threads are running or ready to run", idleWindow))
		demand0, cpu0, began := s.demand(), s.cpu(), time.Now()
		<-time.After(idleWindow) // the measurement window itself
		demand, cpu, elapsed := s.demand()-demand0, s.cpu()-cpu0, time.Since(began)
		share := demand.Seconds() / elapsed.Seconds()
		Expect(share).To(BeNumerically("<", 0.05),
			"with 16 silent clients the server's threads were running or waiting for a CPU for %v of %v (%.0f%% of one core; the limit is 5%%), and got %v of CPU time: something in it runs without waiting for input",
			demand.Round(time.Millisecond), elapsed.Round(time.Millisecond), 100*share, cpu)
	})
})

// demand is how long the server's threads have been runnable (running or
// waiting for a CPU): unlike CPU time, a busy machine does not hide a spin.
func (s *session) demand() time.Duration {
	GinkgoHelper()
	var sum time.Duration
	for _, p := range s.group() {
		d, err := procfs.Demand(p.PID)
		if err == nil { // a process may end meanwhile
			sum += d
		}
	}
	return sum
}

// cpu is the CPU time used so far by all of the server's processes.
func (s *session) cpu() time.Duration {
	GinkgoHelper()
	ps, err := procfs.Group(s.srv.PID)
	Expect(err).NotTo(HaveOccurred())
	return time.Duration(procfs.CPUTotal(ps)) * time.Second / procfs.TicksPerSecond
}
