package load

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVerifyDetectsCorruption(t *testing.T) {
	p := newPattern(1)
	const size = 64
	off := streamOffset(3)
	// Messages 0..9 of connection 3, as the server should echo them.
	echo := append([]byte(nil), p.chunk(off, 0, 10*size)...)
	if err := p.verify(3, off, 0, echo, size, 0, 0); err != nil {
		t.Fatalf("verify of a faithful echo = %v", err)
	}
	echo[7*size+5] ^= 0x01 // one bit of message 7, byte 5
	err := p.verify(3, off, 0, echo, size, 0, 0)
	var m *MismatchError
	if !errors.As(err, &m) {
		t.Fatalf("verify of a corrupted echo = %v; want a *MismatchError", err)
	}
	if m.Conn != 3 || m.Message != 7 || m.Offset != 5 || m.Stream != 7*size+5 {
		t.Errorf("mismatch at conn %d message %d offset %d stream %d; want 3, 7, 5, %d", m.Conn, m.Message, m.Offset, m.Stream, 7*size+5)
	}
	if m.Want[0] == m.Got[0] || m.Want[0]^m.Got[0] != 0x01 {
		t.Errorf("mismatch want %x got %x; want them to differ in bit 0", m.Want, m.Got)
	}
	if !strings.Contains(m.Error(), "message 7") {
		t.Errorf("Error() = %q; want it to name message 7", m.Error())
	}
}

// A server that echoes a message twice, or crosses two connections, sends
// bytes that are a valid part of some stream: they must still be caught.
func TestVerifyDetectsStaleAndCrossedEchoes(t *testing.T) {
	p := newPattern(1)
	const size = 64
	a, b := streamOffset(0), streamOffset(1)
	// Message 0 echoed again where message 1 belongs.
	if err := p.verify(0, a, size, p.chunk(a, 0, size), size, 0, 0); err == nil {
		t.Error("message 0 echoed in place of message 1: no mismatch")
	}
	// Connection 1's bytes on connection 0.
	if err := p.verify(0, a, 0, p.chunk(b, 0, size), size, 0, 0); err == nil {
		t.Error("connection 1's message on connection 0: no mismatch")
	}
	// The error numbers messages from the phase's base.
	got := append([]byte(nil), p.chunk(a, 1000, size)...)
	got[0] ^= 0xff
	var m *MismatchError
	if err := p.verify(0, a, 1000, got, size, 1000, 42); !errors.As(err, &m) || m.Message != 42 || m.Offset != 0 {
		t.Errorf("mismatch in the first message of a phase at base 1000, index 42 = %v; want message 42, offset 0", err)
	}
}

func TestChunkWrapsAroundThePattern(t *testing.T) {
	p := newPattern(7)
	// A chunk that runs past the period continues from the pattern's start.
	c := p.chunk(0, patternPeriod-10, 20)
	for i := range 20 {
		if want := p[(patternPeriod-10+i)%patternPeriod]; c[i] != want {
			t.Fatalf("chunk byte %d = %x; want %x", i, c[i], want)
		}
	}
}

func TestHistogramPercentiles(t *testing.T) {
	h := newHistogram()
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	p := h.percentiles()
	for _, c := range []struct {
		name      string
		got, want time.Duration
	}{
		{"p50", p.P50, 500 * time.Microsecond},
		{"p90", p.P90, 900 * time.Microsecond},
		{"p99", p.P99, 990 * time.Microsecond},
		{"p99.9", p.P999, 999 * time.Microsecond},
		{"max", p.Max, 1000 * time.Microsecond},
		{"mean", p.Mean, 500500 * time.Nanosecond},
	} {
		// Three significant digits: within 0.1%, and HDR reports the
		// highest value equivalent to the bucket.
		if d := c.got - c.want; d < -c.want/1000 || d > c.want/1000 {
			t.Errorf("%s = %v; want %v ± 0.1%%", c.name, c.got, c.want)
		}
	}
	if p.Count != 1000 {
		t.Errorf("Count = %d; want 1000", p.Count)
	}
	// Values outside the range are clamped, not lost.
	h.reset()
	h.record(0)
	h.record(2 * time.Hour)
	if p := h.percentiles(); p.Count != 2 || p.Max < time.Minute-time.Minute/1000 {
		t.Errorf("after recording 0 and 2h: %+v; want 2 values, max about 1m", p)
	}
	if p := newHistogram().percentiles(); p != (Percentiles{}) {
		t.Errorf("empty histogram: %+v; want zeros", p)
	}
}

