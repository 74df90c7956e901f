package main

import (
	"testing"

	"github.com/echospec/echospec/impl/servertest"
)

// TestEcho runs the checks every echo server must pass.
func TestEcho(t *testing.T) {
	servertest.Run(t, servertest.Start(t, serve))
}

func TestClientsAreServedConcurrently(t *testing.T) {
	addr := servertest.Start(t, serve)

	// An idle client and one that sends without reading are both still
	// connected while a third is served.
	idle := servertest.Dial(t, addr)
	servertest.RoundTrip(t, idle, "then silence\n")
	servertest.Stall(t, servertest.Dial(t, addr))
	servertest.RoundTrip(t, servertest.Dial(t, addr), "not kept waiting\n")
	servertest.RoundTrip(t, idle, "the idle one is still served\n")
}
