package spec_test

import (
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/probe"
	"github.com/echospec/echospec/rlimit"
)

// capFiles is the open-file limit CAP-1..3 run the server with.
const capFiles = 64

// capExtra is how many clients beyond the first unserved one are left
// waiting in the backlog: with it, 5 wait, as many as the tutorial's
// listen(5) holds.
const capExtra = 4

// capMax bounds CAP's clients when the server never reaches its limit (a
// process per connection has a limit per process).
const capMax = capFiles + 32

// capSelect is how many clients CAP-4 connects to a select() server:
// enough that their descriptors pass FD_SETSIZE (1,024).
const capSelect = 1100

func lowerOpenFiles(l *rlimit.Set) { l.OpenFiles = min(l.OpenFiles, capFiles) }

var _ = family("cap", func(tg *manifest.Target) {
	for _, id := range []string{"CAP-1", "CAP-2", "CAP-3"} {
		specLimits[id] = lowerOpenFiles
	}

	spec(tg, "CAP-1", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("a server at its descriptor limit")
		at := s.fillToLimit(ctx)
		s.aliveAfter("connecting clients past its limit")
		By(fmt.Sprintf("echoing again for each of the %d clients the server holds, with %d waiting", len(at.held), len(at.waiting)))
		for i, c := range at.held {
			s.echo(c, []byte("still held\n"), 0, fmt.Sprintf("by held client %d of %d, %s", i+1, len(at.held), at))
		}
	})

	spec(tg, "CAP-2", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("CPU time at the descriptor limit")
		at := s.fillToLimit(ctx)
		s.expectCPU(fmt.Sprintf("measuring over %v how long the server's threads run, %s", idleWindow, at), 0.20, 0.6, func(u cpuUse) string {
			return fmt.Sprintf("%s, %s (%.1f%% of one core; the limit is 20%%) and were runnable for %v (%.0f%%)",
				at, u, 100*u.used(), (u.run + u.wait).Round(time.Millisecond), 100*u.runnable())
		})
	})

	spec(tg, "CAP-3", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("a server at its descriptor limit")
		at := s.fillToLimit(ctx)
		By(fmt.Sprintf("closing the %d held clients", len(at.held)))
		for _, c := range at.held {
			s.hangUp(c, false)
		}
		By(fmt.Sprintf("expecting the %d waiting clients to be served now, or to have been refused (closed) meanwhile", len(at.waiting)))
		for i, c := range at.waiting {
			want := at.sent[c]
			if s.owed[c] {
				want = append(append([]byte{}, s.tg.Greeting...), want...)
				delete(s.owed, c)
			}
			got, eof, stalled, err := c.ReadN(len(want), scaled(stallBase))
			ex := probe.Exchange{Sent: want, Got: got, EOF: eof, Stalled: stalled, ReadErr: err,
				How: fmt.Sprintf("by client %d of %d that waited at the limit, once the held ones left", i+1, len(at.waiting))}
			refused := len(got) == 0 && (eof || errors.Is(err, syscall.ECONNRESET))
			check(refused || string(got) == string(want), func() string {
				return ex.Headline() + "\n  want:     the echo of what it sent while it waited, or the connection closed (refused)\n" + ex.Describe()
			})
		}
		// A server may still refuse a client or two (closed at once) while it
		// notices that descriptors are free again; it must serve one soon.
		By("echoing for a new client, retrying while new clients are refused")
		tries := 0
		await(ctx, scaled(stallBase), "a new client served after the others left", func() error {
			tries++
			// Connected without reading the greeting: tryServe reads it
			// with the echo. Failing to connect is the property's failure.
			prev := s.stage
			s.stage = &stage{}
			c := s.dialQueued(ctx)
			s.stage = prev
			served, closed, ex := s.tryServe(c, []byte("served again\n"), scaled(stallBase))
			switch {
			case served:
				return nil
			case closed:
				s.hangUp(c, false)
				return fmt.Errorf("%d new clients were refused (closed at once), the last: %s", tries, ex.Headline())
			}
			fail("a new client was not served after the others left: %s\n  want:     its echo\n%s", ex.Headline(), ex.Describe())
			return nil
		})
	})

	{
		spec(tg, "CAP-4", defaultSpec*3, func(ctx SpecContext, s *session) {
			By(fmt.Sprintf("connecting %d clients one by one, each expecting its echo or to be refused at once", capSelect))
			var kept []*probe.Conn
			refused := 0
			for i := range capSelect {
				c := s.dialQueued(ctx)
				ping := []byte(fmt.Sprintf("client %d\n", i+1))
				served, closed, ex := s.tryServe(c, ping, scaled(stallBase))
				switch {
				case served:
					kept = append(kept, c)
				case closed:
					refused++
					s.hangUp(c, false)
				default:
					fail("client %d of %d got neither its echo nor a refusal (a close) within %v: %s\n  want:     its echo, or the connection closed at once\n%s",
						i+1, capSelect, scaled(stallBase), ex.Headline(), ex.Describe())
				}
			}
			By(fmt.Sprintf("%d clients served, %d refused; echoing again for the first 10", len(kept), refused))
			s.aliveAfter(fmt.Sprintf("connecting %d clients", capSelect))
			for i, c := range kept[:min(10, len(kept))] {
				s.echo(c, []byte("still served\n"), 0, fmt.Sprintf("by client %d, after %d clients connected (%d refused)", i+1, capSelect, refused))
			}
		})
	}
})

