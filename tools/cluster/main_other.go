//go:build !linux

package main

import (
	"fmt"
	"os"
)

// make cluster-test starts Slurm's daemons, which are Linux programs.
func main() {
	fmt.Fprintln(os.Stderr, "cluster-test: it runs a Slurm cluster on this machine, which needs Linux")
	os.Exit(2)
}
