//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/echospec/echospec/tools/echoload/load"
	"github.com/echospec/echospec/tools/echoload/report"
	"golang.org/x/sys/unix"
)

// memory measures each server alone: its footprint listening, then with
// idleConns connections that have each echoed one 64-byte message and
// stay open. Servers that cannot hold that many at once are left out.
func (b *bench) memory(ctx context.Context) {
	n := b.cfg.idleConns
	for _, s := range b.servers {
		if s.MaxConns < n || ctx.Err() != nil {
			continue
		}
		row := MemRow{Server: s.Name, Model: s.Model, Conns: n}
		if b.left() < 30*time.Second {
			row.Error = "skipped: time budget"
			b.res.Memory = append(b.res.Memory, row)
			continue
		}
		if err := s.start(ctx); err != nil {
			row.Error = err.Error()
			b.res.Memory = append(b.res.Memory, row)
			continue
		}
		// Let the runtime settle after start-up before the idle sample.
		time.Sleep(200 * time.Millisecond)
		out, err := runEchoload(ctx, b.echoload, s, loadSpec{Conns: n, Sizes: []int{64}, Window: 30 * time.Second, Count: int64(n), Observe: true})
		s.stop()
		switch {
		case err != nil:
			row.Error = err.Error()
		case out.ServerIdle == nil || out.ServerHeld == nil:
			row.Error = "echoload could not observe the server"
		default:
			row.Idle, row.Held = out.ServerIdle, out.ServerHeld
			row.PerConn = float64(row.Held.Memory()-row.Idle.Memory()) / float64(n)
			row.PSS = float64(row.Held.PSS-row.Idle.PSS) / float64(n)
		}
		b.res.Memory = append(b.res.Memory, row)
		b.logf("memory: %-17s %d idle connections: %s per connection %s", s.Name, n, kib(row.PerConn), row.Error)
	}
}

// headline measures the epoll and io_uring references against the anchor
// side by side: one after the other in each round, the order rotating
// from round to round, and reports the median of the per-round ratios.
// Where perf can, it also counts each server's system calls per echo.
func (b *bench) headline(ctx context.Context) {
	h := &b.res.Headline
	h.Conns, h.Size = 256, 64
	epoll, gnet, uring := b.find("epoll"), b.find("gnet"), b.find("io_uring")
	if epoll == nil || gnet == nil {
		h.Error = "epoll or gnet not in this run"
		return
	}
	group := []*server{epoll, gnet}
	switch {
	case uring == nil:
		h.URingError = "io_uring not in this run"
	case b.gaveUp[uring.Name] != "":
		h.URingError = b.gaveUp[uring.Name]
	default:
		group = append(group, uring)
	}
	if err := perfUsable(); err != nil {
		h.SyscallsError = err.Error()
	}
	spec := loadSpec{Conns: h.Conns, Sizes: []int{h.Size}, Window: b.cfg.headWindow, Warmup: 300 * time.Millisecond, Observe: true}
	h.Command = spec.display(epoll)
	var ratios, uringGnet, uringEpoll []float64
	for r := range b.cfg.headRounds {
		if ctx.Err() != nil || b.left() < time.Duration(len(group))*(b.cfg.headWindow+2*time.Second) {
			h.Error = fmt.Sprintf("stopped after %d rounds: time budget", r)
			break
		}
		// Rotate, so that each server goes first, second and last as often.
		order := append(slices.Clone(group[r%len(group):]), group[:r%len(group)]...)
		hr := HeadRound{First: order[0].Name}
		var names []string
		ok := true
		for _, s := range order {
			names = append(names, s.Name)
			run, err := b.headRun(ctx, s, spec)
			if err != nil {
				if s == uring {
					// io_uring failing must not cost the epoll/gnet rounds.
					h.URingError = err.Error()
					group = group[:2]
					continue
				}
				h.Error = err.Error()
				ok = false
				break
			}
			switch s {
			case epoll:
				hr.Epoll = run
			case gnet:
				hr.Gnet = run
			default:
				hr.URing = &run
			}
		}
		if !ok {
			break
		}
		hr.Order = strings.Join(names, ", ")
		hr.Ratio = hr.Epoll.MsgsPerSec / hr.Gnet.MsgsPerSec
		ratios = append(ratios, hr.Ratio)
		line := ""
		if hr.URing != nil {
			hr.URingGnet = hr.URing.MsgsPerSec / hr.Gnet.MsgsPerSec
			hr.URingEpoll = hr.URing.MsgsPerSec / hr.Epoll.MsgsPerSec
			uringGnet, uringEpoll = append(uringGnet, hr.URingGnet), append(uringEpoll, hr.URingEpoll)
			line = fmt.Sprintf("; io_uring %s msg/s (CPU %.0f%%, %.2f syscalls/echo, echoload CPU %.0f%%): io_uring/gnet %.3f, io_uring/epoll %.3f",
				count(hr.URing.MsgsPerSec), 100*hr.URing.ServerCPU, hr.URing.SyscallsPerEcho, 100*hr.URing.ClientCPU, hr.URingGnet, hr.URingEpoll)
		}
		h.Rounds = append(h.Rounds, hr)
		b.logf("headline round %d (%s): epoll %s msg/s (CPU %.0f%%, blocks %.1f/1k vs echoload %.1f/1k, %.2f syscalls/echo), gnet %s msg/s (CPU %.0f%%, blocks %.1f/1k vs echoload %.1f/1k, %.2f syscalls/echo), echoload CPU %.0f%%/%.0f%%: ratio %.3f%s",
			r+1, hr.Order, count(hr.Epoll.MsgsPerSec), 100*hr.Epoll.ServerCPU, hr.Epoll.ServerBlocks, hr.Epoll.ClientBlocks, hr.Epoll.SyscallsPerEcho,
			count(hr.Gnet.MsgsPerSec), 100*hr.Gnet.ServerCPU, hr.Gnet.ServerBlocks, hr.Gnet.ClientBlocks, hr.Gnet.SyscallsPerEcho,
			100*hr.Epoll.ClientCPU, 100*hr.Gnet.ClientCPU, hr.Ratio, line)
	}
	h.MedianRatio = median(ratios)
	if len(uringGnet) > 0 {
		h.MedianURingGnet, h.MedianURingEpoll = median(uringGnet), median(uringEpoll)
	}
}

