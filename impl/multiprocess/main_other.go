//go:build !unix || aix

// Command multiprocess needs fork/exec with inherited socket descriptors and
// wait4(WNOHANG) on SIGCHLD, which this platform does not offer
// (golang.org/x/sys/unix has no WNOHANG for AIX).
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Fprintf(os.Stderr, "multiprocess: not supported on %s\n", runtime.GOOS)
	os.Exit(2)
}
