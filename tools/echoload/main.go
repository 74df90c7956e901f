// Command echoload loads a TCP echo server on this machine and measures it:
// N connections, each keeping a pipeline of messages in flight, every
// echoed byte checked against what was sent, and the message rate, the
// byte rate and the latency percentiles (p50, p90, p99, p99.9, from an HDR
// histogram) of each message size.
//
//	echoload -addr 127.0.0.1:9090 -c 256 -size 64,4KiB,64KiB -d 5s
//	echoload -addr 127.0.0.1:9090 -c 16 -depth 16 -n 1000000
//	echoload -addr 127.0.0.1:9090 -c 100 -rate 20000 -d 10s     # open loop
//	echoload -addr 127.0.0.1:9090 -c 256 -server PID --json       # also the server's CPU and memory
//
// Every run is bounded: each size's window ends after -d (default 10 s) or
// -n messages, whichever comes first, and the messages still in flight
// must come back within -drain-timeout. Only loopback addresses are
// accepted. The exit status is 0 for a clean run, 1 if the server failed
// (a wrong byte, a closed or reset connection, a message that never came
// back), 2 for a bad command line.
//
// On a terminal a progress line is updated once a second on stderr;
// --json prints one JSON object on stdout for programs (tools/bench).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/echospec/echospec/probe"
	"github.com/echospec/echospec/tools/echoload/load"
	"github.com/echospec/echospec/tools/echoload/observe"
	"github.com/echospec/echospec/tools/echoload/report"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command line beyond load.Config.
type options struct {
	cfg      load.Config
	json     bool
	server   int // PID whose process group is observed; 0: none
	progress string
}

// parse reads the command line into options and validates them.
func parse(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("echoload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	sizes := "64"
	fs.StringVar(&o.cfg.Addr, "addr", "127.0.0.1:9090", "the server's `host:port` (loopback only)")
	fs.IntVar(&o.cfg.Conns, "c", 1, "number of connections")
	fs.StringVar(&sizes, "size", sizes, "message `sizes`, comma-separated, each measured in turn (64, 4KiB, 64KiB, 1MiB)")
	fs.IntVar(&o.cfg.Depth, "depth", 1, "messages in flight per connection (1: ping-pong; more: pipelining)")
	fs.DurationVar(&o.cfg.Duration, "d", 10*time.Second, "measured time per size; always a limit, even with -n")
	fs.Int64Var(&o.cfg.Messages, "n", 0, "messages per size (spread over the connections); 0: until -d")
	fs.Float64Var(&o.cfg.Rate, "rate", 0, "open loop: `messages/s` in total, latency counted from when each was due; 0: closed loop")
	fs.DurationVar(&o.cfg.Warmup, "warmup", 0, "unmeasured load before each size")
	fs.DurationVar(&o.cfg.DialTimeout, "dial-timeout", 10*time.Second, "bound on opening each connection")
	fs.DurationVar(&o.cfg.DrainTimeout, "drain-timeout", 10*time.Second, "bound on the wait for messages in flight after each window")
	fs.Uint64Var(&o.cfg.Seed, "seed", 1, "seed of the random bytes sent")
	fs.BoolVar(&o.json, "json", false, "print one JSON object on stdout instead of a table")
	fs.IntVar(&o.server, "server", 0, "`PID` of the server: also report its process group's CPU time, processes, threads and memory (Linux)")
	fs.StringVar(&o.progress, "progress", "auto", "progress line on stderr: auto (on a terminal), on, off")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: echoload [flags]\n\nLoads a TCP echo server on this machine, checks every echoed byte, and reports\nmessages/s, MB/s and latency percentiles per message size.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (flags only)", fs.Arg(0))
	}
	var err error
	if o.cfg.Sizes, err = parseSizes(sizes); err != nil {
		return nil, err
	}
	switch o.progress {
	case "auto", "on", "off":
	default:
		return nil, fmt.Errorf("-progress %q: want auto, on or off", o.progress)
	}
	if o.server < 0 {
		return nil, fmt.Errorf("-server %d: want a process ID", o.server)
	}
	if err := o.cfg.Validate(); err != nil {
		return nil, err
	}
	return o, nil
}

