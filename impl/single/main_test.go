package main

import (
	"testing"

	"github.com/echospec/echospec/impl/servertest"
)

// TestEcho runs the checks every echo server must pass. They use one client
// at a time, which is all this server serves.
func TestEcho(t *testing.T) {
	servertest.Run(t, servertest.Start(t, serve))
}
