//go:build linux

package check

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGINT, SIGTERM and SIGHUP in the middle of a run, to check and to
// check --watch: each stops the run, names itself, exits 128 + its
// number, and leaves no process the test started (nor any of their
// descendants: each carries the test's token in its environment) and no
// file under the TMPDIR the test gave.
func TestSignalsLeaveNothing(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("needs python3: make deps")
	}
	check, _ := binaries(t) // the suite is in the cache from here on
	for _, c := range []struct {
		sig  syscall.Signal
		name string
	}{
		{syscall.SIGINT, "Ctrl-C (SIGINT)"},
		{syscall.SIGTERM, "SIGTERM"},
		{syscall.SIGHUP, "SIGHUP (the terminal was closed)"},
	} {
		for _, watch := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/watch=%v", c.sig, watch), func(t *testing.T) {
				tmp := t.TempDir()
				token := make([]byte, 8)
				_, _ = rand.Read(token)
				mark := "ECHOSPEC_SIGNAL_TEST=" + hex.EncodeToString(token)
				args := []string{"--lang", "en", "--only", "ECHO-1,IDLE-2", fixture("py-single")}
				if watch {
					args = append([]string{"--watch"}, args...)
				}
				cmd := exec.Command(check, args...)
				cmd.Env = append(os.Environ(), mark, "TMPDIR="+tmp)
				// Its own group, so that the signal is the test's alone.
				cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
				r, w, err := os.Pipe()
				must(t, err)
				cmd.Stdout, cmd.Stderr = w, w
				must(t, cmd.Start())
				w.Close()
				out := newScreen(r)
				done := make(chan struct{})
				var waitErr error
				go func() { waitErr = cmd.Wait(); close(done) }()
				t.Cleanup(func() {
					select {
					case <-done:
					default:
						_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
						<-done
					}
				})

				deadline := time.Now().Add(60 * time.Second)
				for len(marked(mark, "server.py")) == 0 {
					if time.Now().After(deadline) {
						t.Fatalf("no server started within 60s:\n%s", out.String())
					}
					select {
					case <-done:
						t.Fatalf("check exited (%v) before its server started:\n%s", waitErr, out.String())
					case <-time.After(20 * time.Millisecond): // polling /proc, which has no event to wait on
					}
				}
				must(t, cmd.Process.Signal(c.sig))
				select {
				case <-done:
				case <-time.After(60 * time.Second):
					t.Fatalf("check did not exit within 60s of %v:\n%s", c.sig, out.String())
				}
				out.drained(t, time.After(10*time.Second))
				code := cmd.ProcessState.ExitCode()
				if code != 128+int(c.sig) {
					t.Errorf("exit status %d (%v) after %v, want %d", code, waitErr, c.sig, 128+int(c.sig))
				}
				if want := "stopped by " + c.name + "; nothing is left running"; !strings.Contains(out.String(), want) {
					t.Errorf("no %q in:\n%s", want, out.String())
				}
				if left := marked(mark, ""); len(left) > 0 {
					t.Errorf("after %v these processes are still running: %s", c.sig, strings.Join(left, "; "))
				}
				entries, _ := os.ReadDir(tmp)
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				if len(names) > 0 {
					t.Errorf("after %v the TMPDIR holds %v", c.sig, names)
				}
			})
		}
	}
}

// An IDE's stop button or timeout sends SIGTERM to `go run`, which does
// not pass it on: check --watch still stops, with nothing left.
func TestSignalToGoRunStopsCheck(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("needs python3: make deps")
	}
	binaries(t) // the suite in the cache
	tmp := t.TempDir()
	token := make([]byte, 8)
	_, _ = rand.Read(token)
	mark := "ECHOSPEC_SIGNAL_TEST=" + hex.EncodeToString(token)
	cmd := exec.Command("go", "run", "../../check", "--watch", "--lang", "en", "--only", "ECHO-1,IDLE-2", fixture("py-single"))
	// go run's own build folder elsewhere: go run killed leaves it.
	cmd.Env = append(os.Environ(), mark, "TMPDIR="+tmp, "GOTMPDIR="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	r, w, err := os.Pipe()
	must(t, err)
	cmd.Stdout, cmd.Stderr = w, w
	must(t, cmd.Start())
	w.Close()
	out := newScreen(r)
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	deadline := time.Now().Add(90 * time.Second)
	for len(marked(mark, "server.py")) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no server started within 90s:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond) // polling /proc, which has no event to wait on
	}
	must(t, cmd.Process.Signal(syscall.SIGTERM))
	_ = cmd.Wait()
	out.drained(t, time.After(60*time.Second)) // check holds the pipe until it has stopped
	if want := "stopped by SIGTERM; nothing is left running"; !strings.Contains(out.String(), want) {
		t.Errorf("no %q in:\n%s", want, out.String())
	}
	if left := marked(mark, ""); len(left) > 0 {
		t.Errorf("after go run's SIGTERM these processes are still running: %s", strings.Join(left, "; "))
	}
	if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
		t.Errorf("after go run's SIGTERM the TMPDIR holds %d entries", len(entries))
	}
}
