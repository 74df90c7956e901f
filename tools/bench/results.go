//go:build linux

package main

import (
	"math"
	"slices"
	"time"

	"github.com/echospec/echospec/tools/echoload/load"
	"github.com/echospec/echospec/tools/echoload/observe"
)

// Results is everything one bench run measured: docs/bench/results.json.
type Results struct {
	Machine     Machine    `json:"machine"`
	Settings    Settings   `json:"settings"`
	WallSeconds float64    `json:"wall_seconds"`
	LoadStart   [3]float64 `json:"load_average_start"`
	LoadEnd     [3]float64 `json:"load_average_end"`
	Servers     []Server   `json:"servers"`
	Headline    Headline   `json:"headline"`
	Memory      []MemRow   `json:"memory"`
	Cells       []*Cell    `json:"cells"`
	Fortio      []Fortio   `json:"fortio,omitempty"`
	FortioError string     `json:"fortio_error,omitempty"`
}

// Machine is where the numbers come from: absolute rates hold only there.
type Machine struct {
	CPU    string `json:"cpu"`
	CPUs   int    `json:"cpus"`
	Kernel string `json:"kernel"`
	Go     string `json:"go"`
	Date   string `json:"date"`
}

// Settings are the bench's knobs for this run.
type Settings struct {
	Rounds       int     `json:"rounds"`
	WindowSec    float64 `json:"window_seconds"`
	WarmupSec    float64 `json:"warmup_seconds"`
	Conns        []int   `json:"conns"`
	Sizes        []int   `json:"sizes"`
	HeadRounds   int     `json:"headline_rounds"`
	HeadWindow   float64 `json:"headline_window_seconds"`
	IdleConns    int     `json:"idle_conns"`
	PoolSize     int     `json:"pool_size"`
	ServerCPU    string  `json:"server_cpu"`
	ClientCPU    string  `json:"client_cpu"`
	EcholoadArgs string  `json:"echoload_command"`
}

// Server describes one server of the run.
type Server struct {
	Name     string `json:"name"`
	Model    string `json:"model"`
	MaxConns int    `json:"max_conns"`
	Command  string `json:"command"`
}

// Run is one measurement of one cell in one round.
type Run struct {
	Round      int              `json:"round"`
	MsgsPerSec float64          `json:"msgs_per_sec"`
	MBPerSec   float64          `json:"mb_per_sec"`
	Latency    load.Percentiles `json:"latency"`
	// ServerCPU and ClientCPU are the share of one core each used in the
	// window (1 = the whole core).
	ServerCPU float64 `json:"server_cpu"`
	ClientCPU float64 `json:"client_cpu"`
	// CPUPerMsg is the server's CPU time per message, in µs.
	CPUPerMsg float64 `json:"server_cpu_us_per_msg"`
	// ClientCPUPerMsg is echoload's CPU time per message, in µs.
	ClientCPUPerMsg float64 `json:"client_cpu_us_per_msg"`
	// ServerBlocks and ClientBlocks are how often, per 1,000 messages, the
	// busiest thread of each side blocked: waited for the other side.
	ServerBlocks float64 `json:"server_blocks_per_1k"`
	ClientBlocks float64 `json:"client_blocks_per_1k"`
	Procs        int     `json:"procs"`
	Threads      int     `json:"threads"`
	// MemPerConn is the server's memory under load (PSS, page tables,
	// kernel stacks) above its idle footprint, per connection, in bytes.
	MemPerConn float64 `json:"mem_per_conn_bytes"`
	// Ratio is MsgsPerSec over the anchor's in the same round.
	Ratio float64 `json:"ratio_to_anchor,omitempty"`
	// SyscallsPerEcho is the server's system calls (every thread, perf's
	// raw_syscalls:sys_enter) per echo, where perf could count them: the
	// rate over perf's whole attachment over the run's echo rate.
	SyscallsPerEcho float64 `json:"syscalls_per_echo,omitempty"`
}

// Cell is one server × connections × size, over the rounds.
type Cell struct {
	Server string `json:"server"`
	Conns  int    `json:"conns"`
	Size   int    `json:"size"`
	Runs   []Run  `json:"runs"`
	// Median holds the median of each field over the rounds; its Ratio is
	// the median of the per-round ratios.
	Median Run    `json:"median"`
	Error  string `json:"error,omitempty"`
}

