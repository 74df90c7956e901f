//go:build !unix

package spec_test

func closeOnExec(int) {}
