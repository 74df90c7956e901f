//go:build !unix

package main

import (
	"os"
	"os/exec"
)

// ownGroup leaves cmd as it is: without process groups the suite alone is
// stopped. The kit starts no servers here anyway (launch_windows.go).
func ownGroup(*exec.Cmd) {}

// signalGroup ends the process pgid: there is no SIGTERM to send here.
func signalGroup(pgid int, _ bool) error {
	p, err := os.FindProcess(pgid)
	if err != nil {
		return nil
	}
	return p.Kill()
}