// parseSizes reads "64,4KiB,64KiB": bytes, with an optional K/KiB, M/MiB
// suffix (powers of 1,024).
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		mult := 1
		num := f
		for _, u := range []struct {
			suffix string
			mult   int
		}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"K", 1 << 10}, {"M", 1 << 20}, {"B", 1}} {
			if strings.HasSuffix(f, u.suffix) {
				num, mult = strings.TrimSpace(strings.TrimSuffix(f, u.suffix)), u.mult
				break
			}
		}
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || n > load.MaxSize/mult {
			return nil, fmt.Errorf("-size %q: %q is not a size from 1 B to %d MiB (like 64, 4KiB, 1MiB)", s, f, load.MaxSize>>20)
		}
		out = append(out, n*mult)
	}
	return out, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stderr)
	if err == flag.ErrHelp {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "echoload: %v\n", err)
		return 2
	}
	out := report.Output{Tool: "echoload", Addr: o.cfg.Addr, Conns: o.cfg.Conns, Depth: o.cfg.Depth, Rate: o.cfg.Rate}

	// Observing: this process's schedstat at each edge of each window; the
	// server's group, if asked, fully before and after the run, its CPU at
	// each window's start and fully at each window's end.
	n := len(o.cfg.Sizes)
	selfAt0, selfAt1 := make([]observe.Sample, n), make([]observe.Sample, n)
	srvAt0, srvAt1 := make([]observe.Sample, n), make([]*observe.Sample, n)
	var g *observe.Group
	if o.server > 0 {
		pgid, err := getpgid(o.server)
		if own, _ := getpgid(os.Getpid()); err == nil && pgid == own {
			err = fmt.Errorf("it shares echoload's process group %d (started from the same non-interactive shell?), so its counters would include echoload's own; start the server in a group of its own (setsid, or a shell with job control)", pgid)
		}
		if err == nil {
			g, err = observe.Open(pgid)
		}
		if err != nil {
			fmt.Fprintf(stderr, "echoload: -server %d: %v\n", o.server, err)
			return 2
		}
		if s, err := g.Full(); err == nil {
			out.ServerIdle = &s
		}
		o.cfg.Hooks.Done = func() {
			if s, err := g.Full(); err == nil {
				out.ServerHeld = &s
			}
		}
	}
	o.cfg.Hooks.WindowStart = func(i int) {
		if g != nil {
			srvAt0[i], _ = g.CPU()
		}
		selfAt0[i], _ = observe.Self()
	}
	o.cfg.Hooks.WindowEnd = func(i int) {
		selfAt1[i], _ = observe.Self()
		if g == nil {
			return
		}
		s, err := g.Full()
		if err != nil {
			out.ServerError = err.Error()
			return
		}
		srvAt1[i] = &s
	}
	if o.progress == "on" || (o.progress == "auto" && !o.json && isTerminal(stderr)) {
		o.cfg.Hooks.Progress = func(p load.Progress) {
			what := "window"
			if p.Warmup {
				what = "warm-up"
			}
			fmt.Fprintf(stderr, "\r\033[K%s %s %5.1fs  %s msgs  %s msg/s  p99 %s",
				load.SizeName(p.Size), what, p.Elapsed.Seconds(), probe.Count(int(p.Messages)), probe.Count(int(p.Rate)), latency(p.P99))
		}
	}

	rep, err := load.Run(&o.cfg)
	if o.cfg.Hooks.Progress != nil {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if rep != nil {
		out.DialSeconds = rep.Dial.Seconds()
		out.Verified = rep.Verified
		for i, r := range rep.Phases {
			p := report.Phase{Result: r, WindowSeconds: r.Window.Seconds(), MsgsPerSec: r.MsgsPerSec(), MBPerSec: r.MBPerSec(),
				ClientCPUSeconds: r.ClientCPU.Seconds(), ClientRunnableSeconds: selfAt1[i].Runnable - selfAt0[i].Runnable}
			if t := observe.Busiest(selfAt0[i], selfAt1[i]); t.TID != 0 {
				p.ClientLoop = &t
			}
			if s := srvAt1[i]; s != nil {
				p.Server = s
				p.ServerCPUSeconds = s.CPU - srvAt0[i].CPU
				p.ServerRunnableSeconds = s.Runnable - srvAt0[i].Runnable
				if t := observe.Busiest(srvAt0[i], *s); t.TID != 0 {
					p.ServerLoop = &t
				}
			}
			out.Phases = append(out.Phases, p)
		}
	}
	if err != nil {
		out.Error = err.Error()
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(stderr, "echoload: %v\n", err)
			return 1
		}
	} else {
		printTable(stdout, &o.cfg, &out)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
