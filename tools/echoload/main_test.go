package main

import (
	"bytes"
	"encoding/json"
	"github.com/echospec/echospec/probe"
	"github.com/echospec/echospec/tools/echoload/load"
	"github.com/echospec/echospec/tools/echoload/report"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseSizes(t *testing.T) {
	got, err := parseSizes("64, 4KiB,64K,1MiB,7B")
	if want := []int{64, 4096, 65536, 1 << 20, 7}; err != nil || !slices.Equal(got, want) {
		t.Errorf("parseSizes = %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{"", "0", "-1", "4GiB", "64x", "1,,2", "32MiB"} {
		if _, err := parseSizes(bad); err == nil {
			t.Errorf("parseSizes(%q): no error", bad)
		}
	}
}

func TestParseRejectsBadCommandLines(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-addr", "192.168.1.1:7"}, "not a loopback address"},
		{[]string{"-c", "0"}, "-c 0"},
		{[]string{"-c", "10", "-n", "5"}, "at least one message per connection"},
		{[]string{"-size", "big"}, "-size"},
		{[]string{"-depth", "0"}, ""}, // 0 means the default, 1
		{[]string{"-progress", "sometimes"}, "-progress"},
		{[]string{"-server", "-4"}, "-server -4"},
		{[]string{"stray"}, "unexpected argument"},
		{[]string{"-bogus"}, "flag provided but not defined"},
	} {
		_, err := parse(tc.args, io.Discard)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("parse(%q) = %v; want no error", tc.args, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("parse(%q) = %v; want an error containing %q", tc.args, err, tc.want)
		}
	}
	if code := run([]string{"-c", "0"}, io.Discard, io.Discard); code != 2 {
		t.Errorf("run with -c 0 exited %d; want 2", code)
	}
}

func TestFormats(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{probe.Count(int(1234567)), "1,234,567"}, {probe.Count(int(999)), "999"}, {probe.Count(int(-1000)), "-1,000"},
		{latency(71500 * time.Nanosecond), "71.5µs"}, {latency(3410 * time.Microsecond), "3.41ms"},
		{latency(1200 * time.Millisecond), "1.20s"}, {latency(250 * time.Millisecond), "250ms"},
		{load.SizeName(64), "64 B"}, {load.SizeName(4096), "4 KiB"}, {load.SizeName(1 << 20), "1 MiB"}, {load.SizeName(1500), "1500 B"},
		{bytesText(812), "812 B"}, {bytesText(7782), "7.6 KiB"}, {bytesText(-2048), "-2.0 KiB"},
	} {
		if c.got != c.want {
			t.Errorf("got %q; want %q", c.got, c.want)
		}
	}
}

// TestJSONOutput runs the whole command against an in-process echo server
// and reads its --json document back.
func TestJSONOutput(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	var out, errOut bytes.Buffer
	code := run([]string{"-addr", ln.Addr().String(), "-c", "2", "-size", "64,1KiB", "-n", "50", "--json"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("echoload exited %d: %s", code, errOut.String())
	}
	var doc report.Output
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, out.String())
	}
	if len(doc.Phases) != 2 || doc.Phases[1].Size != 1024 || doc.Phases[0].Messages != 50 || doc.Verified != 100 || doc.Error != "" {
		t.Errorf("--json = %+v; want 2 phases of 50 messages, 100 verified", doc)
	}
	if doc.Phases[0].Latency.Count != 50 || doc.Phases[0].Latency.P50 <= 0 {
		t.Errorf("latency = %+v; want 50 values", doc.Phases[0].Latency)
	}
}
