//go:build !unix

package main

import (
	"os"
	"os/exec"
)

// Without process groups every spinner is its own. The kit starts no
// servers here anyway (launch_windows.go), so the bank cannot run.
var spinners []*exec.Cmd

func inGroup(cmd *exec.Cmd, _ int) { spinners = append(spinners, cmd) }

func killGroup(int) {
	for _, c := range spinners {
		if c.Process != nil {
			_ = c.Process.Kill()
		}
	}
	spinners = nil
}

func terminate(p *os.Process) error { return p.Kill() }
