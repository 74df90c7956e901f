//go:build !linux

package check

// stopWithGoRun does nothing: only Linux has a parent-death signal.
func stopWithGoRun() {}
