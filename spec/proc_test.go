package spec_test

import (
	"fmt"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/procfs"
	"github.com/echospec/echospec/target"
)

var _ = family("proc", func(tg *target.Target) {
	spec(tg, "PROC-1", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("a restart")
		c := s.dial(ctx)
		s.echo(c, []byte("before the crash\n"), 0, "before the kill")
		By("killing the server (SIGKILL to its group) with the connection open")
		Expect(s.signal(syscall.SIGKILL)).To(Succeed())
		Eventually(ctx, s.srv.GroupGone).WithTimeout(scaled(stallBase)).Should(BeTrue(), func() string {
			return "all of the server's processes ended after SIGKILL; still there: " + s.members()
		})
		By("reading EOF and closing, so the server's side of the connection enters TIME_WAIT")
		_, eof, _, _ := c.ReadToEOF(1<<20, scaled(stallBase))
		Expect(eof).To(BeTrue(), "the client sees EOF once the killed server's socket is closed by the kernel")
		Expect(c.Close()).To(Succeed())
		Eventually(ctx, func() (n int, err error) {
			err = s.ns.Do(func() (err error) { n, err = procfs.TimeWait(s.srv.Port); return })
			return
		}).WithTimeout(scaled(stallBase)).Should(BeNumerically(">", 0),
			"sockets in TIME_WAIT on port %d (the condition this property is about)", s.srv.Port)
		By(fmt.Sprintf("starting the server again on port %d at once", s.srv.Port))
		s.srv = s.start(ctx, s.srv.Port)
		s.echo(s.dial(ctx), []byte("after the restart\n"), 0, "after the restart")
	})

	spec(tg, "PROC-2", defaultSpec, func(ctx SpecContext, s *session) {
		s.local("that every process ends")
		c := s.dial(ctx)
		s.echo(c, []byte("hello\n"), 0, "before SIGTERM")
		limit := scaled(3 * time.Second)
		By("sending SIGTERM to the server's process group")
		Expect(s.signal(syscall.SIGTERM)).To(Succeed())
		Eventually(ctx, s.srv.GroupGone).WithTimeout(limit).Should(BeTrue(), func() string {
			return fmt.Sprintf("every process of the server ended within %v of SIGTERM; still there: %s", limit, s.members())
		})
	})
})

// members lists the server's remaining processes, for a failure message.
func (s *session) members() string {
	ps, err := procfs.Group(s.srv.PID)
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("pid %d %q state %s", p.PID, p.Comm, p.State))
	}
	if st := s.srv.DescribeStrays(); st != "" {
		out = append(out, "outside its process group (it called setsid): "+st)
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}
