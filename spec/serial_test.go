package spec_test

import (
	"fmt"
	"net"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/probe"
	"github.com/echospec/echospec/procfs"
)

var _ = family("serial", func(tg *manifest.Target) {
	spec(tg, "SERIAL-1", defaultSpec, func(ctx SpecContext, s *session) {
		s.prepare("echoing for client A, which stays connected", hintConnect, func() {
			s.echo(s.dial(ctx), []byte("A is being served\n"), 0, "by client A")
		})
		By("connecting client B while A is served: the kernel's backlog completes it")
		var b *probe.Conn
		err := s.ns.Do(func() (err error) { b, err = probe.Dial(ctx, s.addr, scaled(dialBase)); return })
		must(err, "client B could not connect while client A was served")
		s.conns = append(s.conns, b)
		s.expectUnaccepted(ctx, b, "client B")
	})

	spec(tg, "SERIAL-2", defaultSpec, func(ctx SpecContext, s *session) {
		a, b := s.servedAndQueued(ctx)
		By("sending from B, and watching B get nothing while A stays connected")
		must(b.Send([]byte("B waits\n"), scaled(stallBase)), "client B sending while queued")
		s.expectQuiet(b, "client B, queued behind connected client A")
		s.echo(a, []byte("A still served\n"), 0, "by client A after B sent")
	})

	spec(tg, "SERIAL-3", defaultSpec, func(ctx SpecContext, s *session) {
		a, b := s.servedAndQueued(ctx)
		s.expectUnaccepted(ctx, b, "client B")
		By("sending three messages from B while it is queued")
		sent := []byte("queued one\nqueued two\nqueued three\n")
		for _, line := range []string{"queued one\n", "queued two\n", "queued three\n"} {
			must(b.Send([]byte(line), scaled(stallBase)), "client B sending while queued")
		}
		By("closing A, then reading everything B sent")
		must(a.Close(), "closing client A")
		s.expectQueuedEcho(b, sent, "by client B while it waited behind A")
	})

	spec(tg, "SERIAL-4", defaultSpec, func(ctx SpecContext, s *session) {
		a, b := s.servedAndQueued(ctx)
		var c *probe.Conn
		s.prepare("connecting client C, queued behind B", hintConnect, func() { c = s.dialQueued(ctx) })
		By("sending from B and then C, both queued behind A")
		must(b.Send([]byte("from B\n"), scaled(stallBase)), "client B sending while queued")
		must(c.Send([]byte("from C\n"), scaled(stallBase)), "client C sending while queued")
		By("closing A: B must be served and C must keep waiting")
		must(a.Close(), "closing client A")
		s.expectQueuedEcho(b, []byte("from B\n"), "by client B, the second to connect, once A left")
		s.expectQuiet(c, "client C, queued behind B")
		By("closing B: now C is served")
		must(b.Close(), "closing client B")
		s.expectQueuedEcho(c, []byte("from C\n"), "by client C, the third to connect, once B left")
	})
})

// expectUnaccepted checks, where the kit can see the server's sockets, that
// c's connection waits in the listening socket's backlog: the kernel
// completed it, and no process of the server holds it yet.
func (s *session) expectUnaccepted(ctx SpecContext, c *probe.Conn, who string) {
	GinkgoHelper()
	if why := s.unseen(); why != "" {
		partly(fmt.Sprintf("that %s waits in the backlog, not accepted by the server", who), why)
		return
	}
	By(fmt.Sprintf("checking that %s waits in the backlog, not accepted by the server", who))
	port := c.LocalAddr().(*net.TCPAddr).Port
	await(ctx, scaled(stallBase), who+"'s connection completed by the kernel", func() error {
		var found bool
		err := s.ns.Do(func() (err error) { _, found, err = procfs.Connection(s.srv.Port, port); return })
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("no server-side socket for port %d yet", port)
		}
		return nil
	})
	steady(ctx, scaled(quietBase), func() error {
		v := s.view([]*probe.Conn{c})
		if len(v.owners[0]) > 0 {
			return fmt.Errorf("%s was accepted while the first client was still served: process %v holds its socket; a single server accepts the next client only when the current one leaves\n%s", who, v.owners[0], v)
		}
		return nil
	})
}
