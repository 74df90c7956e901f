//go:build linux

// Command bench measures the concurrency models of the tutorial on this
// machine: every reference server of fixtures/targets, and an anchor (an
// echo server on gnet v2) measured in the same run, loaded by echoload.
//
//	go run ./tools/bench            # make bench: writes docs/bench.md, docs/bench/*
//	go run ./tools/bench -quick     # a short smoke run, nothing written unless -out is given
//
// Method, for a noisy machine with two cores: the server runs on CPU 0 and
// echoload on CPU 1 (taskset), each with GOMAXPROCS=1; all servers run at
// once, idle but for the one being measured, and are measured in short
// interleaved rounds (the order rotates each round); each cell reports the
// median over the rounds, and its ratio to the anchor is the median of the
// per-round ratios, which cancels most of the drift a busy machine adds.
//
// Phases, each bounded: build; memory (each server alone, 256 idle
// connections); the headline (epoll and gnet alternately, 256 connections ×
// 64 B); the matrix (1, 16, 256 and 1,000 connections × 64 B, 4 KiB and
// 64 KiB, where the model serves that many); the fortio cross-check. A
// phase that would overrun -budget is skipped, and the report says so.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/echospec/echospec/launch"
	"github.com/echospec/echospec/tools/internal/modroot"
)

// config is the command line.
type config struct {
	out        string
	rounds     int
	window     time.Duration
	warmup     time.Duration
	conns      []int
	sizes      []int
	headRounds int
	headWindow time.Duration
	idleConns  int
	budget     time.Duration
	only       map[string]bool
	fortio     bool
	from       string
}