// atLimit is a server brought to its descriptor limit: the clients it
// serves, and those that wait unaccepted with a line sent.
type atLimit struct {
	held, waiting []*probe.Conn
	refused       int
	stopped       bool // it closed its listening socket on the way
	sent          map[*probe.Conn][]byte
}

func (a atLimit) String() string {
	if a.stopped {
		return fmt.Sprintf("with %s served, after the server stopped listening (connections refused) on the way to its limit of %d open files", clients(len(a.held)), capFiles)
	}
	if len(a.waiting) == 0 {
		return fmt.Sprintf("with %s served and none waiting (the server did not reach its limit)", clients(len(a.held)))
	}
	return fmt.Sprintf("with %s served and %d waiting at the limit of %d open files", clients(len(a.held)), len(a.waiting), capFiles)
}

// fillToLimit connects clients one at a time, each sending a line, until
// one is not served within the quiet period (the server cannot accept:
// it is at its limit), then capExtra more, which wait too. Clients that
// are refused (closed at once) are counted and dropped.
func (s *session) fillToLimit(ctx SpecContext) atLimit {
	GinkgoHelper()
	at := atLimit{sent: map[*probe.Conn][]byte{}}
	s.prepare(fmt.Sprintf("connecting clients one by one until the server, limited to %d open files, serves no more", capFiles), hintConnect, func() {
		for i := 0; i < capMax && len(at.waiting) <= capExtra; i++ {
			var c *probe.Conn
			err := s.ns.Do(func() (err error) { c, err = probe.Dial(ctx, s.addr, scaled(dialBase)); return })
			if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
				// It closed its listening socket: it stopped accepting for
				// good. What it still serves is CAP-1's; CAP-3 will find
				// that nobody new is served.
				at.stopped = true
				break
			}
			must(err, "client %d could not connect", i+1)
			s.conns = append(s.conns, c)
			if len(s.tg.Greeting) > 0 {
				if s.owed == nil {
					s.owed = map[*probe.Conn]bool{}
				}
				s.owed[c] = true
			}
			ping := []byte(fmt.Sprintf("client %d\n", i+1))
			if len(at.waiting) > 0 {
				must(c.Send(ping, scaled(stallBase)), "client %d sending while it waits", i+1)
				s.keepSent(c, ping)
				at.waiting, at.sent[c] = append(at.waiting, c), ping
				continue
			}
			served, closed, ex := s.tryServe(c, ping, scaled(quietBase))
			switch {
			case served:
				at.held = append(at.held, c)
			case closed:
				at.refused++
				s.hangUp(c, false)
			case len(ex.Got) == 0 && ex.Stalled > 0:
				at.waiting, at.sent[c] = append(at.waiting, c), ping
			default:
				fail("client %d got a wrong answer: %s\n%s", i+1, ex.Headline(), ex.Describe())
			}
		}
	})
	By(fmt.Sprintf("the server holds %d clients; %d wait, %d were refused; it stopped listening: %v", len(at.held), len(at.waiting), at.refused, at.stopped))
	return at
}

// tryServe sends ping on a client that has not been served yet and waits
// up to d for its greeting (if declared) and echo. It reports whether the
// client was served, or closed by the server at once (refused).
func (s *session) tryServe(c *probe.Conn, ping []byte, d time.Duration) (ok, closed bool, ex probe.Exchange) {
	GinkgoHelper()
	must(c.Send(ping, scaled(stallBase)), "sending a first line")
	s.keepSent(c, ping)
	want := append(append([]byte{}, s.tg.Greeting...), ping...)
	got, eof, stalled, err := c.ReadN(len(want), d)
	ex = probe.Exchange{Sent: want, Got: got, EOF: eof, Stalled: stalled, ReadErr: err, How: "(the greeting, if declared, then the line)"}
	switch {
	case string(got) == string(want):
		delete(s.owed, c)
		return true, false, ex
	case len(got) <= len(s.tg.Greeting) && (eof || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF)):
		return false, true, ex
	}
	return false, false, ex
}

func clients(n int) string {
	if n == 1 {
		return "1 client"
	}
	return fmt.Sprintf("%d clients", n)
}
