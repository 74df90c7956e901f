package spec_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/probe"
	"github.com/echospec/echospec/target"
)

var _ = family("conc", func(tg *target.Target) {
	spec(tg, "CONC-1", defaultSpec, func(ctx SpecContext, s *session) {
		By("connecting 64 clients and keeping them all open")
		cs := s.dialMany(ctx, 64)
		By("echoing for each client in turn while all 64 stay connected")
		for i, c := range cs {
			s.echo(c, []byte(fmt.Sprintf("client %d of 64\n", i+1)), 0, fmt.Sprintf("by client %d of 64, with the other 63 connected", i+1))
		}
	})

	spec(tg, "CONC-2", defaultSpec, func(ctx SpecContext, s *session) {
		const clients, rounds = 16, 100
		By(fmt.Sprintf("running %d clients at once, each sending %d random payloads of its own", clients, rounds))
		cs := s.dialMany(ctx, clients)
		results := make([]probe.Exchange, clients)
		var wg sync.WaitGroup
		for i, c := range cs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer GinkgoRecover()
				r := rand.New(rand.NewPCG(uint64(GinkgoRandomSeed()), uint64(i)))
				for round := range rounds {
					// Each payload is tagged with its client, so foreign bytes show.
					p := []byte(fmt.Sprintf("<client %02d round %03d:", i, round))
					for range r.IntN(2000) {
						p = append(p, byte('a'+i))
					}
					p = append(p, '>', '\n')
					ex := c.Echo(p, 0, scaled(stallBase), fmt.Sprintf("by client %d in round %d of %d, with %d clients running at once", i+1, round+1, rounds, clients))
					if results[i] = ex; !bytes.Equal(ex.Sent, ex.Got) {
						return
					}
				}
			}()
		}
		wg.Wait()
		for i := range results {
			Expect(results[i]).To(probe.BeWholeEcho(), "client %d of %d got bytes that are not its own (shared buffer?)", i+1, clients)
		}
	})

	spec(tg, "CONC-3", defaultSpec, func(ctx SpecContext, s *session) {
		By("connecting a client that never sends")
		s.dial(ctx)
		By("echoing for a second client while the first stays silent")
		s.echo(s.dial(ctx), []byte("not blocked by the silent one\n"), 0, "while a silent client is connected")
	})

	spec(tg, "CONC-4", defaultSpec, func(ctx SpecContext, s *session) {
		By("connecting a client that sends 16 MiB and never reads, through a 16 KiB receive buffer")
		hog := s.dialSmall(ctx, 16<<10)
		needPending(hog)
		payload := textBytes(16<<20, 44) // made before the clock starts
		go func() {
			_ = hog.Send(payload, scaled(stallBase)) // ends on a stall, or when the spec closes hog
		}()
		By("waiting until the server's echo to it sits unread in its receive queue")
		Eventually(ctx, hog.Pending).WithTimeout(scaled(stallBase)).Should(BeNumerically(">", 0),
			"bytes of echo waiting unread in the non-reading client's receive queue")
		By("echoing for a second client while the first keeps sending and never reads")
		s.echo(s.dial(ctx), []byte("not blocked by the hog\n"), 0, "while a client that does not read is connected")
	})

	spec(tg, "CONC-5", defaultSpec*3, func(ctx SpecContext, s *session) {
		n := scaleCount(tg)
		By(fmt.Sprintf("connecting %d clients and keeping them all open", n))
		cs := s.dialMany(ctx, n)
		By(fmt.Sprintf("echoing for each of the %d clients while all stay connected", n))
		for i, c := range cs {
			s.echo(c, []byte(fmt.Sprintf("%d\n", i)), 0, fmt.Sprintf("by client %d of %d, with all connected", i+1, n))
		}
	})
})

// scaleCount is CONC-5's number of simultaneous connections for tg.
func scaleCount(tg *target.Target) int {
	switch {
	case tg.Model == "multiprocess" || tg.Model == "multithread":
		return 256
	case tg.Mechanism == "select":
		return 900 // FD_SETSIZE is 1024, and the server has other descriptors
	}
	return 1000
}

// dialMany connects n clients.
func (s *session) dialMany(ctx SpecContext, n int) []*probe.Conn {
	GinkgoHelper()
	cs := make([]*probe.Conn, n)
	for i := range cs {
		cs[i] = s.dial(ctx)
	}
	return cs
}