func main() {
	var c config
	var conns, sizes, only string
	quick := false
	flag.StringVar(&c.out, "out", "docs", "folder for bench.md and bench/ (results.json, *.svg); empty: write nothing")
	flag.IntVar(&c.rounds, "rounds", 4, "interleaved rounds per cell")
	flag.DurationVar(&c.window, "d", 600*time.Millisecond, "measured window per cell and round")
	flag.DurationVar(&c.warmup, "warmup", 200*time.Millisecond, "unmeasured load before each window")
	flag.StringVar(&conns, "conns", "1,16,256,1000", "connection counts")
	flag.StringVar(&sizes, "sizes", "64,4096,65536", "message sizes in bytes")
	flag.IntVar(&c.headRounds, "head-rounds", 7, "rounds of the epoll/gnet headline")
	flag.DurationVar(&c.headWindow, "head-d", 2*time.Second, "window of each headline round")
	flag.IntVar(&c.idleConns, "idle", 256, "idle connections for the memory table")
	flag.DurationVar(&c.budget, "budget", 9*time.Minute+20*time.Second, "skip what would not finish within this time")
	flag.StringVar(&only, "only", "", "comma-separated servers to measure (default all; gnet is always kept as the anchor)")
	flag.BoolVar(&c.fortio, "fortio", true, "cross-check echoload against fortio v1.63.2 (go install into a temporary GOBIN)")
	flag.StringVar(&c.from, "from", "", "measure nothing: rewrite bench.md and the charts from this results.json")
	flag.BoolVar(&quick, "quick", false, "a smoke run: 1 round of 200 ms, 1 and 16 connections, 64 B; writes nothing unless -out is set explicitly")
	flag.Parse()
	if quick {
		c.rounds, c.window, c.warmup, conns, sizes, c.headRounds, c.headWindow, c.idleConns = 1, 200*time.Millisecond, 50*time.Millisecond, "1,16", "64", 1, 300*time.Millisecond, 16
		outSet := false
		flag.Visit(func(f *flag.Flag) { outSet = outSet || f.Name == "out" })
		if !outSet {
			c.out = ""
		}
	}
	var err error
	if c.conns, err = ints(conns); err == nil {
		c.sizes, err = ints(sizes)
	}
	if err == nil && (c.rounds < 1 || c.headRounds < 1 || c.window <= 0 || c.idleConns < 1) {
		err = errors.New("-rounds, -head-rounds, -d and -idle must be positive")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if only != "" {
		c.only = map[string]bool{"gnet": true}
		for _, n := range strings.Split(only, ",") {
			c.only[strings.TrimSpace(n)] = true
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, &c); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q: want positive integers separated by commas", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// bench is one run's state.
type bench struct {
	cfg      *config
	start    time.Time
	echoload string
	servers  []*server
	res      Results
	gaveUp   map[string]string // server → why it is no longer measured
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%5.1fs] %s\n", time.Since(b.start).Seconds(), fmt.Sprintf(format, args...))
}

// left is the time remaining in the budget.
func (b *bench) left() time.Duration { return b.cfg.budget - time.Since(b.start) }

func (b *bench) find(name string) *server {
	for _, s := range b.servers {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func run(ctx context.Context, c *config) error {
	b := &bench{cfg: c, start: time.Now(), gaveUp: map[string]string{}}
	root, err := modroot.Find()
	if err != nil {
		return err
	}
	if c.from != "" {
		return b.rewrite(root)
	}
	bin, err := os.MkdirTemp("", "echospec-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)

	b.res.Machine = machine()
	b.res.LoadStart = loadAverage()
	b.res.Settings = Settings{Rounds: c.rounds, WindowSec: c.window.Seconds(), WarmupSec: c.warmup.Seconds(),
		Conns: c.conns, Sizes: c.sizes, HeadRounds: c.headRounds, HeadWindow: c.headWindow.Seconds(),
		IdleConns: c.idleConns, PoolSize: poolSize, ServerCPU: serverCPU, ClientCPU: clientCPU}
	b.logf("machine: %s, %d CPUs, load average %.2f %.2f %.2f", b.res.Machine.CPU, b.res.Machine.CPUs, b.res.LoadStart[0], b.res.LoadStart[1], b.res.LoadStart[2])

	all, err := catalogue(root, bin)
	if err != nil {
		return err
	}
	for _, s := range all {
		if c.only == nil || c.only[s.Name] {
			b.servers = append(b.servers, s)
		}
	}
	b.echoload = filepath.Join(bin, "echoload")
	b.logf("building echoload and %d servers", len(b.servers))
	if err := launch.Build(ctx, "echoload", root, []string{"go", "build", "-o", b.echoload, "./tools/echoload"}, []string{"CGO_ENABLED=0"}, 5*time.Minute, "bench"); err != nil {
		return err
	}
	if err := buildAll(ctx, b.servers); err != nil {
		return err
	}
	for _, s := range b.servers {
		b.res.Servers = append(b.res.Servers, Server{Name: s.Name, Model: s.Model, MaxConns: s.MaxConns, Command: s.command()})
	}
	defer func() {
		for _, s := range b.servers {
			s.stop()
		}
	}()

	b.memory(ctx)
	for _, s := range b.servers {
		if err := s.start(ctx); err != nil {
			if s.Name != "io_uring" {
				return err
			}
			// The kernel may refuse io_uring (kernel.io_uring_disabled, a
			// seccomp filter): measure the rest, and say why.
			b.gaveUp[s.Name] = "skipped: " + err.Error()
			b.logf("%v: io_uring is left out", err)
		}
	}
	b.headline(ctx)
	b.matrix(ctx)
	if c.fortio {
		b.crossCheck(ctx, bin)
	}
	for _, s := range b.servers {
		s.stop()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b.res.LoadEnd = loadAverage()
	b.res.WallSeconds = time.Since(b.start).Seconds()
	b.logf("done in %.0f s; load average %.2f %.2f %.2f", b.res.WallSeconds, b.res.LoadEnd[0], b.res.LoadEnd[1], b.res.LoadEnd[2])
	if c.out == "" {
		return nil
	}
	return b.write(b.outDir(root))
}

// outDir is where -out points, from the module's root if relative.
func (b *bench) outDir(root string) string {
	if filepath.IsAbs(b.cfg.out) {
		return b.cfg.out
	}
	return filepath.Join(root, b.cfg.out)
}

// rewrite loads -from and writes the report and charts again.
func (b *bench) rewrite(root string) error {
	data, err := os.ReadFile(b.cfg.from)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &b.res); err != nil {
		return fmt.Errorf("%s: %w", b.cfg.from, err)
	}
	st := b.res.Settings
	b.cfg.rounds, b.cfg.conns, b.cfg.sizes, b.cfg.idleConns = st.Rounds, st.Conns, st.Sizes, st.IdleConns
	b.cfg.window = time.Duration(st.WindowSec * float64(time.Second))
	b.cfg.warmup = time.Duration(st.WarmupSec * float64(time.Second))
	b.cfg.headRounds, b.cfg.headWindow = st.HeadRounds, time.Duration(st.HeadWindow*float64(time.Second))
	for _, s := range b.res.Servers {
		b.servers = append(b.servers, &server{Name: s.Name, Model: s.Model, MaxConns: s.MaxConns})
	}
	if b.cfg.out == "" {
		return errors.New("-from needs -out")
	}
	return b.write(b.outDir(root))
}
