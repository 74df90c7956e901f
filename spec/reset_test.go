package spec_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/probe"
	"github.com/echospec/echospec/target"
)

var _ = family("reset", func(tg *target.Target) {
	spec(tg, "RESET-1", defaultSpec, func(ctx SpecContext, s *session) {
		c := s.dial(ctx)
		By("echoing once, so the server is serving this client")
		s.echo(c, []byte("about to abort\n"), 0, "before the abort")
		By("aborting the idle connection with a reset (SO_LINGER {1, 0})")
		Expect(c.Abort()).To(Succeed())
		By("echoing for the next client")
		s.echo(s.dial(ctx), []byte("next client\n"), 0, "by the client after the reset")
	})

	spec(tg, "RESET-2", defaultSpec, func(ctx SpecContext, s *session) {
		c := s.dialSmall(ctx, 16<<10)
		needPending(c)
		By("sending 16 MiB without reading, through a 16 KiB receive buffer")
		payload := textBytes(16<<20, 22)
		go func() {
			defer GinkgoRecover()
			_ = c.Send(payload, scaled(stallBase)) // ends when the abort closes c, or on a stall
		}()
		By("waiting until the server's echo fills the client's receive queue")
		Eventually(ctx, c.Pending).WithTimeout(scaled(stallBase)).Should(BeNumerically(">", 0),
			"bytes of echo waiting in the client's receive queue (the server never started echoing)")
		By("aborting with a reset while the server is still writing")
		Expect(c.Abort()).To(Succeed())
		By("echoing for the next client")
		s.echo(s.dial(ctx), []byte("next client\n"), 0, "by the client after the reset")
	})

	spec(tg, "RESET-3", defaultSpec*2, func(ctx SpecContext, s *session) {
		base := -1
		if s.srv != nil && onLinux {
			base = s.baselineFDs(ctx)
		}
		By("connecting, echoing and aborting 200 clients in a row")
		for i := range 200 {
			c := s.dial(ctx)
			ex := c.Echo([]byte("x"), 0, scaled(stallBase), fmt.Sprintf("by client %d of 200 before its abort", i+1))
			Expect(ex).To(probe.BeWholeEcho(), "client %d of 200", i+1)
			s.hangUp(c, true)
		}
		By("echoing for a new client, then aborting it too")
		c := s.dial(ctx)
		s.echo(c, []byte("still there?\n"), 0, "after 200 resets")
		// An abort, not a close: a server that leaks only on a clean close
		// is LIFE-2's to catch, not this property's.
		s.hangUp(c, true)
		if base >= 0 {
			By("waiting for the server's socket descriptors to return to the baseline")
			Eventually(ctx, s.fds).WithTimeout(scaled(stallBase)).Should(BeNumerically("<=", base),
				"socket descriptors open in the server's processes after 201 resets (baseline %d)", base)
		}
	})
})
