//go:build unix

package spec_test

import "syscall"

func closeOnExec(fd int) { syscall.CloseOnExec(fd) }
