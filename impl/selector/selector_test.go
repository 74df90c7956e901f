//go:build unix

package selector_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/impl/selector"
)

// eachBackend runs f as a subtest for every backend of this platform, with a
// fresh Selector that is closed when the subtest ends.
func eachBackend(t *testing.T, f func(t *testing.T, s selector.Selector)) {
	t.Helper()
	names := selector.Backends()
	if len(names) == 0 {
		t.Fatal("Backends() is empty on a Unix system")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			s, err := selector.Open(name)
			skipUnavailable(t, err)
			if err != nil {
				t.Fatalf("Open(%q) = %v", name, err)
			}
			if got := s.Backend(); got != name {
				t.Errorf("Open(%q).Backend() = %q", name, got)
			}
			t.Cleanup(func() { _ = s.Close() })
			f(t, s)
		})
	}
}

// skipUnavailable skips a backend this system refuses (io_uring where it
// is missing or disabled), saying why.
func skipUnavailable(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, selector.ErrUnavailable) {
		t.Skip(err)
	}
}

// pair is two connected non-blocking sockets. Each end still open (>= 0)
// is closed when the test ends; close one early with shut.
type pair struct{ a, b int }

func (p *pair) shut(t *testing.T, fd *int) {
	t.Helper()
	if err := unix.Close(*fd); err != nil {
		t.Fatalf("close(%d) = %v", *fd, err)
	}
	*fd = -1
}

func track(t *testing.T, p *pair) *pair {
	t.Cleanup(func() {
		for _, fd := range []int{p.a, p.b} {
			if fd >= 0 {
				_ = unix.Close(fd)
			}
		}
	})
	for _, fd := range []int{p.a, p.b} {
		if err := unix.SetNonblock(fd, true); err != nil {
			t.Fatalf("set non-blocking: %v", err)
		}
	}
	return p
}

// socketPair returns a connected pair of Unix stream sockets, where a
// write on one end is readable on the other by the time write returns.
func socketPair(t *testing.T) *pair {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	return track(t, &pair{fds[0], fds[1]})
}

// listenTCP returns a blocking listening socket on 127.0.0.1 and its port.
func listenTCP(t *testing.T) (int, int) {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatalf("socket: %v", err)
	}
	t.Cleanup(func() { _ = unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("bind: %v", err)
	}
	if err := unix.Listen(fd, 16); err != nil {
		t.Fatalf("listen: %v", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatalf("getsockname: %v", err)
	}
	return fd, sa.(*unix.SockaddrInet4).Port
}

// dialTCP connects a new blocking socket to 127.0.0.1:port.
func dialTCP(t *testing.T, port int) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatalf("socket: %v", err)
	}
	if err := unix.Connect(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: port}); err != nil {
		_ = unix.Close(fd)
		t.Fatalf("connect: %v", err)
	}
	return fd
}

// tcpPair returns a loopback TCP connection: a is the accepted end, b the
// client.
func tcpPair(t *testing.T) *pair {
	t.Helper()
	lfd, port := listenTCP(t)
	b := dialTCP(t, port)
	a, _, err := unix.Accept(lfd)
	if err != nil {
		_ = unix.Close(b)
		t.Fatalf("accept: %v", err)
	}
	return track(t, &pair{a, b})
}

// mustSelect calls Select and fails the test on an error.
func mustSelect(t *testing.T, s selector.Selector, timeout time.Duration) []selector.Ready {
	t.Helper()
	ready, err := s.Select(timeout)
	if err != nil {
		t.Fatalf("Select(%v) = %v", timeout, err)
	}
	return ready
}

// eventsFor returns the events reported for fd, failing on duplicates.
func eventsFor(t *testing.T, ready []selector.Ready, fd int) selector.Events {
	t.Helper()
	var ev selector.Events
	n := 0
	for _, r := range ready {
		if r.Key.FD == fd {
			ev = r.Events
			n++
		}
	}
	if n > 1 {
		t.Fatalf("Select reported fd %d %d times; want once: %v", fd, n, ready)
	}
	return ev
}

