package spec_test

import (
	"fmt"
	"math"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/probe"
)

var _ = family("reset", func(tg *manifest.Target) {
	spec(tg, "RESET-1", defaultSpec, func(ctx SpecContext, s *session) {
		var c *probe.Conn
		s.prepare("echoing once, so the server is serving this client", hintConnect, func() {
			c = s.dial(ctx)
			s.echo(c, []byte("about to abort\n"), 0, "before the abort")
		})
		By("aborting the idle connection with a reset (SO_LINGER {1, 0})")
		must(c.Abort(), "aborting the client")
		By("echoing for the next client")
		s.echo(s.dialNext(ctx), []byte("next client\n"), 0, "by the client after the reset")
	})

	spec(tg, "RESET-2", defaultSpec, func(ctx SpecContext, s *session) {
		var c *probe.Conn
		s.prepare("connecting a client with a 16 KiB receive buffer", hintConnect, func() { c = s.dialSmall(ctx, 16<<10) })
		needPending(c)
		By("sending 16 MiB without reading, through a 16 KiB receive buffer")
		payload := textBytes(16<<20, 22)
		go func() {
			defer GinkgoRecover()
			_ = c.Send(payload, scaled(stallBase)) // ends when the abort closes c, or on a stall
		}()
		s.prepare("waiting until the server's echo fills the client's receive queue", hintState, func() {
			await(ctx, scaled(stallBase), "echo waiting in the client's receive queue", func() error {
				if n, err := c.Pending(); err != nil || n == 0 {
					return fmt.Errorf("the server has not started echoing")
				}
				return nil
			})
		})
		By("aborting with a reset while the server is still writing")
		must(c.Abort(), "aborting the client")
		By("echoing for the next client, then closing it")
		next := s.dialNext(ctx)
		s.echo(next, []byte("next client\n"), 0, "by the client after the reset")
		s.hangUp(next, false) // a single-process server serves one client at a time
		s.resetAfterFIN(ctx)
	})

	spec(tg, "RESET-3", defaultSpec*2, func(ctx SpecContext, s *session) {
		base := -1
		if why := s.unseen(); why != "" {
			partly("that no descriptor leaked after the aborts", why)
		} else {
			base = s.baselineFDs(ctx)
		}
		By("connecting, echoing and aborting 200 clients in a row")
		for i := range 200 {
			c := s.dialNext(ctx)
			s.echo(c, []byte("x"), 0, fmt.Sprintf("by client %d of 200, after %d aborted", i+1, i))
			s.hangUp(c, true)
		}
		By("echoing for a new client, then aborting it too")
		c := s.dialNext(ctx)
		s.echo(c, []byte("still there?\n"), 0, "after 200 resets")
		// An abort, not a close: a server that leaks only on a clean close
		// is LIFE-2's to catch, not this property's.
		s.hangUp(c, true)
		if base >= 0 {
			By("waiting for the server's socket descriptors to return to the baseline")
			s.awaitFDs(ctx, base, "after 201 clients aborted")
		}
	})

	spec(tg, "RESET-4", defaultSpec, func(ctx SpecContext, s *session) {
		if capacity := s.capacity(); capacity < math.MaxInt {
			// A server that serves N at a time: keep it busy with N
			// clients, so the aborted ones surely wait unaccepted.
			var held []*probe.Conn
			s.prepare(fmt.Sprintf("connecting %d clients that keep the server busy", capacity), hintConnect, func() {
				held = s.connectEchoed(ctx, capacity)
			})
			By("connecting 4 clients that reset at once, while they wait in the backlog, unaccepted")
			for range 4 {
				s.dialAbort(ctx)
			}
			By("closing a busy client, so the server accepts the reset ones next")
			s.hangUp(held[0], false)
		} else {
			By("connecting 100 clients that each reset at once, before the server can accept them")
			for range 100 {
				s.dialAbort(ctx)
			}
		}
		By("echoing for the next client")
		s.echo(s.dialNext(ctx), []byte("after the resets before accept\n"), 0, "by the client after the resets before accept()")
	})
})

// dialAbort connects a client and resets the connection at once, before
// the server has had time to accept it or greet it.
func (s *session) dialAbort(ctx SpecContext) {
	GinkgoHelper()
	var c *probe.Conn
	s.setupStep("connecting a client that resets at once", hintConnect, func() {
		err := s.ns.Do(func() (err error) { c, err = probe.Dial(ctx, s.addr, scaled(dialBase)); return })
		must(err, "a client that was to reset at once could not connect")
	})
	must(c.Abort(), "resetting the client")
}

