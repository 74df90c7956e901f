//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package check

// isTerminal reports false: progress is printed a line at a time.
func isTerminal(int) bool { return false }

func termWidth(int) int { return 80 }
