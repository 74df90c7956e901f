package spec_test

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/procfs"
)

var _ = family("proc", func(tg *manifest.Target) {
	spec(tg, "PROC-1", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("a restart")
		port := s.srv.Port
		var c = s.dial(ctx)
		s.prepare("killing the server with a connection open, so its port is left in TIME_WAIT", hintState, func() {
			s.echo(c, []byte("before the crash\n"), 0, "before the kill")
			By("killing the server (SIGKILL to its group) with the connection open")
			must(s.signal(syscall.SIGKILL), "sending SIGKILL to the server's process group")
			await(ctx, scaled(stallBase), "every process of the server ending after SIGKILL", func() error {
				if !s.srv.GroupGone() {
					return fmt.Errorf("still there: %s", s.members())
				}
				return nil
			})
			By("reading until the kernel ends the killed server's side, then closing")
			// The kernel closes a killed server's sockets with a FIN, or with
			// a reset if the server set SO_LINGER {1, 0}: both are correct.
			_, eof, _, err := c.ReadToEOF(1<<20, scaled(stallBase))
			reset := errors.Is(err, syscall.ECONNRESET)
			if !eof && !reset {
				fail("the connection to the killed server did not end (no EOF, no reset): %v", err)
			}
			must(c.Close(), "closing the client")
			if reset {
				By("the connection ended with a reset (the server's SO_LINGER {1, 0}): no TIME_WAIT is left by it")
				return
			}
			await(ctx, scaled(stallBase), fmt.Sprintf("a socket in TIME_WAIT on port %d", port), func() error {
				var n int
				err := s.ns.Do(func() (err error) { n, err = procfs.TimeWait(port); return })
				if err != nil {
					return err
				}
				if n == 0 {
					return fmt.Errorf("none yet")
				}
				return nil
			})
		})
		By(fmt.Sprintf("starting the server again on port %d at once", port))
		s.srv.Stop(0)
		s.srv = s.start(ctx, port, s.limits)
		s.signalled = false // the new server's end is news again
		s.echo(s.dialNext(ctx), []byte("after the restart\n"), 0, "after the restart")
	})

	spec(tg, "PROC-2", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("that every process ends")
		c := s.dial(ctx)
		s.prepare("echoing once before the signal", hintConnect, func() {
			s.echo(c, []byte("hello\n"), 0, "before SIGTERM")
		})
		limit := scaled(3 * time.Second)
		By("sending SIGTERM to the server's process group")
		must(s.signal(syscall.SIGTERM), "sending SIGTERM to the server's process group")
		await(ctx, limit, fmt.Sprintf("every process of the server ending within %v of SIGTERM", limit), func() error {
			if !s.srv.GroupGone() {
				return fmt.Errorf("still there: %s", s.members())
			}
			return nil
		})
	})
})
