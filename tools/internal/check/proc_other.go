//go:build !unix

package check

import (
	"os"
	"os/exec"
)

// ownGroup leaves cmd as it is: there are no process groups here.
func ownGroup(*exec.Cmd) {}

// signalGroup ends process pgid: there is no SIGTERM to send here.
func signalGroup(pgid int, _ bool) error {
	p, err := os.FindProcess(pgid)
	if err != nil {
		return nil
	}
	return p.Kill()
}

var interrupts = []os.Signal{os.Interrupt}

// stoppedBy names Ctrl-C, the one signal here, and the status for it.
func stoppedBy(os.Signal) (string, int) { return "sig-int", 130 }
