//go:build !unix

package check

import "os"

var interrupts = []os.Signal{os.Interrupt}

// stoppedBy names Ctrl-C, the one signal here, and the status for it.
func stoppedBy(os.Signal) (string, int) { return "sig-int", 130 }
