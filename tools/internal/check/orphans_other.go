//go:build !linux

package check

import "os/exec"

// becomeSubreaper does nothing: only Linux has child subreapers, so a
// killed suite's orphans go to init, which reaps them.
func becomeSubreaper() {}

// sweep does nothing; see becomeSubreaper.
func sweep() {}

// dieWithCheck does nothing: only Linux has a parent-death signal.
func dieWithCheck(*exec.Cmd) {}

// stopWithGoRun does nothing: only Linux has a parent-death signal.
func stopWithGoRun() {}