// headRun is one server's run of a headline round, with its system calls
// per echo counted where perf can.
func (b *bench) headRun(ctx context.Context, s *server, spec loadSpec) (Run, error) {
	var sc *syscallCount
	if s.srv != nil {
		sc, _ = countSyscalls(ctx, s.srv.PID) // nil where perf cannot: perfUsable says why
	}
	out, err := runEchoload(ctx, b.echoload, s, spec)
	var perSec float64
	if sc != nil {
		var serr error
		if perSec, serr = sc.perSecond(); serr != nil {
			b.res.Headline.SyscallsError = serr.Error()
		}
	}
	if err != nil {
		return Run{}, err
	}
	run := toRun(out, 0, spec.Conns)
	if perSec > 0 && run.MsgsPerSec > 0 {
		run.SyscallsPerEcho = perSec / run.MsgsPerSec
	}
	return run, nil
}

// toRun turns phase i of an echoload run into a Run.
func toRun(out *report.Output, i, conns int) Run {
	p := out.Phases[i]
	r := Run{MsgsPerSec: p.MsgsPerSec, MBPerSec: p.MBPerSec, Latency: p.Latency}
	if p.WindowSeconds > 0 {
		r.ClientCPU = p.ClientCPUSeconds / p.WindowSeconds
		r.ServerCPU = p.ServerCPUSeconds / p.WindowSeconds
	}
	if p.Messages > 0 {
		r.CPUPerMsg = 1e6 * p.ServerCPUSeconds / float64(p.Messages)
		r.ClientCPUPerMsg = 1e6 * p.ClientCPUSeconds / float64(p.Messages)
		if p.ServerLoop != nil && p.ClientLoop != nil {
			r.ServerBlocks = 1000 * float64(p.ServerLoop.Sleeps) / float64(p.Messages)
			r.ClientBlocks = 1000 * float64(p.ClientLoop.Sleeps) / float64(p.Messages)
		}
	}
	if p.Server != nil {
		r.Procs, r.Threads = p.Server.Procs, p.Server.Threads
		if out.ServerIdle != nil {
			r.MemPerConn = float64(p.Server.Memory()-out.ServerIdle.Memory()) / float64(conns)
		}
	}
	return r
}

