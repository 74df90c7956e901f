package procfs

import (
	"net"
	"os"
	"os/exec"
	"slices"
	"testing"
)

func TestListens(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if !Listens(port) {
		t.Errorf("Listens(%d) = false while listening", port)
	}
	ln.Close()
	if Listens(port) {
		t.Errorf("Listens(%d) = true after closing the listener", port)
	}
}

func TestWithEnvAndComm(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	cmd.Env = append(os.Environ(), "ECHOSPEC_PROCFS_TEST=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if got := WithEnv("ECHOSPEC_PROCFS_TEST=1"); !slices.Contains(got, cmd.Process.Pid) {
		t.Errorf("WithEnv = %v, want the child %d in it", got, cmd.Process.Pid)
	}
	if got := WithEnv("ECHOSPEC_PROCFS_TEST=2"); len(got) != 0 {
		t.Errorf("WithEnv of an entry nobody has = %v", got)
	}
	if got := Comm(cmd.Process.Pid); got != "sleep" {
		t.Errorf("Comm(child) = %q, want sleep", got)
	}
}

func TestListenersAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	check := func(how string, socks []Socket, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", how, err)
		}
		for _, s := range socks {
			if s.LocalPort == port && s.Listening() {
				if got := s.LocalAddr.String(); got != "127.0.0.1" {
					t.Errorf("%s: listener on port %d has LocalAddr %s; want 127.0.0.1", how, port, got)
				}
				return
			}
		}
		t.Errorf("%s: no listener on port %d in %v", how, port, socks)
	}
	socks, err := Listeners()
	check("Listeners (sock_diag)", socks, err)
	socks, err = netTCP("/proc/thread-self")
	check("netTCP (/proc fallback)", socks, err)
}
