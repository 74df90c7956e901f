package spec_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/probe"
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