func mustWrite(t *testing.T, fd int, p []byte) {
	t.Helper()
	if n, err := unix.Write(fd, p); err != nil || n != len(p) {
		t.Fatalf("write(%d, %d bytes) = %d, %v", fd, len(p), n, err)
	}
}

// raiseFDLimit makes sure the process may open n descriptors.
func raiseFDLimit(t *testing.T, n uint64) {
	t.Helper()
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		t.Skipf("getrlimit: %v", err)
	}
	if uint64(rl.Cur) >= n {
		return
	}
	rl.Cur = rl.Max
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &rl); err != nil || uint64(rl.Max) < n {
		t.Skipf("need %d descriptors; RLIMIT_NOFILE is %d/%d (%v)", n, rl.Cur, rl.Max, err)
	}
}

func TestBackends(t *testing.T) {
	s, err := selector.New()
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	defer s.Close()
	if got, want := s.Backend(), selector.Backends()[0]; got != want {
		t.Errorf("New().Backend() = %q; want %q, the first of Backends()", got, want)
	}
	if _, err := selector.Open("nope"); err == nil {
		t.Error(`Open("nope") = nil error; want an error`)
	}
}

// SEL-7: misuse is an error, not a panic.
func TestRegisterErrors(t *testing.T) {
	eachBackend(t, func(t *testing.T, s selector.Selector) {
		p := socketPair(t)
		checks := []struct {
			what string
			err  error
			want error
		}{
			{"Register(-1)", second(s.Register(-1, selector.Read, nil)), selector.ErrBadFD},
			{"Register(no events)", second(s.Register(p.a, 0, nil)), selector.ErrNoEvents},
			{"Register(events 4)", second(s.Register(p.a, 4, nil)), selector.ErrBadEvents},
			{"Register(a)", second(s.Register(p.a, selector.Read, nil)), nil},
			{"Register(a) again", second(s.Register(p.a, selector.Write, nil)), selector.ErrRegistered},
			{"Modify(a, no events)", second(s.Modify(p.a, 0, nil)), selector.ErrNoEvents},
			{"Modify(a, events 8)", second(s.Modify(p.a, 8, nil)), selector.ErrBadEvents},
			{"Modify(unknown b)", second(s.Modify(p.b, selector.Read, nil)), selector.ErrNotRegistered},
			{"Unregister(unknown b)", second(s.Unregister(p.b)), selector.ErrNotRegistered},
			{"Key(unknown b)", second(s.Key(p.b)), selector.ErrNotRegistered},
			{"Unregister(a)", second(s.Unregister(p.a)), nil},
			{"Unregister(a) again", second(s.Unregister(p.a)), selector.ErrNotRegistered},
		}
		for _, c := range checks {
			if !errors.Is(c.err, c.want) {
				t.Errorf("%s = %v; want %v", c.what, c.err, c.want)
			}
			if c.err != nil && !strings.HasPrefix(c.err.Error(), "selector: ") {
				t.Errorf("%s: error %q lacks the \"selector: \" prefix", c.what, c.err)
			}
		}
		if n := s.Len(); n != 0 {
			t.Errorf("Len() = %d after the only registration was removed; want 0", n)
		}
	})
}

func second[T any](_ T, err error) error { return err }