// resetAfterFIN is RESET-2's second part, the one that reaches SIGPIPE.
// A reset on an ESTABLISHED connection makes the server's next write fail
// with ECONNRESET, which raises no signal. A reset after the client's FIN
// has reached the server (its socket in CLOSE_WAIT, the echo still to
// write) makes it fail with EPIPE, which does: a C server that neither
// ignores SIGPIPE nor writes with MSG_NOSIGNAL dies there.
//
// A client sends 16 MiB, reading the echo only while the server takes no
// more data, until the server's kernel has acknowledged every byte. Then
// it tops up 64 KiB at a time (reading echo the same way) until data waits
// unread in the server's socket (its send buffer is full, so it cannot
// take more), shuts down its sending side, and aborts once the FIN is
// acknowledged. A server that stops taking data before that fails the
// spec's setup, not the property: the second part is never dropped in
// silence.
// Without /proc the kit cannot see the server's socket, and aborts after
// the first FIN.
func (s *session) resetAfterFIN(ctx SpecContext) {
	GinkgoHelper()
	c := s.dialSmall(ctx, 16<<10)
	if _, err := c.Unsent(); err != nil {
		partly("a reset after the client's FIN, which makes the server's next write fail with EPIPE (SIGPIPE in C)", fmt.Sprintf("the client cannot see what its kernel has not sent: %v (docs/platforms.md)", err))
		return
	}
	if why := s.unseen(); why != "" {
		partly("that the server's socket was full and in CLOSE_WAIT when the reset came, so that its next write failed with EPIPE", why)
	}
	s.prepare("bringing a second client to the state where a reset makes the server's next write fail with EPIPE", hintState, func() {
		s.fillThenFIN(ctx, c)
	})
	s.hangUp(c, true)
	By("echoing for the next client")
	s.echo(s.dialNext(ctx), []byte("after the reset that followed a FIN\n"), 0, "by the client after the reset that followed a FIN")
}

// fillThenFIN brings c to the state resetAfterFIN aborts in, as far as the
// server lets it: whatever happens, the caller then aborts c and checks
// that the server still serves.
func (s *session) fillThenFIN(ctx SpecContext, c *probe.Conn) {
	GinkgoHelper()
	const size = 16 << 20
	By("a second client sends 16 MiB, reading 1 MiB of echo whenever the server takes no more")
	read := 0
	if !s.deliver(ctx, c, textBytes(size, 23), &read) {
		fail("the server did not take the 16 MiB within %v (the client read %s of echo meanwhile)", scaled(finDeadline), probe.Size(read))
	}
	if _, seen := s.serverSide(c); seen {
		By("topping up 64 KiB at a time until data waits unread in the server's socket, reading 1 MiB of echo only when the server takes no more")
		// The top-up may not fit in what is left of the server's receive
		// window; the 1 MiB read then lets the server write, read on and
		// take the rest, and the next round looks again.
		blocked := false
		for range 256 {
			if blocked = s.serverBlocked(c); blocked {
				break
			}
			if !s.deliver(ctx, c, textBytes(64<<10, 24), &read) {
				fail("the server did not take a 64 KiB top-up within %v (the client read %s of echo meanwhile)", scaled(finDeadline), probe.Size(read))
			}
		}
		if !blocked {
			// A server that drops what it cannot send at once never
			// falls behind; ECHO-4 is the property that catches it.
			By(fmt.Sprintf("after 256 top-ups of 64 KiB the server's socket never held unread data while its send queue stood still (the client read %s of echo): going on to the FIN", probe.Size(read)))
		}
	}
	must(c.HalfClose(), "shutting down the second client's sending side")
	if !s.deliver(ctx, c, nil, nil) {
		fail("the server's kernel did not acknowledge the client's FIN within %v", scaled(finDeadline))
	}
	if sock, ok := s.serverSide(c); ok {
		By(fmt.Sprintf("the server's socket is in state %#x (CLOSE_WAIT is 0x8) with %s unread and %s unsent; the client read %s: aborting",
			sock.State, probe.Size(sock.RxQueue), probe.Size(sock.TxQueue), probe.Size(read)))
	} else {
		By(fmt.Sprintf("the server's kernel holds all 16 MiB and the FIN; the client read %s: aborting", probe.Size(read)))
	}
}

// deliver sends p on c and waits until the server's kernel has
// acknowledged all of it (and a FIN already sent). If read is not nil, it
// reads 1 MiB of echo whenever the server takes no more, adding to *read;
// otherwise it reads nothing. It reports false if that took longer than
// finDeadline.
func (s *session) deliver(ctx SpecContext, c *probe.Conn, p []byte, read *int) bool {
	GinkgoHelper()
	sent := make(chan error, 1)
	go func() {
		defer GinkgoRecover()
		sent <- c.Send(p, scaled(finDeadline))
	}()
	last, still, done := -1, 0, false
	deadline := time.Now().Add(scaled(finDeadline))
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !done || last != 0 {
		select {
		case err := <-sent:
			if err != nil {
				By(fmt.Sprintf("sending %s stopped: %v", probe.Size(len(p)), err))
				return false
			}
			done = true
		case <-tick.C:
		case <-ctx.Done():
			return false
		}
		n, err := c.Unsent()
		must(err, "reading the client's unacknowledged send queue")
		if n == last {
			still++
		} else {
			last, still = n, 0
		}
		if read != nil && n > 0 && still >= 5 {
			got, _, _, _ := c.ReadN(1<<20, scaled(stallBase))
			*read += len(got)
			still = 0
		}
		if time.Now().After(deadline) {
			By(fmt.Sprintf("the server did not take it within %v", scaled(finDeadline)))
			return false
		}
	}
	return true
}
