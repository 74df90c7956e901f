package spec_test

import (
	"fmt"
	"runtime"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/procfs"
)

// What the specs of several families see of the server's processes,
// through /proc: its process group, its descriptors, the baseline those
// return to.

// onLinux is the one check for a platform with /proc.
const onLinux = runtime.GOOS == "linux"

// group is a snapshot of the server's processes: its process group, and
// those that left it (setsid), found by the kit's run token and cgroup.
func (s *session) group() []procfs.Proc {
	GinkgoHelper()
	ps, err := procfs.Group(s.srv.PID)
	must(err, "listing the server's processes")
	return append(ps, procfs.Of(s.srv.Strays())...)
}

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
