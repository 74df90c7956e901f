//go:build unix && !aix && !linux && !freebsd

package main

import "syscall"

// sysProcAttr returns nil: this system has no parent-death signal, so a
// child outlives a parent killed on its own until its client leaves. A
// SIGTERM to the process group still ends them all.
func sysProcAttr() *syscall.SysProcAttr {
	return nil
}
