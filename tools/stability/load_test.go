//go:build unix

package main

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary be a spinner, as the command is.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == spinArg {
		spinMain(os.Args[2:])
		return
	}
	os.Exit(m.Run())
}

func TestLoadIsOneGroupKilledAndReaped(t *testing.T) {
	l, err := startLoad(2, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	defer l.stop()
	time.Sleep(100 * time.Millisecond)
	if err := l.alive(); err != nil {
		t.Fatal(err)
	}
	for _, c := range l.procs {
		if pg, err := syscall.Getpgid(c.Process.Pid); err != nil || pg != l.pgid || pg == syscall.Getpgrp() {
			t.Errorf("spinner %d: group %d, %v; want %d, not ours (%d)", c.Process.Pid, pg, err, l.pgid, syscall.Getpgrp())
		}
	}
	procs := l.procs
	l.stop()
	for _, c := range procs {
		if c.ProcessState == nil || c.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Errorf("spinner %d: %v; want reaped after SIGKILL", c.Process.Pid, c.ProcessState)
		}
	}
}

func TestSpinnerEndsAtItsDeadline(t *testing.T) {
	l, err := startLoad(1, time.Now().Add(-time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer l.stop()
	for end := time.Now().Add(10 * time.Second); l.alive() == nil; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("a spinner past its deadline still runs")
		}
	}
}
