package check

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// stopWithGoRun has check sent SIGTERM when the process that started it
// ends, if that is `go run`: go run does not pass its signals on, so an
// IDE's stop button or timeout would end go run and leave check (and
// check --watch) running on its own.
func stopWithGoRun() {
	ppid := os.Getppid()
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", ppid))
	if err != nil || strings.TrimSpace(string(comm)) != "go" {
		return
	}
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGTERM), 0, 0, 0)
	if os.Getppid() != ppid { // it ended before the prctl
		_ = unix.Kill(os.Getpid(), unix.SIGTERM)
	}
}
