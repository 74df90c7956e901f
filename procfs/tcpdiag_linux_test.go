package procfs

import (
	"io"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/echospec/echospec/netns"
)

// TestDiagAgreesWithProc checks sock_diag against /proc/net/tcp on the
// same sockets: a listener on IPv4 and one on IPv6, a connection with
// bytes unread, and TIME_WAIT.
func TestDiagAgreesWithProc(t *testing.T) {
	if _, err := diagTCP(listenStates, 0, 0); err != nil {
		t.Skipf("sock_diag refused here (the kit falls back to /proc): %v", err)
	}
	ns, err := netns.New()
	if err != nil {
		t.Skipf("no network namespace to keep the comparison to our own sockets: %v", err)
	}
	defer ns.Close()
	err = ns.Do(func() error {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer ln.Close()
		port := ln.Addr().(*net.TCPAddr).Port
		ln6, err := net.Listen("tcp6", "[::1]:0")
		if err == nil {
			defer ln6.Close()
		}
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return err
		}
		sc, err := ln.Accept()
		if err != nil {
			return err
		}
		if _, err := c.Write(make([]byte, 1000)); err != nil {
			return err
		}
		// The server's end holds 1,000 bytes unread once they arrive.
		cport := c.LocalAddr().(*net.TCPAddr).Port
		waitFor(t, "1,000 bytes unread at the server's end", func() bool {
			s, ok, _ := Connection(port, cport)
			return ok && s.RxQueue == 1000
		})
		compare(t, "with a connection open")
		if s, ok, err := Connection(port, cport); err != nil || !ok || s.RxQueue != 1000 || !s.Established() {
			t.Errorf("Connection(%d, %d) = %+v, %v, %v; want established with 1,000 bytes unread", port, cport, s, ok, err)
		}
		if _, err := io.ReadFull(sc, make([]byte, 1000)); err != nil {
			return err
		}
		sc.Close() // the server closes first, with nothing unread: its end goes to TIME_WAIT
		c.Close()
		waitFor(t, "the server's end in TIME_WAIT", func() bool { n, _ := TimeWait(port); return n == 1 })
		if n, err := TimeWait(port); n != 1 || err != nil {
			t.Errorf("TimeWait(%d) = %d, %v; want 1", port, n, err)
		}
		compare(t, "after a close")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// compare fails t when sock_diag and /proc list different sockets.
func compare(t *testing.T, when string) {
	t.Helper()
	fromDiag, err := diagTCP(allStates, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	fromProc, err := netTCP("/proc/thread-self")
	if err != nil {
		t.Fatal(err)
	}
	order := func(a, b Socket) int {
		if a.LocalPort != b.LocalPort {
			return a.LocalPort - b.LocalPort
		}
		return a.RemotePort - b.RemotePort
	}
	slices.SortFunc(fromDiag, order)
	slices.SortFunc(fromProc, order)
	if !slices.Equal(fromDiag, fromProc) || len(fromDiag) < 3 {
		t.Errorf("%s: sock_diag lists\n  %+v\n/proc/net/tcp lists\n  %+v", when, fromDiag, fromProc)
	}
}

func TestListensInAnotherNamespace(t *testing.T) {
	ns, err := netns.New()
	if err != nil {
		t.Skipf("no network namespace: %v", err)
	}
	defer ns.Close()
	var ln net.Listener
	if err := ns.Do(func() (err error) { ln, err = net.Listen("tcp", "127.0.0.1:0"); return }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	// The listener is in ns, not in the kit's network: only a process in
	// ns would see it. This one sees its own namespace through Do.
	var inside bool
	if err := ns.Do(func() error { inside = Listens(port); return nil }); err != nil || !inside {
		t.Errorf("Listens(%d) in the namespace = false (%v); want the listener found", port, err)
	}
	if Listens(port) {
		t.Errorf("Listens(%d) = true in the kit's network for a listener in another namespace", port)
	}
}

// waitFor polls cond every millisecond until it holds, for at most 5 s.
// Loopback delivers within the sending call, so it seldom polls twice.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5 s for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
