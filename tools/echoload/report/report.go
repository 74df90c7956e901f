// Package report is echoload's --json document: what it writes, and what
// tools/bench reads back.
package report

import (
	"github.com/echospec/echospec/tools/echoload/load"
	"github.com/echospec/echospec/tools/echoload/observe"
)

// Output is the --json document.
type Output struct {
	Tool        string          `json:"tool"`
	Addr        string          `json:"addr"`
	Conns       int             `json:"conns"`
	Depth       int             `json:"depth"`
	Rate        float64         `json:"rate"`
	DialSeconds float64         `json:"dial_seconds"`
	Verified    int64           `json:"verified_messages"`
	Phases      []Phase         `json:"phases"`
	ServerIdle  *observe.Sample `json:"server_idle,omitempty"` // before dialing
	ServerHeld  *observe.Sample `json:"server_held,omitempty"` // every connection open and idle, at the end
	ServerError string          `json:"server_error,omitempty"`
	Error       string          `json:"error,omitempty"`
}

// Phase is one size's results, with the server's share if observed.
type Phase struct {
	load.Result
	WindowSeconds    float64 `json:"window_seconds"`
	MsgsPerSec       float64 `json:"msgs_per_sec"`
	MBPerSec         float64 `json:"mb_per_sec"`
	ClientCPUSeconds float64 `json:"client_cpu_seconds"`
	// ClientRunnableSeconds is how long echoload's threads ran or waited
	// for a CPU in the window: the window's length if echoload never had
	// to wait for the server.
	ClientRunnableSeconds float64 `json:"client_runnable_seconds"`
	// ServerCPUSeconds is the server group's CPU time in the window, and
	// ServerRunnableSeconds its time running or waiting for a CPU: about
	// the window's length (per busy thread) when it never waited for work.
	ServerCPUSeconds      float64 `json:"server_cpu_seconds,omitempty"`
	ServerRunnableSeconds float64 `json:"server_runnable_seconds,omitempty"`
	// ServerLoop and ClientLoop are the busiest thread of each side over
	// the window. A side whose busiest thread blocked (Sleeps) far less
	// often than the other's is the one the other waited for.
	ServerLoop *observe.Thread `json:"server_loop,omitempty"`
	ClientLoop *observe.Thread `json:"client_loop,omitempty"`
	// Server is the group at the window's end, under load.
	Server *observe.Sample `json:"server,omitempty"`
}
