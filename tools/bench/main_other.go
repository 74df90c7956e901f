//go:build !linux

// Command bench measures the reference servers; it needs Linux (taskset,
// /proc, epoll), so elsewhere it only says so.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Fprintf(os.Stderr, "bench: needs Linux (taskset, /proc and epoll); this is %s\n", runtime.GOOS)
	os.Exit(2)
}
