//go:build unix

package check

import (
	"os"
	"syscall"
)

// interrupts are the signals that stop check: Ctrl-C, an IDE's stop
// button or timeout's SIGTERM, and the SIGHUP of a terminal closed.
var interrupts = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// stoppedBy is how check names sig (a key of its catalogue), and the exit
// status a shell gives a command it ended: 128 + its number.
func stoppedBy(sig os.Signal) (string, int) {
	switch sig {
	case syscall.SIGTERM:
		return "sig-term", 128 + int(syscall.SIGTERM)
	case syscall.SIGHUP:
		return "sig-hup", 128 + int(syscall.SIGHUP)
	}
	return "sig-int", 128 + int(syscall.SIGINT)
}
