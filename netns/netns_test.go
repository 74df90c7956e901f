package netns_test

import (
	"errors"
	"net"
	"testing"

	"github.com/echospec/echospec/netns"
)

// Two namespaces each hold a listener on the same fixed port, and a client
// made in each reaches its own.
func TestSamePortSideBySide(t *testing.T) {
	if err := netns.Available(); err != nil {
		t.Skipf("no network namespaces here: %v", err)
	}
	const addr = "127.0.0.1:9090"
	var nss []*netns.NS
	var lns []net.Listener
	for range 2 {
		ns, err := netns.New()
		if err != nil {
			t.Fatal(err)
		}
		defer ns.Close()
		var ln net.Listener
		if err := ns.Do(func() (err error) { ln, err = net.Listen("tcp", addr); return }); err != nil {
			t.Fatalf("listening on %s in namespace %d: %v", addr, ns.Inode(), err)
		}
		defer ln.Close()
		nss, lns = append(nss, ns), append(lns, ln)
	}
	if nss[0].Inode() == nss[1].Inode() {
		t.Fatalf("two New calls gave the same namespace %d", nss[0].Inode())
	}
	for i, ns := range nss {
		var c net.Conn
		if err := ns.Do(func() (err error) { c, err = net.Dial("tcp", addr); return }); err != nil {
			t.Fatalf("dialing in namespace %d: %v", i, err)
		}
		s, err := lns[i].Accept()
		if err != nil {
			t.Fatal(err)
		}
		if s.RemoteAddr().String() != c.LocalAddr().String() {
			t.Errorf("namespace %d: listener accepted %v, client is %v", i, s.RemoteAddr(), c.LocalAddr())
		}
		c.Close()
		s.Close()
	}
}

// Nothing outside the namespace is reachable: a listener in the kit's own
// network is not seen from inside.
func TestIsolatedFromHost(t *testing.T) {
	if err := netns.Available(); err != nil {
		t.Skipf("no network namespaces here: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ns, err := netns.New()
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	err = ns.Do(func() error {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err == nil {
			c.Close()
		}
		return err
	})
	if err == nil {
		t.Fatalf("a client in namespace %d reached the host's listener %v", ns.Inode(), ln.Addr())
	}
}

func TestNilIsTheHost(t *testing.T) {
	var ns *netns.NS
	called := false
	if err := ns.Do(func() error { called = true; return errors.New("x") }); err == nil || !called {
		t.Fatalf("nil NS: Do must call f and return its error; called=%v err=%v", called, err)
	}
}
