//go:build linux || freebsd

package main

import "syscall"

// sysProcAttr asks the kernel to send the child SIGTERM when its parent
// dies, so that killing only the parent ends every child too.
//
// Linux sends the signal when the parent *thread* that started the child
// exits, not the process. That is safe here because Go ends a thread only
// when a goroutine locked to it (runtime.LockOSThread) returns, and the
// parent never locks one. Setpgid stays false: children share the parent's
// process group, so a SIGTERM to the group reaches them too.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
