package spec_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/probe"
	"github.com/echospec/echospec/procfs"
	"github.com/echospec/echospec/target"
)

var _ = family("life", func(tg *target.Target) {
	spec(tg, "LIFE-1", defaultSpec, func(ctx SpecContext, s *session) {
		c := s.dial(ctx)
		payload := textBytes(100<<10, 11)
		By("sending 100 KiB, then shutting down the client's sending side")
		Expect(c.Send(payload, scaled(stallBase))).To(Succeed())
		Expect(c.HalfClose()).To(Succeed())
		By("reading the echo, then expecting EOF")
		got, eof, stalled, err := c.ReadToEOF(len(payload), scaled(stallBase))
		ex := probe.Exchange{Sent: payload, Got: got, EOF: eof, Stalled: stalled, ReadErr: err, How: "then shutdown(SHUT_WR)"}
		Expect(ex).To(probe.BeEchoThenEOF())
	})

	spec(tg, "LIFE-2", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("open descriptors")
		base := s.baselineFDs(ctx)
		By("connecting, echoing and closing 20 clients one after another")
		for i := range 20 {
			c := s.dial(ctx)
			s.echo(c, []byte(fmt.Sprintf("client %d\n", i)), 0, fmt.Sprintf("by client %d of 20", i+1))
			Expect(c.Close()).To(Succeed())
		}
		By("waiting for the server's descriptors to return to the baseline")
		Eventually(ctx, s.fds).WithTimeout(scaled(stallBase)).Should(BeNumerically("<=", base),
			"socket descriptors open in the server's processes after 20 clients came and went (baseline %d)", base)
	})

	spec(tg, "LIFE-3", defaultSpec*2, func(ctx SpecContext, s *session) {
		By("running 500 connect / echo / close cycles")
		for i := range 500 {
			c := s.dial(ctx)
			ex := c.Echo([]byte(fmt.Sprintf("cycle %d\n", i)), 0, scaled(stallBase), fmt.Sprintf("in cycle %d of 500", i+1))
			Expect(ex).To(probe.BeWholeEcho(), "cycle %d of 500", i+1)
			s.hangUp(c, false)
		}
	})

	spec(tg, "LIFE-4", defaultSpec, func(ctx SpecContext, s *session) {
		By("connecting and closing 10 times without sending anything")
		for range 10 {
			Expect(s.dial(ctx).Close()).To(Succeed())
		}
		By("echoing for a new client")
		s.echo(s.dial(ctx), []byte("still there?\n"), 0, "after 10 silent clients")
	})
})

// baselineFDs warms the server up with 8 clients, one after another, so
// lazily opened descriptors are open, then returns the descriptor count
// once it has held still for 5 samples 50 ms apart (a pool's workers may
// still be starting when the port first listens). The warm-up is serial
// so that only descriptors, not concurrency, decide these specs.
func (s *session) baselineFDs(ctx SpecContext) int {
	GinkgoHelper()
	By("warming up with 8 clients, one after another")
	for i := range 8 {
		c := s.dial(ctx)
		s.echo(c, []byte("warm-up\n"), 0, fmt.Sprintf("by warm-up client %d of 8", i+1))
		s.hangUp(c, false)
	}
	var last, same int
	Eventually(ctx, func() int {
		n := s.fds()
		if n == last {
			same++
		} else {
			last, same = n, 0
		}
		return same
	}).WithTimeout(scaled(stallBase)).WithPolling(50*time.Millisecond).Should(BeNumerically(">=", 5),
		"the server's socket descriptor count settling after the warm-up clients left (last %d)", last)
	By(fmt.Sprintf("noting %d open socket descriptors once the warm-up clients have left", last))
	return last
}

// fds counts the socket descriptors open in all of the server's
// processes. Only sockets: a connection's descriptor is what these specs
// are about, and runtimes keep other descriptors they may grow at will
// (Go's io.Copy between two sockets keeps a pool of splice pipes).
func (s *session) fds() int {
	GinkgoHelper()
	ps, err := procfs.Group(s.srv.PID)
	Expect(err).NotTo(HaveOccurred())
	n := 0
	for _, p := range ps {
		if socks, err := procfs.SocketInodes(p.PID); err == nil {
			n += len(socks)
		}
	}
	return n
}
