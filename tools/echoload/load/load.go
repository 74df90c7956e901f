// Package load is echoload's engine: it opens N connections to a TCP echo
// server on this machine, keeps a pipeline of messages in flight on each,
// checks every byte that comes back, and measures throughput and latency.
//
// The engine is one event loop on one thread (epoll, edge-triggered,
// non-blocking sockets, system calls made past the Go scheduler: see
// sys_linux.go), so the client costs about what the leanest server costs
// per message: a send, a recv and a share of one epoll_wait. A client with
// a goroutine or a thread per connection would pay more per message than
// the event-loop servers it measures, and would measure itself.
//
// Every connection sends its own deterministic byte stream (a window
// sliding over one random pattern, at an offset unique to the connection),
// so a lost, duplicated, reordered, corrupted or misrouted byte shows up
// as a difference at a known offset of a known message, and is reported
// as a *MismatchError.
//
// A run measures one or more message sizes in turn on the same connections.
// Each size is a phase: an optional warm-up that is not recorded, a window
// that is (ended by its duration or its message count, whichever comes
// first), and a drain that waits for the messages still in flight.
package load

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"time"
)

// Limits on a run. They bound the engine's memory and the harm a typo can
// do, and are far beyond what a 2-core machine can use.
const (
	MaxConns    = 20000
	MaxSize     = 16 << 20
	MaxDepth    = 1024
	MaxDuration = time.Hour
	// MaxInFlight bounds Size × Depth, the bytes one connection may have
	// written and not yet had back.
	MaxInFlight = 64 << 20
)

// Config describes one run.
type Config struct {
	// Addr is the server's address, host:port. The host must be a loopback
	// IP address (127.0.0.0/8 or ::1) or "localhost": echoload is a tool
	// for servers on this machine.
	Addr string
	// Conns is the number of connections, all open for the whole run.
	Conns int
	// Sizes are the message sizes in bytes, one phase each, in order.
	Sizes []int
	// Depth is how many messages each connection keeps in flight (1 is
	// ping-pong; more is pipelining).
	Depth int
	// Duration bounds each phase's measured window. It always applies,
	// even when Messages is set.
	Duration time.Duration
	// Messages, if positive, ends each phase's window after this many
	// messages, shared out evenly over the connections (connection i gets
	// Messages/Conns, plus one if i < Messages%Conns).
	Messages int64
	// Rate, if positive, is an open loop: messages are scheduled at this
	// total rate (per second, round-robin over the connections) whether or
	// not earlier ones have come back, and each message's latency counts
	// from when it was due, not from when it could be sent (so a stalled
	// server is not flattered: no coordinated omission). Zero is a closed
	// loop: each connection sends its next message as soon as one returns.
	Rate float64
	// Warmup runs before each window, unrecorded.
	Warmup time.Duration
	// DialTimeout bounds the opening of each connection.
	DialTimeout time.Duration
	// DrainTimeout bounds the wait for messages in flight after a window;
	// a message that has not come back by then is an error.
	DrainTimeout time.Duration
	// Seed picks the random pattern the byte streams are cut from.
	Seed uint64

	// Hooks, all optional, are called on the engine's thread: keep them
	// short, the connections are not served meanwhile.
	Hooks Hooks
}

// Hooks let a caller observe a run as it goes.
type Hooks struct {
	// Dialed is called once every connection is open, before any message.
	Dialed func()
	// WindowStart is called just before phase i's window opens.
	WindowStart func(phase int)
	// WindowEnd is called just after phase i's window closes, with its
	// messages possibly still in flight.
	WindowEnd func(phase int)
	// Progress is called about once a second during warm-ups and windows.
	Progress func(Progress)
	// Done is called after the last phase has drained, while every
	// connection is still open and idle.
	Done func()
}

// Progress is a snapshot of the phase under way.
type Progress struct {
	Phase    int
	Size     int
	Warmup   bool          // in the warm-up, not the window
	Elapsed  time.Duration // since the warm-up or window began
	Messages int64         // completed since then
	Rate     float64       // messages per second over the last interval
	P99      time.Duration // of the window so far (0 in the warm-up)
}

// Result is what one phase measured.
type Result struct {
	Size int `json:"size"`
	// Window is the measured time: from the first message issued in the
	// window to the last one counted.
	Window time.Duration `json:"-"`
	// Messages and Bytes completed (echoed in full and verified) in the
	// window. Bytes counts one direction: Messages × Size.
	Messages int64 `json:"messages"`
	Bytes    int64 `json:"bytes"`
	// Latency of the window's messages, from issue (or, with a Rate, from
	// when it was due) to the last byte of its echo.
	Latency Percentiles `json:"latency"`
	// ClientCPU is the CPU time echoload itself used in the window.
	ClientCPU time.Duration `json:"-"`
	// Stopped says why the window ended: "duration" or "messages".
	Stopped string `json:"stopped"`
}

