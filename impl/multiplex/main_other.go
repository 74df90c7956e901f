//go:build !unix

package main

// The multiplex server is built on BSD sockets and Unix readiness calls
// (select, poll, epoll, kqueue); Windows has its own model (IOCP), which
// this reference does not cover.

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Fprintf(os.Stderr, "multiplex: not supported on %s\n", runtime.GOOS)
	os.Exit(2)
}
