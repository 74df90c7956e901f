//go:build !linux

package main

import (
	"errors"
	"io"
)

// isTerminal is false: the progress line is for Linux terminals.
func isTerminal(io.Writer) bool { return false }

func getpgid(int) (int, error) { return 0, errors.New("observing a server needs Linux") }