// MsgsPerSec is the window's message rate.
func (r Result) MsgsPerSec() float64 { return perSecond(float64(r.Messages), r.Window) }

// MBPerSec is the window's echo rate in MB/s (10^6 bytes, one direction).
func (r Result) MBPerSec() float64 { return perSecond(float64(r.Bytes)/1e6, r.Window) }

func perSecond(x float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return x / d.Seconds()
}

// Report is the outcome of a whole run.
type Report struct {
	Conns int `json:"conns"`
	Depth int `json:"depth"`
	// Dial is how long opening every connection took.
	Dial time.Duration `json:"-"`
	// Verified counts every message echoed and checked, warm-ups and
	// drains included.
	Verified int64    `json:"verified_messages"`
	Phases   []Result `json:"phases"`
}

// Validate checks c and fills in defaults: Depth 1, Duration 10 s,
// DialTimeout 10 s, DrainTimeout 10 s. Its errors name the flag at fault as
// the echoload command spells it.
func (c *Config) Validate() error {
	if c.Depth == 0 {
		c.Depth = 1
	}
	if c.Duration == 0 {
		c.Duration = 10 * time.Second
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = 10 * time.Second
	}
	if c.DrainTimeout == 0 {
		c.DrainTimeout = 10 * time.Second
	}
	if _, err := LoopbackAddr(c.Addr); err != nil {
		return err
	}
	switch {
	case c.Conns < 1 || c.Conns > MaxConns:
		return fmt.Errorf("-c %d: want 1 to %d connections", c.Conns, MaxConns)
	case len(c.Sizes) == 0:
		return errors.New("-size: want at least one message size")
	case c.Depth < 1 || c.Depth > MaxDepth:
		return fmt.Errorf("-depth %d: want 1 to %d messages in flight per connection", c.Depth, MaxDepth)
	case c.Duration < 0 || c.Duration > MaxDuration:
		return fmt.Errorf("-d %v: want a duration above 0 and at most %v", c.Duration, MaxDuration)
	case c.Messages < 0:
		return fmt.Errorf("-n %d: want 0 (no count) or more", c.Messages)
	case c.Messages > 0 && c.Messages < int64(c.Conns):
		return fmt.Errorf("-n %d with -c %d: want at least one message per connection", c.Messages, c.Conns)
	case c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0):
		return fmt.Errorf("-rate %v: want 0 (closed loop) or a positive rate", c.Rate)
	case c.Warmup < 0 || c.Warmup > MaxDuration:
		return fmt.Errorf("-warmup %v: want 0 to %v", c.Warmup, MaxDuration)
	case c.DialTimeout < 0 || c.DrainTimeout < 0:
		return errors.New("timeouts must not be negative")
	}
	for _, s := range c.Sizes {
		switch {
		case s < 1 || s > MaxSize:
			return fmt.Errorf("-size %d: want 1 byte to %d MiB", s, MaxSize>>20)
		case s*c.Depth > MaxInFlight:
			return fmt.Errorf("-size %d × -depth %d = %d bytes in flight per connection: want at most %d MiB", s, c.Depth, s*c.Depth, MaxInFlight>>20)
		}
	}
	return nil
}

// LoopbackAddr parses host:port and insists on a loopback host, so that
// echoload cannot be pointed at another machine by mistake. "localhost"
// means 127.0.0.1; no other name is looked up.
func LoopbackAddr(addr string) (netip.AddrPort, error) {
	host, port, err := splitHostPort(addr)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("-addr %q: %v", addr, err)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("-addr %q: want an IP address or localhost, no names are looked up", addr)
	}
	if !ip.Unmap().IsLoopback() {
		return netip.AddrPort{}, fmt.Errorf("-addr %q: %v is not a loopback address; echoload only loads servers on this machine (127.0.0.0/8, ::1)", addr, ip)
	}
	if port == 0 {
		return netip.AddrPort{}, fmt.Errorf("-addr %q: want a port from 1 to 65535", addr)
	}
	return netip.AddrPortFrom(ip.Unmap(), port), nil
}

func splitHostPort(addr string) (string, uint16, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err == nil {
		return ap.Addr().String(), ap.Port(), nil
	}
	// Not an IP literal: maybe "localhost:PORT".
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			var port uint64
			for _, ch := range addr[i+1:] {
				if ch < '0' || ch > '9' || port > 65535 {
					return "", 0, errors.New("want host:port")
				}
				port = port*10 + uint64(ch-'0')
			}
			if i+1 == len(addr) || port > 65535 {
				return "", 0, errors.New("want host:port with a port from 1 to 65535")
			}
			return addr[:i], uint16(port), nil
		}
	}
	return "", 0, errors.New("want host:port")
}

// quota is connection i's share of n messages over conns connections.
func quota(n int64, conns, i int) int64 {
	q := n / int64(conns)
	if int64(i) < n%int64(conns) {
		q++
	}
	return q
}
