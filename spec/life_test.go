package spec_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/probe"
	"github.com/echospec/echospec/procfs"
)

var _ = family("life", func(tg *manifest.Target) {
	spec(tg, "LIFE-1", defaultSpec, func(ctx SpecContext, s *session) {
		c := s.dial(ctx)
		payload := textBytes(100<<10, 11)
		By("sending 100 KiB, then shutting down the client's sending side")
		must(c.Send(payload, scaled(stallBase)), "sending 100 KiB")
		must(c.HalfClose(), "shutting down the client's sending side")
		By("reading the echo, then expecting EOF")
		got, eof, stalled, err := c.ReadToEOF(len(payload), scaled(stallBase))
		ex := probe.Exchange{Sent: payload, Got: got, EOF: eof, Stalled: stalled, ReadErr: err, How: "then shutdown(SHUT_WR)"}
		check(eof && string(got) == string(payload), func() string {
			return ex.Headline() + "\n  want:     the same bytes back, then EOF (the server closing)\n" + ex.Describe()
		})
	})

	spec(tg, "LIFE-2", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("open descriptors")
		base := s.baselineFDs(ctx)
		By("connecting, echoing and closing 20 clients one after another")
		for i := range 20 {
			c := s.dialNext(ctx)
			s.echo(c, []byte(fmt.Sprintf("client %d\n", i)), 0, fmt.Sprintf("by client %d of 20", i+1))
			s.hangUp(c, false)
		}
		s.awaitFDs(ctx, base, "after 20 clients came and went")
	})

	spec(tg, "LIFE-3", defaultSpec*2, func(ctx SpecContext, s *session) {
		By("running 500 connect / echo / close cycles")
		for i := range 500 {
			c := s.dialNext(ctx)
			s.echo(c, []byte(fmt.Sprintf("cycle %d\n", i)), 0, fmt.Sprintf("in cycle %d of 500", i+1))
			s.hangUp(c, false)
		}
	})

	spec(tg, "LIFE-4", defaultSpec, func(ctx SpecContext, s *session) {
		By("connecting and closing 10 times without sending anything")
		for range 10 {
			s.hangUp(s.dial(ctx), false)
		}
		By("echoing for a new client")
		s.echo(s.dialNext(ctx), []byte("still there?\n"), 0, "after 10 silent clients")
	})
})

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