// SEL-6: data comes back with every event; Modify changes events and data.
func TestDataRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, s selector.Selector) {
		p := socketPair(t)
		if _, err := s.Register(p.a, selector.Write, "first"); err != nil {
			t.Fatal(err)
		}
		ready := mustSelect(t, s, 0)
		if len(ready) != 1 || ready[0].Key.Data != "first" || ready[0].Events != selector.Write {
			t.Fatalf("Select(0) = %v; want one Write with data \"first\"", ready)
		}
		if _, err := s.Modify(p.a, selector.Write, "second"); err != nil {
			t.Fatal(err)
		}
		if ready := mustSelect(t, s, 0); len(ready) != 1 || ready[0].Key.Data != "second" {
			t.Fatalf("after a data-only Modify, Select(0) = %v; want data \"second\"", ready)
		}
		if _, err := s.Modify(p.a, selector.Read, 42); err != nil {
			t.Fatal(err)
		}
		if ready := mustSelect(t, s, 0); len(ready) != 0 {
			t.Fatalf("after Modify to Read with nothing to read, Select(0) = %v; want nothing", ready)
		}
		mustWrite(t, p.b, []byte("x"))
		ready = mustSelect(t, s, time.Second)
		if len(ready) != 1 || ready[0].Key.Data != 42 || ready[0].Events != selector.Read {
			t.Fatalf("Select = %v; want one Read with data 42", ready)
		}
		k, err := s.Key(p.a)
		if err != nil || k.Events != selector.Read || k.Data != 42 || k.FD != p.a {
			t.Errorf("Key(%d) = %+v, %v; want Read with data 42", p.a, k, err)
		}
		if n := s.Len(); n != 1 {
			t.Errorf("Len() = %d; want 1", n)
		}
	})
}

// SEL-1: level-triggered writability.
func TestWritableEverySelect(t *testing.T) {
	eachBackend(t, func(t *testing.T, s selector.Selector) {
		p := tcpPair(t)
		if _, err := s.Register(p.a, selector.Read|selector.Write, nil); err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			if ev := eventsFor(t, mustSelect(t, s, 0), p.a); ev != selector.Write {
				t.Fatalf("Select(0) #%d reported %v for an idle socket; want Write", i+1, ev)
			}
		}
	})
}

// SEL-2: write-readiness stops when the send buffer is full and returns once
// the peer drains it.
func TestWritableFollowsSendBuffer(t *testing.T) {
	eachBackend(t, func(t *testing.T, s selector.Selector) {
		p := socketPair(t)
		if _, err := s.Register(p.a, selector.Write, nil); err != nil {
			t.Fatal(err)
		}
		chunk := make([]byte, 64<<10)
		total := 0
		for {
			n, err := unix.Write(p.a, chunk)
			if err == unix.EAGAIN {
				break
			}
			if err != nil {
				t.Fatalf("write: %v", err)
			}
			total += n
		}
		if ev := eventsFor(t, mustSelect(t, s, 0), p.a); ev != 0 {
			t.Fatalf("after %d bytes filled the send buffer, Select(0) reported %v; want nothing", total, ev)
		}
		for drained := 0; drained < total; {
			n, err := unix.Read(p.b, chunk)
			if err != nil {
				t.Fatalf("read after %d of %d bytes: %v", drained, total, err)
			}
			drained += n
		}
		if ev := eventsFor(t, mustSelect(t, s, time.Second), p.a); ev != selector.Write {
			t.Fatalf("after the peer drained %d bytes, Select reported %v; want Write", total, ev)
		}
	})
}

// SEL-3: read-readiness appears with data and persists until it is consumed.
func TestReadablePersists(t *testing.T) {
	eachBackend(t, func(t *testing.T, s selector.Selector) {
		p := tcpPair(t)
		if _, err := s.Register(p.a, selector.Read, nil); err != nil {
			t.Fatal(err)
		}
		if ready := mustSelect(t, s, 0); len(ready) != 0 {
			t.Fatalf("Select(0) with nothing sent = %v; want nothing", ready)
		}
		mustWrite(t, p.b, []byte("hello"))
		if ev := eventsFor(t, mustSelect(t, s, time.Second), p.a); ev != selector.Read {
			t.Fatalf("after the peer sent 5 bytes, Select reported %v; want Read", ev)
		}
		buf := make([]byte, 2)
		for i := range 3 {
			if ev := eventsFor(t, mustSelect(t, s, 0), p.a); ev != selector.Read {
				t.Fatalf("Select(0) #%d with unread data reported %v; want Read", i+1, ev)
			}
			if i == 1 {
				if n, err := unix.Read(p.a, buf); n != 2 || err != nil {
					t.Fatalf("read = %d, %v", n, err)
				}
			}
		}
		if n, err := unix.Read(p.a, make([]byte, 16)); n != 3 || err != nil {
			t.Fatalf("read of the rest = %d, %v; want 3 bytes", n, err)
		}
		if ready := mustSelect(t, s, 0); len(ready) != 0 {
			t.Fatalf("Select(0) after all data was read = %v; want nothing", ready)
		}
	})
}

