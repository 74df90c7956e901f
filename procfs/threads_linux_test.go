package procfs

import (
	"net"
	"os"
	"testing"
)

func TestParseSyscall(t *testing.T) {
	for in, want := range map[string]int{
		"281 0x6 0x372d18e3afa4 0x100 0xffffffffffffffff 0x0 0x0 0x7ffc 0x40950e\n": 281,
		"-1 0x7ffc 0x40950e\n": NotInSyscall,
		"running\n":            Running,
	} {
		if got, err := parseSyscall(in); err != nil || got != want {
			t.Errorf("parseSyscall(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestOwnProcess(t *testing.T) {
	ps, err := Group(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	_ = ps // the test binary may not lead its own group; reading must just work
	ts, err := Threads(os.Getpid())
	if err != nil || len(ts) == 0 {
		t.Fatalf("Threads(self) = %v, %v", ts, err)
	}
}

func TestReadNetTCPSeesOwnListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	socks, err := Sockets()
	if err != nil {
		t.Fatal(err)
	}
	inodes, err := SocketInodes(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range socks {
		if s.Listening() && s.LocalPort == port && inodes[s.Inode] {
			return
		}
	}
	t.Fatalf("no listening socket on port %d held by this process among %d sockets", port, len(socks))
}