// matrix measures every server at every connection count it serves, every
// size, in interleaved rounds.
func (b *bench) matrix(ctx context.Context) {
	spec := loadSpec{Sizes: b.cfg.sizes, Window: b.cfg.window, Warmup: b.cfg.warmup, Observe: true}
	for _, conns := range b.cfg.conns {
		spec.Conns = conns
		cells := map[string][]*Cell{} // server → one cell per size
		var active []*server
		for _, s := range b.servers {
			if s.MaxConns < conns {
				continue
			}
			for _, size := range b.cfg.sizes {
				c := &Cell{Server: s.Name, Conns: conns, Size: size}
				if why := b.gaveUp[s.Name]; why != "" {
					c.Error = why
				}
				cells[s.Name] = append(cells[s.Name], c)
				b.res.Cells = append(b.res.Cells, c)
			}
			if b.gaveUp[s.Name] == "" {
				active = append(active, s)
			}
		}
		failed := map[string]bool{}
		for round := range b.cfg.rounds {
			for k := range active {
				s := active[(k+round)%len(active)]
				if failed[s.Name] || ctx.Err() != nil {
					continue
				}
				// What one run costs: each size's warm-up, window and two
				// drains, plus dialing (a fork per connection in the
				// process model).
				need := time.Duration(len(b.cfg.sizes))*(b.cfg.warmup+b.cfg.window+300*time.Millisecond) + time.Duration(conns)*2*time.Millisecond
				if s.Name == "multiprocess" {
					need += time.Duration(conns) * 10 * time.Millisecond
				}
				if b.left() < need {
					for _, c := range cells[s.Name] {
						if c.Error == "" {
							c.Error = fmt.Sprintf("skipped after %d of %d rounds: time budget", len(c.Runs), b.cfg.rounds)
						}
					}
					continue
				}
				if err := s.alive(); err != nil {
					b.logf("%v; restarting it", err)
					s.stop()
					if err := s.start(ctx); err != nil {
						b.logf("%v", err)
					}
				}
				out, err := runEchoload(ctx, b.echoload, s, spec)
				if err != nil {
					failed[s.Name] = true
					b.gaveUp[s.Name] = fmt.Sprintf("skipped: failed at %d connections", conns)
					for _, c := range cells[s.Name] {
						c.Error = err.Error()
					}
					b.logf("%d conns round %d: %v", conns, round+1, err)
					if out == nil {
						continue
					}
				}
				var line []string
				for i, p := range out.Phases {
					if i >= len(cells[s.Name]) {
						break
					}
					r := toRun(out, i, conns)
					r.Round = round
					cells[s.Name][i].Runs = append(cells[s.Name][i].Runs, r)
					line = append(line, fmt.Sprintf("%s %s msg/s", load.SizeName(p.Size), count(p.MsgsPerSec)))
				}
				b.logf("%4d conns round %d/%d %-17s %s (server CPU %.0f%%, echoload %.0f%%)", conns, round+1, b.cfg.rounds, s.Name,
					strings.Join(line, ", "), 100*firstRun(cells[s.Name]).ServerCPU, 100*firstRun(cells[s.Name]).ClientCPU)
			}
		}
		// Ratios to the anchor, round by round.
		anchor := cells["gnet"]
		for _, cs := range cells {
			for i, c := range cs {
				for k := range c.Runs {
					if a := anchorRun(anchor, i, c.Runs[k].Round); a != nil && a.MsgsPerSec > 0 {
						c.Runs[k].Ratio = c.Runs[k].MsgsPerSec / a.MsgsPerSec
					}
				}
				c.Median = medianRun(c.Runs)
			}
		}
	}
}

// firstRun is the latest run of the first size, for the progress line.
func firstRun(cs []*Cell) Run {
	if len(cs) == 0 || len(cs[0].Runs) == 0 {
		return Run{}
	}
	return cs[0].Runs[len(cs[0].Runs)-1]
}

func anchorRun(anchor []*Cell, size, round int) *Run {
	if size >= len(anchor) {
		return nil
	}
	for k := range anchor[size].Runs {
		if anchor[size].Runs[k].Round == round {
			return &anchor[size].Runs[k]
		}
	}
	return nil
}

// machine describes this computer for the report.
func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), Date: time.Now().UTC().Format("2006-01-02")}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.Kernel = "Linux " + unix.ByteSliceToString(u.Release[:])
	}
	return m
}

// loadAverage reads /proc/loadavg: the machine's 1, 5 and 15 minute load.
func loadAverage() [3]float64 {
	var l [3]float64
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Sscanf(string(data), "%f %f %f", &l[0], &l[1], &l[2])
	}
	return l
}
