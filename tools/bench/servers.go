//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/echospec/echospec/launch"
	"github.com/echospec/echospec/manifest"
)

// Where the server and the load generator run: one CPU each, so neither
// steals the other's time, and each Go program on one P (GOMAXPROCS=1).
const (
	serverCPU = "0"
	clientCPU = "1"
)

// poolSize is the workers the pooled servers get here. The fixtures use 4;
// 16 lets the pools be measured at 16 connections like every other model.
const poolSize = 16

// A server is one echo server of the benchmark.
type server struct {
	Name  string // the target's name: epoll, coroutine, ..., gnet
	Model string // what a connection costs in it, for the memory table
	// MaxConns is the most connections the model serves at once here: an
	// iterative server serves one, a pool its size.
	MaxConns int

	tg       *manifest.Target // how to build and start it
	builddir string           // where it is built
	env      []string         // added to the build's environment

	srv  *launch.Server
	port int
}

// catalogue lists the servers in the tutorial's order, the anchor last.
// Each reference server is built and started as its manifest in
// fixtures/targets says; the anchor from its own module.
func catalogue(root, bin string) ([]*server, error) {
	specs := []struct {
		name, model string
		max         int
	}{
		{"single", "iterative", 1},
		{"multiprocess", "process per connection", 256},
		{"multiprocess-pool", "pool of processes", poolSize},
		{"multithread", "thread per connection", 1000},
		{"multithread-pool", "pool of threads", poolSize},
		{"coroutine", "goroutine per connection", 1000},
		{"epoll", "event loop (epoll)", 1000},
		{"io_uring", "completion loop (io_uring)", 1000},
		{"poll", "event loop (poll)", 1000},
		{"select", "event loop (select)", 1000},
		{"selector", "event loop (selector package)", 1000},
	}
	var out []*server
	for _, s := range specs {
		t, err := manifest.Load(filepath.Join(root, "fixtures", "targets", s.name))
		if err != nil {
			return nil, err
		}
		out = append(out, &server{Name: s.name, Model: s.model, MaxConns: s.max, tg: t, builddir: filepath.Join(bin, s.name)})
	}
	anchor := filepath.Join(root, "tools", "bench", "anchor", "gnet")
	out = append(out, &server{Name: "gnet", Model: "event loop (gnet v2)", MaxConns: 1000, builddir: filepath.Join(bin, "gnet"),
		tg: &manifest.Target{Name: "gnet", Model: "multiplex", Dir: anchor, File: "tools/bench/anchor/gnet",
			Build:        []string{"go", "build", "-o", "{builddir}/server", "."},
			Command:      []string{"{builddir}/server", "-port", "{port}"},
			ReadyTimeout: manifest.DefaultReadyTimeout},
		// The anchor's module has its own go.sum; no workspace may mix in.
		env: []string{"GOWORK=off"}})
	return out, nil
}

// options describes one start of s on port: its manifest's, with pools at
// poolSize, pinned to the server CPU with GOMAXPROCS=1.
func (s *server) options(port int) launch.Options {
	o := s.tg.LaunchOptions(s.builddir, port)
	if s.tg.Pool > 0 {
		o.Argv = withPool(o.Argv, s.tg.Pool, poolSize)
	}
	o.Argv = append([]string{"taskset", "-c", serverCPU}, o.Argv...)
	o.Env = append(o.Env, "GOMAXPROCS=1")
	return o
}

// withPool replaces "-pool N" (from the manifest) by "-pool n".
func withPool(argv []string, from, to int) []string {
	out := slices.Clone(argv)
	for i := 0; i+1 < len(out); i++ {
		if out[i] == "-pool" && out[i+1] == strconv.Itoa(from) {
			out[i+1] = strconv.Itoa(to)
		}
	}
	return out
}

// buildAll builds every server, CGO_ENABLED=0 as the manifests ask, at most
// two at a time.
func buildAll(ctx context.Context, servers []*server) error {
	errs := make(chan error, len(servers))
	sem := make(chan struct{}, 2)
	for _, s := range servers {
		go func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			env := append([]string{"CGO_ENABLED=0"}, s.env...)
			if err := os.MkdirAll(s.builddir, 0o755); err != nil {
				errs <- err
				return
			}
			errs <- launch.Build(ctx, s.Name, s.tg.Dir, s.tg.BuildArgv(s.builddir), env, 5*time.Minute, "build in "+s.tg.File)
		}()
	}
	var first error
	for range servers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// start runs s on a free port, pinned to the server CPU with GOMAXPROCS=1.
func (s *server) start(ctx context.Context) error {
	port, err := launch.FreePort()
	if err != nil {
		return err
	}
	srv, err := launch.Start(ctx, s.options(port))
	if err != nil {
		return err
	}
	s.srv, s.port = srv, port
	return nil
}

// stop ends s and every process it started.
func (s *server) stop() {
	if s.srv != nil {
		s.srv.Stop(2 * time.Second)
		s.srv = nil
	}
}

// alive is nil while s runs, or says how it ended.
func (s *server) alive() error {
	if s.srv == nil {
		return fmt.Errorf("%s: not started", s.Name)
	}
	select {
	case <-s.srv.Exited():
		return fmt.Errorf("%s: the server %s", s.Name, strings.TrimSpace(s.srv.Report()))
	default:
		return nil
	}
}

func (s *server) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// command is s's argv as a person would type it, for the report.
func (s *server) command() string {
	argv := s.options(9090).Argv[3:] // without taskset, shown below
	argv[0] = "./" + filepath.Base(filepath.Dir(argv[0]))
	return "GOMAXPROCS=1 taskset -c " + serverCPU + " " + strings.Join(argv, " ")
}
