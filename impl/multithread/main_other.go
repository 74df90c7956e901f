//go:build !unix

// Command multithread needs blocking read(2)/write(2) on raw socket
// descriptors, which this platform does not offer in the same form.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Fprintf(os.Stderr, "multithread: not supported on %s\n", runtime.GOOS)
	os.Exit(2)
}