// SEL-4 and SEL-12: a peer's close or reset is readable; the flags that come
// with it are logged.
func TestPeerCloseReadable(t *testing.T) {
	eachBackend(t, func(t *testing.T, s selector.Selector) {
		p := tcpPair(t)
		if _, err := s.Register(p.a, selector.Read, nil); err != nil {
			t.Fatal(err)
		}
		p.shut(t, &p.b)
		if ev := eventsFor(t, mustSelect(t, s, time.Second), p.a); ev != selector.Read {
			t.Fatalf("after the peer closed, Select reported %v; want Read", ev)
		}
		if n, err := unix.Read(p.a, make([]byte, 16)); n != 0 || err != nil {
			t.Fatalf("read after the peer closed = %d, %v; want 0, nil", n, err)
		}
		if _, err := s.Modify(p.a, selector.Read|selector.Write, nil); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: peer FIN, registered Read|Write: %v", s.Backend(), eventsFor(t, mustSelect(t, s, 0), p.a))

		r := tcpPair(t)
		if _, err := s.Register(r.a, selector.Read|selector.Write, nil); err != nil {
			t.Fatal(err)
		}
		// SO_LINGER {on, 0 s} makes close send RST instead of FIN.
		if err := unix.SetsockoptLinger(r.b, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1}); err != nil {
			t.Fatal(err)
		}
		r.shut(t, &r.b)
		ev := eventsFor(t, mustSelect(t, s, time.Second), r.a)
		if ev&selector.Read == 0 {
			t.Fatalf("after the peer reset, Select reported %v; want Read", ev)
		}
		_, err := unix.Read(r.a, make([]byte, 16))
		t.Logf("%s: peer RST, registered Read|Write: %v; read: %v", s.Backend(), ev, err)
	})
}

// SEL-5: a listening socket is readable while a connection waits.
func TestListenerReadable(t *testing.T) {
	eachBackend(t, func(t *testing.T, s selector.Selector) {
		lfd, port := listenTCP(t)
		if _, err := s.Register(lfd, selector.Read, "listener"); err != nil {
			t.Fatal(err)
		}
		if ready := mustSelect(t, s, 0); len(ready) != 0 {
			t.Fatalf("Select(0) with no client = %v; want nothing", ready)
		}
		c := dialTCP(t, port)
		defer unix.Close(c)
		if ev := eventsFor(t, mustSelect(t, s, time.Second), lfd); ev != selector.Read {
			t.Fatalf("with a connection waiting, Select reported %v for the listener; want Read", ev)
		}
		nfd, _, err := unix.Accept(lfd)
		if err != nil {
			t.Fatalf("accept after Read was reported: %v", err)
		}
		unix.Close(nfd)
		if ready := mustSelect(t, s, 0); len(ready) != 0 {
			t.Fatalf("Select(0) after accepting = %v; want nothing", ready)
		}
	})
}

// SEL-8: zero polls, positive waits, negative blocks until ready.
func TestTimeouts(t *testing.T) {
	eachBackend(t, func(t *testing.T, s selector.Selector) {
		p := socketPair(t)
		if _, err := s.Register(p.a, selector.Read, nil); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		ready := mustSelect(t, s, 0)
		if d := time.Since(start); len(ready) != 0 || d > 100*time.Millisecond {
			t.Errorf("Select(0) = %v after %v; want nothing, at once", ready, d)
		}
		start = time.Now()
		ready = mustSelect(t, s, 50*time.Millisecond)
		if d := time.Since(start); len(ready) != 0 || d < 50*time.Millisecond || d > 2*time.Second {
			t.Errorf("Select(50ms) = %v after %v; want nothing after 50ms", ready, d)
		}
		// The write is what Select(-1) waits for; the delay only makes it
		// likely that Select is already blocked when it happens.
		timer := time.AfterFunc(20*time.Millisecond, func() { _, _ = unix.Write(p.b, []byte("x")) })
		defer timer.Stop()
		if ev := eventsFor(t, mustSelect(t, s, -1), p.a); ev != selector.Read {
			t.Errorf("Select(-1) reported %v; want Read once the peer wrote", ev)
		}
	})
}

