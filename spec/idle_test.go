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
			// A single-process server serves only the first; the rest wait
			// in its backlog, which is what idle means for it.
			if i == 0 || tg.Model != "single" {
				s.echo(c, []byte{'.'}, 0, fmt.Sprintf("by client %d of 16", i+1))
			}
		}
		By(fmt.Sprintf("measuring the server's CPU time over %v", idleWindow))
		before, began := s.cpu(), time.Now()
		<-time.After(idleWindow) // the measurement window itself
		used, elapsed := s.cpu()-before, time.Since(began)
		share := used.Seconds() / elapsed.Seconds()
		Expect(share).To(BeNumerically("<", 0.05),
			"the server used %v of CPU in %v with 16 silent clients (%.0f%% of one core; the limit is 5%%): something in it runs without waiting for input",
			used, elapsed.Round(time.Millisecond), 100*share)
	})
})

// cpu is the CPU time used so far by all of the server's processes.
func (s *session) cpu() time.Duration {
	GinkgoHelper()
	ps, err := procfs.Group(s.srv.PID)
	Expect(err).NotTo(HaveOccurred())
	return time.Duration(procfs.CPUTotal(ps)) * time.Second / procfs.TicksPerSecond
}
