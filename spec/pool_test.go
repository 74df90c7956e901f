package spec_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/probe"
)

var _ = family("pool", func(tg *manifest.Target) {
	spec(tg, "POOL-1", defaultSpec, func(ctx SpecContext, s *session) {
		n := tg.Pool
		By(fmt.Sprintf("connecting %d clients (the pool's size) and echoing for each while all stay open", n))
		cs := s.dialMany(ctx, n)
		for i, c := range cs {
			s.echo(c, []byte(fmt.Sprintf("worker %d\n", i+1)), 0, fmt.Sprintf("by client %d of the pool's %d, with the others connected", i+1, n))
		}
		By(fmt.Sprintf("connecting client %d and sending: it must wait", n+1))
		var extra *probe.Conn
		s.prepare(fmt.Sprintf("connecting client %d", n+1), hintConnect, func() { extra = s.dialQueued(ctx) })
		msg := []byte("the one that waits\n")
		must(extra.Send(msg, scaled(stallBase)), "client %d sending while it waits", n+1)
		s.expectQuiet(extra, fmt.Sprintf("client %d, beyond a pool of %d busy workers", n+1, n))
		By("closing one of the first clients: the waiting one is served")
		s.hangUp(cs[0], false)
		s.expectQueuedEcho(extra, msg, fmt.Sprintf("by client %d while it waited, then one of the first %d left", n+1, n))
	})
})
