package spec_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/probe"
	"github.com/echospec/echospec/target"
)

// quietBase is how long a spec watches for something that must not
// happen (an early echo), before patience.
const quietBase = 500 * time.Millisecond

var _ = family("serial", func(tg *target.Target) {
	spec(tg, "SERIAL-1", defaultSpec, func(ctx SpecContext, s *session) {
		a := s.dial(ctx)
		By("echoing for client A, which stays connected")
		s.echo(a, []byte("A is being served\n"), 0, "by client A")
		By("connecting client B while A is served: the kernel's backlog completes it")
		s.dial(ctx)
	})

	spec(tg, "SERIAL-2", defaultSpec, func(ctx SpecContext, s *session) {
		a, b := s.servedAndQueued(ctx)
		By("sending from B, and watching B get nothing while A stays connected")
		Expect(b.Send([]byte("B waits\n"), scaled(stallBase))).To(Succeed())
		s.expectQuiet(b, "client B, queued behind connected client A")
		s.echo(a, []byte("A still served\n"), 0, "by client A after B sent")
	})

	spec(tg, "SERIAL-3", defaultSpec, func(ctx SpecContext, s *session) {
		a, b := s.servedAndQueued(ctx)
		By("sending three messages from B while it is queued")
		sent := []byte("queued one\nqueued two\nqueued three\n")
		for _, line := range []string{"queued one\n", "queued two\n", "queued three\n"} {
			Expect(b.Send([]byte(line), scaled(stallBase))).To(Succeed())
		}
		By("closing A, then reading everything B sent")
		Expect(a.Close()).To(Succeed())
		got, eof, stalled, err := b.ReadN(len(sent), scaled(stallBase))
		Expect(probe.Exchange{Sent: sent, Got: got, EOF: eof, Stalled: stalled, ReadErr: err, How: "by client B while it waited behind A"}).To(probe.BeWholeEcho())
	})

	spec(tg, "SERIAL-4", defaultSpec, func(ctx SpecContext, s *session) {
		a, b := s.servedAndQueued(ctx)
		c := s.dial(ctx)
		By("sending from B and then C, both queued behind A")
		Expect(b.Send([]byte("from B\n"), scaled(stallBase))).To(Succeed())
		Expect(c.Send([]byte("from C\n"), scaled(stallBase))).To(Succeed())
		By("closing A: B must be served and C must keep waiting")
		Expect(a.Close()).To(Succeed())
		got, _, _, err := b.ReadN(7, scaled(stallBase))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(got)).To(Equal("from B\n"), "B, the second to connect, is served once A leaves")
		s.expectQuiet(c, "client C, queued behind B")
		By("closing B: now C is served")
		Expect(b.Close()).To(Succeed())
		got, _, _, err = c.ReadN(7, scaled(stallBase))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(got)).To(Equal("from C\n"), "C, the third to connect, is served once B leaves")
	})
})

// servedAndQueued connects A and echoes for it (so the server is serving A),
// then connects B, which waits in the backlog.
func (s *session) servedAndQueued(ctx SpecContext) (a, b *probe.Conn) {
	GinkgoHelper()
	a = s.dial(ctx)
	By("echoing for client A, which stays connected")
	s.echo(a, []byte("A is being served\n"), 0, "by client A")
	By("connecting client B")
	b = s.dial(ctx)
	return a, b
}

// expectQuiet checks that nothing arrives on c for the quiet period.
func (s *session) expectQuiet(c *probe.Conn, who string) {
	GinkgoHelper()
	d := scaled(quietBase)
	got, quiet, err := c.Quiet(d)
	Expect(err).NotTo(HaveOccurred(), "watching %s for %v", who, d)
	Expect(quiet).To(BeTrue(), "%s received %q within %v; it must not be answered yet", who, got, d)
}