// Headline is the side-by-side of the epoll reference, the io_uring
// reference and the anchor.
type Headline struct {
	Conns       int         `json:"conns"`
	Size        int         `json:"size"`
	Rounds      []HeadRound `json:"rounds"`
	MedianRatio float64     `json:"median_ratio"`
	// The io_uring server's medians of its per-round ratios, 0 where it
	// was not measured (URingError says why).
	MedianURingGnet  float64 `json:"median_io_uring_over_gnet,omitempty"`
	MedianURingEpoll float64 `json:"median_io_uring_over_epoll,omitempty"`
	URingError       string  `json:"io_uring_error,omitempty"`
	// SyscallsError says why system calls were not counted, if so.
	SyscallsError string `json:"syscalls_error,omitempty"`
	Command       string `json:"command"`
	Error         string `json:"error,omitempty"`
}

// HeadRound is one round of the headline: epoll, gnet and io_uring, the
// order rotating from round to round.
type HeadRound struct {
	First string  `json:"first"`
	Order string  `json:"order,omitempty"`
	Epoll Run     `json:"epoll"`
	Gnet  Run     `json:"gnet"`
	Ratio float64 `json:"ratio"`
	URing *Run    `json:"io_uring,omitempty"`
	// io_uring over gnet and over epoll in this round.
	URingGnet  float64 `json:"io_uring_over_gnet,omitempty"`
	URingEpoll float64 `json:"io_uring_over_epoll,omitempty"`
}

// MemRow is one server's memory with idle connections held open.
type MemRow struct {
	Server  string          `json:"server"`
	Model   string          `json:"model"`
	Conns   int             `json:"conns"`
	Idle    *observe.Sample `json:"idle,omitempty"`
	Held    *observe.Sample `json:"held,omitempty"`
	PerConn float64         `json:"per_conn_bytes"` // (held − idle).Memory() / conns
	PSS     float64         `json:"pss_per_conn_bytes"`
	Error   string          `json:"error,omitempty"`
}

// Fortio is one cross-check of echoload against fortio on the same server.
type Fortio struct {
	Server   string  `json:"server"`
	Conns    int     `json:"conns"`
	Size     int     `json:"size"`
	Fortio   Run     `json:"fortio"`
	Echoload Run     `json:"echoload"`
	Command  string  `json:"fortio_command"`
	Ratio    float64 `json:"echoload_over_fortio"`
}

// median is the median of xs (the mean of the middle two for an even
// count), NaN for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// medianRun takes the median of every field of runs separately.
func medianRun(runs []Run) Run {
	if len(runs) == 0 {
		return Run{}
	}
	f := func(get func(Run) float64) float64 {
		xs := make([]float64, 0, len(runs))
		for _, r := range runs {
			if v := get(r); !math.IsNaN(v) {
				xs = append(xs, v)
			}
		}
		return median(xs)
	}
	m := Run{
		MsgsPerSec:      f(func(r Run) float64 { return r.MsgsPerSec }),
		MBPerSec:        f(func(r Run) float64 { return r.MBPerSec }),
		ServerCPU:       f(func(r Run) float64 { return r.ServerCPU }),
		ClientCPU:       f(func(r Run) float64 { return r.ClientCPU }),
		CPUPerMsg:       f(func(r Run) float64 { return r.CPUPerMsg }),
		ServerBlocks:    f(func(r Run) float64 { return r.ServerBlocks }),
		ClientCPUPerMsg: f(func(r Run) float64 { return r.ClientCPUPerMsg }),
		ClientBlocks:    f(func(r Run) float64 { return r.ClientBlocks }),
		Procs:           int(f(func(r Run) float64 { return float64(r.Procs) })),
		Threads:         int(f(func(r Run) float64 { return float64(r.Threads) })),
		MemPerConn:      f(func(r Run) float64 { return r.MemPerConn }),
	}
	lat := func(get func(load.Percentiles) float64) float64 {
		return f(func(r Run) float64 { return get(r.Latency) })
	}
	m.Latency = load.Percentiles{
		Count: int64(lat(func(p load.Percentiles) float64 { return float64(p.Count) })),
		P50:   dur(lat(func(p load.Percentiles) float64 { return float64(p.P50) })),
		P90:   dur(lat(func(p load.Percentiles) float64 { return float64(p.P90) })),
		P99:   dur(lat(func(p load.Percentiles) float64 { return float64(p.P99) })),
		P999:  dur(lat(func(p load.Percentiles) float64 { return float64(p.P999) })),
		Max:   dur(lat(func(p load.Percentiles) float64 { return float64(p.Max) })),
		Mean:  dur(lat(func(p load.Percentiles) float64 { return float64(p.Mean) })),
	}
	var ratios []float64
	for _, r := range runs {
		if r.Ratio > 0 {
			ratios = append(ratios, r.Ratio)
		}
	}
	if len(ratios) > 0 {
		m.Ratio = median(ratios)
	}
	return m
}

func dur(ns float64) time.Duration { return time.Duration(ns) }