func TestPercentilesJSONRoundTrip(t *testing.T) {
	p := Percentiles{Count: 3, P50: 71500 * time.Nanosecond, P90: time.Millisecond, P99: 2 * time.Millisecond, P999: 3 * time.Millisecond, Max: time.Second, Mean: 80 * time.Microsecond}
	b, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"p50_us":71.5`) {
		t.Errorf("MarshalJSON = %s; want p50_us 71.5", b)
	}
	var q Percentiles
	if err := q.UnmarshalJSON(b); err != nil || q != p {
		t.Errorf("round trip = %+v, %v; want %+v", q, err, p)
	}
}

func TestValidate(t *testing.T) {
	good := func() Config { return Config{Addr: "127.0.0.1:9090", Conns: 4, Sizes: []int{64}} }
	c := good()
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate(%+v) = %v", good(), err)
	}
	if c.Depth != 1 || c.Duration != 10*time.Second || c.DrainTimeout != 10*time.Second || c.DialTimeout != 10*time.Second {
		t.Errorf("defaults: %+v; want depth 1 and 10 s limits", c)
	}
	for _, tc := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Addr = "10.0.0.1:80" }, "not a loopback address"},
		{func(c *Config) { c.Addr = "example.com:80" }, "no names are looked up"},
		{func(c *Config) { c.Addr = "127.0.0.1" }, "host:port"},
		{func(c *Config) { c.Addr = "127.0.0.1:0" }, "port"},
		{func(c *Config) { c.Conns = 0 }, "-c 0"},
		{func(c *Config) { c.Conns = MaxConns + 1 }, "-c"},
		{func(c *Config) { c.Sizes = nil }, "-size"},
		{func(c *Config) { c.Sizes = []int{0} }, "-size 0"},
		{func(c *Config) { c.Depth = -1 }, "-depth -1"},
		{func(c *Config) { c.Sizes, c.Depth = []int{1 << 20}, 100 }, "in flight"},
		{func(c *Config) { c.Duration = -time.Second }, "-d"},
		{func(c *Config) { c.Messages = 3 }, "at least one message per connection"},
		{func(c *Config) { c.Messages = -1 }, "-n -1"},
		{func(c *Config) { c.Rate = -5 }, "-rate"},
		{func(c *Config) { c.Warmup = -time.Second }, "-warmup"},
	} {
		c := good()
		tc.change(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v; want an error containing %q", c, err, tc.want)
		}
	}
	for _, a := range []string{"localhost:9090", "[::1]:9090", "127.3.4.5:1"} {
		if _, err := LoopbackAddr(a); err != nil {
			t.Errorf("LoopbackAddr(%q) = %v; want it accepted", a, err)
		}
	}
}

func TestQuotaSharesEveryMessage(t *testing.T) {
	for _, tc := range []struct {
		n     int64
		conns int
	}{{10, 3}, {256, 256}, {1000, 7}, {5, 5}} {
		var sum int64
		for i := range tc.conns {
			q := quota(tc.n, tc.conns, i)
			if q < tc.n/int64(tc.conns) || q > tc.n/int64(tc.conns)+1 {
				t.Errorf("quota(%d, %d, %d) = %d; want an even share", tc.n, tc.conns, i, q)
			}
			sum += q
		}
		if sum != tc.n {
			t.Errorf("quotas of %d over %d connections sum to %d", tc.n, tc.conns, sum)
		}
	}
}

func TestFifo(t *testing.T) {
	var q fifo
	next := int64(0)
	for i := range 100 {
		q.push(int64(i))
		if i%3 == 0 {
			if got := q.pop(); got != next {
				t.Fatalf("pop = %d; want %d", got, next)
			}
			next++
		}
	}
	for q.len() > 0 {
		if got := q.pop(); got != next {
			t.Fatalf("pop = %d; want %d", got, next)
		}
		next++
	}
	if next != 100 {
		t.Fatalf("popped %d values; want 100", next)
	}
}
