//go:build unix

package selector_test

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/impl/selector"
)

// BenchmarkSelect measures one Select call, per backend, with registered
// sockets of which ready have data waiting: the cost an event loop pays
// per turn before it does any I/O. With many registered and one ready,
// epoll stays flat while poll and select pay for every registration.
//
//	go test -bench Select ./impl/selector
func BenchmarkSelect(b *testing.B) {
	for _, backend := range selector.Backends() {
		for _, c := range []struct{ registered, ready int }{{1, 1}, {256, 1}, {256, 256}} {
			b.Run(fmt.Sprintf("%s/registered=%d/ready=%d", backend, c.registered, c.ready), func(b *testing.B) {
				s, err := selector.Open(backend)
				if errors.Is(err, selector.ErrUnavailable) {
					b.Skip(err)
				}
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = s.Close() })
				for i := range c.registered {
					fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
					if err != nil {
						b.Fatal(os.NewSyscallError("socketpair", err))
					}
					b.Cleanup(func() { _ = unix.Close(fds[0]); _ = unix.Close(fds[1]) })
					if _, err := s.Register(fds[0], selector.Read, nil); err != nil {
						b.Fatal(err)
					}
					// Level-triggered: a byte never read keeps its socket
					// ready on every Select.
					if i < c.ready {
						if _, err := unix.Write(fds[1], []byte{1}); err != nil {
							b.Fatal(err)
						}
					}
				}
				for b.Loop() {
					ready, err := s.Select(0)
					if err != nil {
						b.Fatal(err)
					}
					if len(ready) != c.ready {
						b.Fatalf("Select(0) returned %d ready descriptors; want %d", len(ready), c.ready)
					}
				}
			})
		}
	}
}
