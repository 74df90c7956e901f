//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/echospec/echospec/launch"
	"github.com/echospec/echospec/tools/echoload/load"
)

// fortioVersion is the newest fortio that installs from the module proxy
// (later ones depend on a module the proxy refuses).
const fortioVersion = "v1.63.2"

// fortioDoc is the part of fortio's -json result the bench reads.
type fortioDoc struct {
	ActualQPS         float64
	ActualDuration    int64 // ns
	DurationHistogram struct {
		Count       int64
		Avg         float64 // seconds
		Max         float64
		Percentiles []struct {
			Percentile float64
			Value      float64 // seconds
		}
	}
	RetCodes map[string]int64
}

// crossCheck loads the epoll server with fortio and with echoload, one
// after the other, same connections and size, both pinned to the client
// CPU, and records both figures.
func (b *bench) crossCheck(ctx context.Context, bin string) {
	s := b.find("epoll")
	if s == nil || ctx.Err() != nil {
		return
	}
	if b.left() < 45*time.Second {
		b.res.FortioError = "skipped: time budget"
		return
	}
	gobin := filepath.Join(bin, "fortio-bin")
	b.logf("installing fortio %s into a temporary GOBIN", fortioVersion)
	// Installing a module at a version ignores the kit's go.mod; the
	// install runs outside the module all the same.
	err := launch.Build(ctx, "fortio", bin, []string{"go", "install", "fortio.org/fortio@" + fortioVersion},
		[]string{"GOBIN=" + gobin, "CGO_ENABLED=0", "GOFLAGS=-mod=mod"}, 4*time.Minute, "bench")
	if err != nil {
		b.res.FortioError = "fortio did not install: " + err.Error()
		b.logf("%s", b.res.FortioError)
		return
	}
	fortio := filepath.Join(gobin, "fortio")
	const window = 3 * time.Second
	for _, conns := range []int{1, 16} {
		if b.left() < 2*window+10*time.Second {
			b.res.FortioError = "stopped early: time budget"
			return
		}
		f, err := runFortio(ctx, fortio, bin, s, conns, 64, window)
		if err != nil {
			b.res.FortioError = err.Error()
			b.logf("fortio: %v", err)
			return
		}
		out, err := runEchoload(ctx, b.echoload, s, loadSpec{Conns: conns, Sizes: []int{64}, Window: window, Warmup: 200 * time.Millisecond})
		if err != nil {
			b.res.FortioError = err.Error()
			return
		}
		e := toRun(out, 0, conns)
		b.res.Fortio = append(b.res.Fortio, Fortio{Server: s.Name, Conns: conns, Size: 64, Fortio: f, Echoload: e,
			Command: fmt.Sprintf("GOMAXPROCS=1 taskset -c %s fortio load -c %d -qps 0 -t %v -payload-size 64 -r 0.000001 tcp://127.0.0.1:9090", clientCPU, conns, window),
			Ratio:   e.MsgsPerSec / f.MsgsPerSec})
		b.logf("cross-check at %d conns × 64 B: fortio %s msg/s (p50 %v), echoload %s msg/s (p50 %v)",
			conns, count(f.MsgsPerSec), f.Latency.P50, count(e.MsgsPerSec), e.Latency.P50)
	}
}

// runFortio runs one closed-loop fortio TCP load, pinned like echoload.
func runFortio(ctx context.Context, fortio, dir string, s *server, conns, size int, window time.Duration) (Run, error) {
	ctx, cancel := context.WithTimeout(ctx, window+30*time.Second)
	defer cancel()
	out := filepath.Join(dir, fmt.Sprintf("fortio-%d.json", conns))
	cmd := exec.CommandContext(ctx, "taskset", "-c", clientCPU, fortio, "load",
		"-c", strconv.Itoa(conns), "-qps", "0", "-t", window.String(), "-payload-size", strconv.Itoa(size),
		// -r: 1 µs histogram buckets, not the default 1 ms, whose
		// interpolated percentiles would be meaningless for a loopback echo.
		"-p", "50,90,99,99.9", "-r", "0.000001", "-json", out, "-loglevel", "Warning", "tcp://"+s.addr())
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	cmd.Dir = dir
	if text, err := cmd.CombinedOutput(); err != nil {
		return Run{}, fmt.Errorf("fortio load: %v: %s", err, lastLine(string(text)))
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return Run{}, err
	}
	var doc fortioDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return Run{}, fmt.Errorf("fortio's JSON: %v", err)
	}
	if n := doc.RetCodes["OK"]; n != doc.DurationHistogram.Count {
		return Run{}, fmt.Errorf("fortio: %d of %d calls OK (%v)", n, doc.DurationHistogram.Count, doc.RetCodes)
	}
	return fortioRun(doc, size), nil
}

// fortioRun converts fortio's figures (seconds) to a Run.
func fortioRun(doc fortioDoc, size int) Run {
	sec := func(s float64) time.Duration { return time.Duration(s * 1e9) }
	r := Run{MsgsPerSec: doc.ActualQPS, MBPerSec: doc.ActualQPS * float64(size) / 1e6}
	r.Latency = load.Percentiles{Count: doc.DurationHistogram.Count, Mean: sec(doc.DurationHistogram.Avg), Max: sec(doc.DurationHistogram.Max)}
	for _, p := range doc.DurationHistogram.Percentiles {
		switch strings.TrimRight(strings.TrimRight(strconv.FormatFloat(p.Percentile, 'f', 3, 64), "0"), ".") {
		case "50":
			r.Latency.P50 = sec(p.Value)
		case "90":
			r.Latency.P90 = sec(p.Value)
		case "99":
			r.Latency.P99 = sec(p.Value)
		case "99.9":
			r.Latency.P999 = sec(p.Value)
		}
	}
	return r
}
