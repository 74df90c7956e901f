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
		By(fmt.Sprintf("measuring over %v how long the server's threads run, and wait to run", idleWindow))
		run0, wait0 := s.sched()
		began := time.Now()
		<-time.After(idleWindow) // the measurement window itself
		run1, wait1 := s.sched()
		elapsed := time.Since(began)
		run, wait := run1-run0, wait1-wait0
		used, runnable := run.Seconds()/elapsed.Seconds(), (run+wait).Seconds()/elapsed.Seconds()
		msg := fmt.Sprintf("with 16 silent clients, over %v the server's threads ran for %v (%.1f%% of one core; the limit is 5%%) and were runnable, running or waiting for a CPU, for %v (%.0f%%; a server that spins is runnable all the time however busy the machine is)",
			elapsed.Round(time.Millisecond), run.Round(time.Millisecond), 100*used, (run + wait).Round(time.Millisecond), 100*runnable)
		Expect(used).To(BeNumerically("<", 0.05), "%s", msg)
		// On a busy machine a spinning server gets only its share of a CPU,
		// but it stays runnable; an idle one only waits for the CPU briefly
		// after a rare wake-up.
		Expect(runnable).To(BeNumerically("<", 0.5), "%s", msg)
	})
})

// sched sums how long the server's threads have run and waited to run.
func (s *session) sched() (run, wait time.Duration) {
	GinkgoHelper()
	for _, p := range s.group() {
		r, w, err := procfs.Sched(p.PID)
		if err == nil { // a process may end meanwhile
			run += r
			wait += w
		}
	}
	return run, wait
}
