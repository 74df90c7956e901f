package load

import (
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// echoServer serves each connection with handle on 127.0.0.1 until the
// test ends, and returns its address.
func echoServer(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

func faithful(c net.Conn) { _, _ = io.Copy(c, c) }

func config(addr string, conns int, sizes ...int) *Config {
	c := &Config{Addr: addr, Conns: conns, Sizes: sizes, Duration: 30 * time.Second, DrainTimeout: 10 * time.Second}
	if err := c.Validate(); err != nil {
		panic(err)
	}
	return c
}

func TestRunCountsAndVerifiesEveryMessage(t *testing.T) {
	addr := echoServer(t, faithful)
	cfg := config(addr, 5, 64, 5000)
	cfg.Depth, cfg.Messages = 4, 1003
	starts, ends, done := 0, 0, 0
	cfg.Hooks = Hooks{WindowStart: func(int) { starts++ }, WindowEnd: func(int) { ends++ }, Done: func() { done++ }}
	rep, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Phases) != 2 {
		t.Fatalf("%d phases; want 2", len(rep.Phases))
	}
	for i, r := range rep.Phases {
		if r.Messages != 1003 || r.Bytes != 1003*int64(cfg.Sizes[i]) || r.Stopped != "messages" || r.Latency.Count != 1003 {
			t.Errorf("phase %d: %+v; want 1003 messages of %d B, stopped by count", i, r, cfg.Sizes[i])
		}
	}
	if rep.Verified != 2006 {
		t.Errorf("Verified = %d; want 2006", rep.Verified)
	}
	if starts != 2 || ends != 2 || done != 1 {
		t.Errorf("hooks called %d, %d, %d times; want 2, 2, 1", starts, ends, done)
	}
}

func TestRunOpenLoopAndWarmup(t *testing.T) {
	addr := echoServer(t, faithful)
	cfg := config(addr, 3, 100)
	cfg.Rate, cfg.Messages, cfg.Warmup = 20000, 300, 20*time.Millisecond
	rep, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Phases[0]; r.Messages != 300 || r.Latency.Count != 300 {
		t.Errorf("open loop: %+v; want 300 messages", r)
	}
	if rep.Verified < 300 {
		t.Errorf("Verified = %d; want the window's 300 and the warm-up's", rep.Verified)
	}
}

func TestRunStopsOnACorruptedEcho(t *testing.T) {
	addr := echoServer(t, func(c net.Conn) {
		buf := make([]byte, 64)
		for n := 0; ; n++ {
			if _, err := io.ReadFull(c, buf); err != nil {
				return
			}
			if n == 9 {
				buf[17] ^= 0x80 // the tenth message comes back damaged
			}
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	})
	cfg := config(addr, 1, 64)
	cfg.Messages = 100
	_, err := Run(cfg)
	var m *MismatchError
	if !errors.As(err, &m) || m.Message != 9 || m.Offset != 17 {
		t.Fatalf("Run against a server that damages message 9 = %v; want a mismatch at message 9, byte 17", err)
	}
}

func TestRunReportsAServerThatCloses(t *testing.T) {
	addr := echoServer(t, func(c net.Conn) {
		buf := make([]byte, 100)
		_, _ = io.ReadFull(c, buf)
		_, _ = c.Write(buf[:50]) // half an echo, then close
	})
	cfg := config(addr, 1, 100)
	cfg.Messages = 10
	_, err := Run(cfg)
	if err == nil || !strings.Contains(err.Error(), "closed it after echoing 50 of the 100 bytes") {
		t.Fatalf("Run against a server that closes mid-echo = %v; want it to say so", err)
	}
}

func TestRunReportsMessagesThatNeverComeBack(t *testing.T) {
	addr := echoServer(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	cfg := config(addr, 2, 64)
	cfg.Messages, cfg.DrainTimeout, cfg.Duration = 10, 50*time.Millisecond, 50*time.Millisecond
	_, err := Run(cfg)
	if err == nil || !strings.Contains(err.Error(), "did not come back") {
		t.Fatalf("Run against a server that never echoes = %v; want messages that did not come back", err)
	}
}
