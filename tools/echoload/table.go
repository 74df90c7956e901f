package main

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/echospec/echospec/probe"
	"github.com/echospec/echospec/tools/echoload/load"
	"github.com/echospec/echospec/tools/echoload/report"
)

// printTable writes the human report: one line per size, then the server.
func printTable(w io.Writer, cfg *load.Config, out *report.Output) {
	mode := "closed loop"
	if cfg.Rate > 0 {
		mode = fmt.Sprintf("open loop at %s msg/s", probe.Count(int(cfg.Rate)))
	}
	fmt.Fprintf(w, "echoload: %d connections to %s, depth %d, %s; dialed in %s\n",
		cfg.Conns, cfg.Addr, cfg.Depth, mode, latency(time.Duration(out.DialSeconds*1e9)))
	if len(out.Phases) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "size\tmsgs/s\tMB/s\tp50\tp90\tp99\tp99.9\tmax\tmessages\techoload CPU\t")
	for _, p := range out.Phases {
		l := p.Latency
		w := max(p.WindowSeconds, 1e-9)
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f%%\t\n", load.SizeName(p.Size), probe.Count(int(p.MsgsPerSec)), p.MBPerSec,
			latency(l.P50), latency(l.P90), latency(l.P99), latency(l.P999), latency(l.Max), probe.Count(int(p.Messages)), 100*p.ClientCPUSeconds/w)
	}
	tw.Flush()
	for _, p := range out.Phases {
		if c, s := p.ClientLoop, p.ServerLoop; c != nil && s != nil && p.Messages > 0 {
			fmt.Fprintf(w, "at %s, per 1,000 echoes the server's busiest thread blocked %.1f times, echoload's %.1f times (the side that blocks less is the one the other waits for)\n",
				load.SizeName(p.Size), 1000*float64(s.Sleeps)/float64(p.Messages), 1000*float64(c.Sleeps)/float64(p.Messages))
		}
		if s := p.Server; s != nil && p.Messages > 0 {
			fmt.Fprintf(w, "server at %s: CPU %.0f%% of a core (%.1f µs/msg), %d processes, %d threads, %s (PSS + page tables + kernel stacks)\n",
				load.SizeName(p.Size), 100*p.ServerCPUSeconds/max(p.WindowSeconds, 1e-9), 1e6*p.ServerCPUSeconds/float64(p.Messages),
				s.Procs, s.Threads, bytesText(s.Memory()))
		}
	}
	if idle, held := out.ServerIdle, out.ServerHeld; idle != nil && held != nil {
		fmt.Fprintf(w, "server memory: %s idle, %s with %d idle connections: %s per connection\n",
			bytesText(idle.Memory()), bytesText(held.Memory()), cfg.Conns, bytesText((held.Memory()-idle.Memory())/int64(cfg.Conns)))
	}
	fmt.Fprintf(w, "verified every byte of %s messages\n", probe.Count(int(out.Verified)))
}

// latency formats d with three significant digits: 71.2µs, 3.41ms, 1.20s.
func latency(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return strconv.FormatFloat(float64(d)/1e3, 'f', digits(float64(d)/1e3), 64) + "µs"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/1e6, 'f', digits(float64(d)/1e6), 64) + "ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', digits(d.Seconds()), 64) + "s"
}

func digits(x float64) int {
	switch {
	case x >= 100:
		return 0
	case x >= 10:
		return 1
	}
	return 2
}

// bytesText formats an amount of memory: 812 B, 7.6 KiB, 4.2 MiB.
func bytesText(n int64) string {
	switch {
	case n < 0:
		return "-" + bytesText(-n)
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