// openFDs counts this process's descriptors, or returns -1 if it cannot.
func openFDs() int {
	ents, err := os.ReadDir("/dev/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// SEL-9: Close releases the kernel object; every later call is ErrClosed.
func TestClose(t *testing.T) {
	for _, name := range selector.Backends() {
		t.Run(name, func(t *testing.T) {
			before := openFDs()
			s, err := selector.Open(name)
			skipUnavailable(t, err)
			if err != nil {
				t.Fatal(err)
			}
			p := socketPair(t)
			if _, err := s.Register(p.a, selector.Read, nil); err != nil {
				t.Fatal(err)
			}
			during := openFDs() - 2 // the socket pair
			if err := s.Close(); err != nil {
				t.Fatalf("Close() = %v", err)
			}
			if after := openFDs() - 2; after != before {
				t.Errorf("descriptors: %d before Open, %d while open, %d after Close; want %d after Close", before, during, after, before)
			}
			checks := []struct {
				what string
				err  error
			}{
				{"Register", second(s.Register(p.b, selector.Read, nil))},
				{"Modify", second(s.Modify(p.a, selector.Write, nil))},
				{"Unregister", second(s.Unregister(p.a))},
				{"Select", second(s.Select(0))},
				{"Key", second(s.Key(p.a))},
				{"Close", s.Close()},
			}
			for _, c := range checks {
				if !errors.Is(c.err, selector.ErrClosed) {
					t.Errorf("%s after Close = %v; want ErrClosed", c.what, c.err)
				}
			}
			if n := s.Len(); n != 0 {
				t.Errorf("Len() after Close = %d; want 0", n)
			}
			if got := s.Backend(); got != name {
				t.Errorf("Backend() after Close = %q; want %q", got, name)
			}
		})
	}
}

// SEL-10: select refuses descriptors >= FD_SETSIZE; the others take them.
func TestFDLimit(t *testing.T) {
	raiseFDLimit(t, 1100)
	p := socketPair(t)
	high, err := unix.FcntlInt(uintptr(p.a), unix.F_DUPFD, 1024)
	if err != nil {
		t.Skipf("cannot duplicate a socket to fd >= 1024: %v", err)
	}
	defer unix.Close(high)
	eachBackend(t, func(t *testing.T, s selector.Selector) {
		_, err := s.Register(high, selector.Write, nil)
		if s.Backend() == "select" {
			if !errors.Is(err, selector.ErrFDLimit) {
				t.Fatalf("Register(fd %d) = %v; want ErrFDLimit", high, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Register(fd %d) = %v; want success", high, err)
		}
		if ev := eventsFor(t, mustSelect(t, s, 0), high); ev != selector.Write {
			t.Fatalf("Select(0) reported %v for fd %d; want Write", ev, high)
		}
	})
}

// SEL-11: with 1,000 registered sockets exactly the ready ones are reported.
func TestManySockets(t *testing.T) {
	const pairs = 500 // both ends registered: 1,000 sockets, all below FD_SETSIZE
	raiseFDLimit(t, 2*pairs+64)
	eachBackend(t, func(t *testing.T, s selector.Selector) {
		ps := make([]*pair, pairs)
		for i := range ps {
			ps[i] = socketPair(t)
			for _, fd := range []int{ps[i].a, ps[i].b} {
				if _, err := s.Register(fd, selector.Read, i); err != nil {
					t.Fatalf("Register(fd %d) #%d = %v", fd, i, err)
				}
			}
		}
		want := map[int]int{} // ready fd → pair index
		for i, p := range ps {
			if i%7 == 3 {
				mustWrite(t, p.b, []byte{byte(i)})
				want[p.a] = i
			}
		}
		ready := mustSelect(t, s, 0)
		seen := map[int]bool{}
		for _, r := range ready {
			i, ok := want[r.Key.FD]
			switch {
			case !ok:
				t.Errorf("fd %d reported %v; it has nothing to read", r.Key.FD, r.Events)
			case seen[r.Key.FD]:
				t.Errorf("fd %d reported twice", r.Key.FD)
			case r.Events != selector.Read || r.Key.Data != i:
				t.Errorf("fd %d reported %v with data %v; want Read with %d", r.Key.FD, r.Events, r.Key.Data, i)
			}
			seen[r.Key.FD] = true
		}
		if len(seen) != len(want) {
			t.Errorf("Select(0) reported %d descriptors; want the %d with data", len(seen), len(want))
		}
	})
}

// A data-only Modify must not reach the kernel; a Modify the kernel refuses
// unregisters the descriptor (bpo-30014).
func TestModifyClosedFD(t *testing.T) {
	eachBackend(t, func(t *testing.T, s selector.Selector) {
		p := socketPair(t)
		fd := p.a
		if _, err := s.Register(fd, selector.Read, "old"); err != nil {
			t.Fatal(err)
		}
		p.shut(t, &p.a)
		if _, err := s.Modify(fd, selector.Read, "new"); err != nil {
			t.Fatalf("data-only Modify of a closed fd = %v; want success (no kernel call)", err)
		}
		_, err := s.Modify(fd, selector.Read|selector.Write, nil)
		_, keyErr := s.Key(fd)
		switch {
		case err != nil && !errors.Is(keyErr, selector.ErrNotRegistered):
			t.Errorf("after a failed Modify (%v), Key(%d) = %v; want ErrNotRegistered", err, fd, keyErr)
		case err != nil:
			t.Logf("%s: Modify of a closed fd: %v (and unregistered)", s.Backend(), err)
		default:
			t.Logf("%s: Modify of a closed fd succeeds (no kernel call)", s.Backend())
			if _, err := s.Unregister(fd); err != nil {
				t.Errorf("Unregister(closed fd) = %v; want success", err)
			}
		}
	})
}

// SEL-12: a descriptor closed without Unregister. Backends differ; what
// must hold is that Unregister still succeeds and Select works afterwards.
func TestClosedWithoutUnregister(t *testing.T) {
	eachBackend(t, func(t *testing.T, s selector.Selector) {
		p := socketPair(t)
		q := socketPair(t)
		fd := p.a
		for _, f := range []int{fd, q.a} {
			if _, err := s.Register(f, selector.Read|selector.Write, nil); err != nil {
				t.Fatal(err)
			}
		}
		p.shut(t, &p.a)
		ready, err := s.Select(0)
		t.Logf("%s: Select(0) with fd %d closed but registered: closed fd %v, other fd %v, error %v",
			s.Backend(), fd, eventsFor(t, ready, fd), eventsFor(t, ready, q.a), err)
		if _, err := s.Unregister(fd); err != nil {
			t.Fatalf("Unregister(closed fd %d) = %v; want success", fd, err)
		}
		ready = mustSelect(t, s, 0)
		if ev := eventsFor(t, ready, q.a); ev != selector.Write || len(ready) != 1 {
			t.Fatalf("after Unregister, Select(0) = %v; want only Write on fd %d", ready, q.a)
		}
	})
}

func TestEventsString(t *testing.T) {
	for ev, want := range map[selector.Events]string{
		0: "0", selector.Read: "Read", selector.Write: "Write",
		selector.Read | selector.Write: "Read|Write", 4: "Events(0x4)",
	} {
		if got := ev.String(); got != want {
			t.Errorf("Events(%d).String() = %q; want %q", uint8(ev), got, want)
		}
	}
}
