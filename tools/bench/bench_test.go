//go:build linux

package main

import (
	"encoding/xml"
	"github.com/echospec/echospec/tools/echoload/load"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{{[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{7}, 7}} {
		if got := median(c.xs); got != c.want {
			t.Errorf("median(%v) = %v; want %v", c.xs, got, c.want)
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median(nil) is not NaN")
	}
	xs := []float64{3, 1, 2}
	median(xs)
	if !slices.Equal(xs, []float64{3, 1, 2}) {
		t.Error("median sorted its argument in place")
	}
}

func TestMedianRunTakesEachFieldAndTheRatios(t *testing.T) {
	runs := []Run{
		{MsgsPerSec: 100, Ratio: 0.9, Threads: 5},
		{MsgsPerSec: 300, Ratio: 1.2, Threads: 7},
		{MsgsPerSec: 200, Ratio: 1.0, Threads: 6},
	}
	runs[0].Latency.P99 = 3 * time.Millisecond
	runs[1].Latency.P99 = time.Millisecond
	runs[2].Latency.P99 = 2 * time.Millisecond
	m := medianRun(runs)
	if m.MsgsPerSec != 200 || m.Ratio != 1.0 || m.Threads != 6 || m.Latency.P99 != 2*time.Millisecond {
		t.Errorf("medianRun = %+v; want 200 msg/s, ratio 1.0, 6 threads, p99 2ms", m)
	}
}

func TestWithPool(t *testing.T) {
	got := withPool([]string{"/b/server", "-port", "{port}", "-pool", "4"}, 4, 16)
	if want := []string{"/b/server", "-port", "{port}", "-pool", "16"}; !slices.Equal(got, want) {
		t.Errorf("withPool = %q; want %q", got, want)
	}
}

func TestChartsAreWellFormedSVG(t *testing.T) {
	line := lineChart("t <&>", "x", "y", []string{"1", "16", "256"},
		[]series{{name: "a", ys: []float64{1, math.NaN(), 3e5}}, {name: "b", ys: []float64{10, 20, 30}, dash: true}}, true)
	bars := barChart("m", "x", []bar{{"epoll", 300, "300 B"}, {"fork", 9e5, "879 KiB"}, {"none", 0, "0"}}, true)
	flat := barChart("r", "x", []bar{{"a", 1.05, "1.05×"}}, false)
	for _, svg := range []string{line, bars, flat} {
		d := xml.NewDecoder(strings.NewReader(svg))
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("not well-formed XML: %v\n%s", err, svg)
			}
		}
		if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
			t.Errorf("chart has NaN or Inf coordinates:\n%s", svg)
		}
	}
	if !strings.Contains(line, "t &lt;&amp;&gt;") {
		t.Error("the title is not escaped")
	}
}

func TestFormats(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{count(1234567.4), "1,234,567"}, {count(12), "12"}, {count(math.NaN()), "–"},
		{kib(300), "300 B"}, {kib(7782), "7.6 KiB"}, {kib(1 << 20), "1.00 MiB"},
		{latency(71 * time.Microsecond), "71 µs"}, {latency(3410 * time.Microsecond), "3.41 ms"}, {latency(0), "–"},
		{load.SizeName(65536), "64 KiB"}, {sizeFile(4096), "4KiB"}, {plural(1000, "connection"), "1,000 connections"},
		{andList([]string{"a"}), "a"}, {andList([]string{"a", "b", "c"}), "a, b and c"},
		{short(1500), "1.5k"}, {short(2e6), "2M"}, {short(0.25), "0.25"}, {short(0), "0"},
	} {
		if c.got != c.want {
			t.Errorf("got %q; want %q", c.got, c.want)
		}
	}
}

func TestFortioRun(t *testing.T) {
	var doc fortioDoc
	doc.ActualQPS = 15000
	doc.DurationHistogram.Count = 30000
	doc.DurationHistogram.Avg = 0.001
	doc.DurationHistogram.Percentiles = []struct {
		Percentile float64
		Value      float64
	}{{50, 0.0006}, {90, 0.0027}, {99, 0.0099}, {99.9, 0.05}}
	r := fortioRun(doc, 64)
	if r.MsgsPerSec != 15000 || r.MBPerSec != 0.96 || r.Latency.P50 != 600*time.Microsecond || r.Latency.P999 != 50*time.Millisecond {
		t.Errorf("fortioRun = %+v", r)
	}
}

func TestInts(t *testing.T) {
	if got, err := ints("1, 16,256"); err != nil || !slices.Equal(got, []int{1, 16, 256}) {
		t.Errorf("ints = %v, %v", got, err)
	}
	for _, bad := range []string{"", "0", "a", "1,,2"} {
		if _, err := ints(bad); err == nil {
			t.Errorf("ints(%q): no error", bad)
		}
	}
}

func TestServersStartAsTheirManifestsSay(t *testing.T) {
	servers, err := catalogue("../..", "/b")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range servers {
		o := s.options(4242)
		if !slices.Contains(o.Env, "PORT=4242") || !slices.Contains(o.Env, "GOMAXPROCS=1") {
			t.Errorf("%s: Env = %q, want PORT=4242 and GOMAXPROCS=1", s.Name, o.Env)
		}
		if o.ReadyTimeout != s.tg.ReadyTimeout || o.Limits != s.tg.Limits {
			t.Errorf("%s: ReadyTimeout %v, Limits %+v: not the manifest's", s.Name, o.ReadyTimeout, o.Limits)
		}
		if s.Name == "multiprocess-pool" {
			if got, want := s.command(), "GOMAXPROCS=1 taskset -c 0 ./multiprocess-pool -port 9090 -pool 16"; got != want {
				t.Errorf("command() = %q, want %q", got, want)
			}
		}
	}
}
