package spec_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/probe"
)

var _ = family("conc", func(tg *manifest.Target) {
	spec(tg, "CONC-1", defaultSpec, func(ctx SpecContext, s *session) {
		var cs []*probe.Conn
		// The 64 connections are the property: a server that cannot take
		// them fails CONC-1.
		s.judge("connecting 64 clients and keeping them all open", func() { cs = s.dialMany(ctx, 64) })
		By("echoing for each client in turn while all 64 stay connected")
		for i, c := range cs {
			s.echo(c, []byte(fmt.Sprintf("client %d of 64\n", i+1)), 0, fmt.Sprintf("by client %d of 64, with the other 63 connected", i+1))
		}
	})

	spec(tg, "CONC-2", defaultSpec, func(ctx SpecContext, s *session) {
		const rounds = 100
		clients := min(16, s.capacity()) // a pool has 2 workers or more (manifest)
		var cs []*probe.Conn
		s.prepare(fmt.Sprintf("connecting %d clients", clients), hintConnect, func() { cs = s.dialMany(ctx, clients) })
		By(fmt.Sprintf("running %d clients at once, each sending %d random payloads of its own", clients, rounds))
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
		for i, ex := range results {
			check(bytes.Equal(ex.Sent, ex.Got), func() string {
				what := "did not get its own bytes back"
				if foreign := foreignClient(ex.Got, i); foreign >= 0 {
					what = fmt.Sprintf("received bytes that client %d sent", foreign+1)
					if foreign < len(cs) {
						s.sharedBuffer(cs[i], cs[foreign], ex.Got[max(0, probe.FirstDiff(ex.Sent, ex.Got)):])
					}
				}
				return fmt.Sprintf("client %d of %d %s: %s\n  want:     only its own bytes back\n%s", i+1, clients, what, ex.Headline(), ex.Describe())
			})
		}
	})

	spec(tg, "CONC-3", defaultSpec, func(ctx SpecContext, s *session) {
		s.prepare("connecting a client that never sends", hintConnect, func() { s.dial(ctx) })
		By("echoing for a second client while the first stays silent")
		s.echo(s.dialNext(ctx), []byte("not blocked by the silent one\n"), 0, "while a silent client is connected")
	})

	spec(tg, "CONC-4", defaultSpec, func(ctx SpecContext, s *session) {
		var hog *probe.Conn
		s.prepare("connecting a client that sends 16 MiB and never reads, through a 16 KiB receive buffer", hintConnect, func() {
			hog = s.dialSmall(ctx, 16<<10)
		})
		needPending(hog)
		if why := s.unseen(); why != "" {
			partly("that the server was stuck writing to the client that does not read before the second client came (the kit saw only echo waiting unread)", why)
		}
		payload := textBytes(16<<20, 44) // made before the clock starts
		s.keepSent(hog, payload)         // its bytes in another's echo are a shared buffer's
		sent := make(chan struct{})
		go func() {
			defer GinkgoRecover()
			defer close(sent)
			_ = hog.Send(payload, scaled(stallBase)) // ends on a stall, or when the spec closes hog
		}()
		s.prepare("waiting until the server is stuck writing to it: its echo fills the client's queue and the server stops taking more", hintState, func() {
			await(ctx, scaled(finDeadline), "the server's writes to the non-reading client blocked", func() error {
				select {
				case <-sent:
					return nil // the server took all 16 MiB: it buffers the echo itself
				default:
				}
				if s.srv == nil || !onLinux {
					if n, _ := hog.Pending(); n > 0 {
						return nil // without /proc: echo waits unread, as far as the kit can see
					}
					return fmt.Errorf("no echo waits in the client's receive queue")
				}
				if s.serverBlocked(hog) {
					return nil
				}
				sock, _ := s.serverSide(hog)
				return fmt.Errorf("the server's socket to it holds %s unread and %s unsent, still moving", probe.Size(sock.RxQueue), probe.Size(sock.TxQueue))
			})
		})
		By("echoing for a second client while the first keeps sending and never reads")
		s.echo(s.dialNext(ctx), []byte("not blocked by the hog\n"), 0, "while a client that does not read is connected")
	})

	spec(tg, "CONC-5", defaultSpec*3, func(ctx SpecContext, s *session) {
		n := scaleCount(tg)
		var cs []*probe.Conn
		s.judge(fmt.Sprintf("connecting %d clients and keeping them all open", n), func() { cs = s.dialMany(ctx, n) })
		By(fmt.Sprintf("echoing for each of the %d clients while all stay connected", n))
		for i, c := range cs {
			s.echo(c, []byte(fmt.Sprintf("%d\n", i)), 0, fmt.Sprintf("by client %d of %d, with all connected", i+1, n))
		}
	})
})

// foreignClient finds, in what client i got back, the tag of another
// client's payload ("<client NN"); -1 if there is none.
func foreignClient(got []byte, i int) int {
	const tag = "<client "
	for rest := got; ; {
		k := bytes.Index(rest, []byte(tag))
		if k < 0 || k+len(tag)+2 > len(rest) {
			return -1
		}
		d := rest[k+len(tag) : k+len(tag)+2]
		if d[0] >= '0' && d[0] <= '9' && d[1] >= '0' && d[1] <= '9' {
			if n := int(d[0]-'0')*10 + int(d[1]-'0'); n != i {
				return n
			}
		}
		rest = rest[k+len(tag):]
	}
}

// scaleCount is CONC-5's number of simultaneous connections for tg.
func scaleCount(tg *manifest.Target) int {
	switch {
	case tg.Model == "multiprocess" || tg.Model == "multithread":
		return 256
	case tg.Mechanism == "select":
		return 900 // FD_SETSIZE is 1024, and the server has other descriptors
	}
	return 1000
}
