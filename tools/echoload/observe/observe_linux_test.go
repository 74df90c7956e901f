package observe

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestParsePss(t *testing.T) {
	in := []byte("55d0c0000000-7ffd1b1f2000 ---p 00000000 00:00 0    [rollup]\nRss:  2048 kB\nPss:  1234 kB\nPss_Dirty: 10 kB\n")
	if got, err := parsePss(in); err != nil || got != 1234<<10 {
		t.Fatalf("parsePss = %d, %v; want %d", got, err, 1234<<10)
	}
	if _, err := parsePss([]byte("Rss: 1 kB\n")); err == nil {
		t.Fatal("parsePss without a Pss line: no error")
	}
}

func TestOwnGroup(t *testing.T) {
	g, err := Open(unix.Getpgrp())
	if err != nil {
		t.Fatal(err)
	}
	s, err := g.Full()
	if err != nil {
		t.Fatal(err)
	}
	if s.Procs < 1 || s.Threads < 1 || s.PSS <= 0 || s.CPU <= 0 {
		t.Fatalf("Full() of our own group = %+v; want a process, a thread, some PSS and CPU", s)
	}
	if _, err := Open(1 << 30); err == nil {
		t.Fatal("Open of a group that does not exist: no error")
	}
}
