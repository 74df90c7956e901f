// Package rlimit holds the resource limits a server under test runs with:
// the kit's defaults, a manifest's lowering of them, and their encoding
// for the launcher's pre-exec shim, which applies them before the server's
// first instruction.
package rlimit

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Set is one set of limits. In a manifest a zero field means "the default".
type Set struct {
	// Processes bounds the server's processes and threads together (the
	// pids cgroup where the kit can make one, RLIMIT_NPROC otherwise).
	Processes uint64
	// OpenFiles is RLIMIT_NOFILE.
	OpenFiles uint64
	// AddressSpace is RLIMIT_AS, in bytes.
	AddressSpace uint64
	// CPUTime is RLIMIT_CPU, rounded up to whole seconds.
	CPUTime time.Duration
	// FileSize is RLIMIT_FSIZE, in bytes.
	FileSize uint64
	// Memory bounds the memory of all the server's processes together
	// (a memory cgroup, swap off), in bytes; a sandboxed server only.
	Memory uint64
	// Disk bounds what a sandboxed server may write in all: its private
	// copy of its folder, /tmp and /dev/shm (one tmpfs), in bytes.
	Disk uint64
}

// Defaults suit the tutorial's models: up to 1,000 connections, a few
// hundred threads or processes, runtimes that reserve large address
// ranges (Go, V8), a whole suite's worth of CPU; and they stop a runaway
// server before it hurts the machine.
var Defaults = Set{
	Processes:    4096,
	OpenFiles:    4096,
	AddressSpace: 32 << 30,
	CPUTime:      10 * time.Minute,
	FileSize:     256 << 20,
	// 1 GiB a server: six graded at once, as the docs advise on 2 cores,
	// take at most a quarter of a 24 GiB machine.
	Memory: 1 << 30,
	Disk:   256 << 20,
}

// Fields names each limit as a manifest's [limits] table spells it, with
// what it accepts.
var Fields = map[string]string{
	"processes":     "a positive integer, processes and threads together, e.g. processes = 64",
	"open_files":    "a positive integer, e.g. open_files = 1024",
	"address_space": `bytes as an integer or a string with a unit, e.g. address_space = "4GiB"`,
	"cpu_time":      `a duration, e.g. cpu_time = "120s"`,
	"file_size":     `bytes as an integer or a string with a unit, e.g. file_size = "16MiB"`,
	"memory":        `bytes as an integer or a string with a unit, e.g. memory = "256MiB"`,
	"disk":          `bytes as an integer or a string with a unit, e.g. disk = "64MiB"`,
}

// Lower returns d with every non-zero field of s in place of d's. A field
// above d's value is an error naming it: a manifest may only tighten.
func (s Set) Lower(d Set) (Set, error) {
	out := d
	for _, f := range []struct {
		name     string
		v, def   uint64
		dst      *uint64
		describe func(uint64) string
	}{
		{"processes", s.Processes, d.Processes, &out.Processes, count},
		{"open_files", s.OpenFiles, d.OpenFiles, &out.OpenFiles, count},
		{"address_space", s.AddressSpace, d.AddressSpace, &out.AddressSpace, Bytes},
		{"file_size", s.FileSize, d.FileSize, &out.FileSize, Bytes},
		{"memory", s.Memory, d.Memory, &out.Memory, Bytes},
		{"disk", s.Disk, d.Disk, &out.Disk, Bytes},
	} {
		if f.v == 0 {
			continue
		}
		if f.v > f.def {
			return d, fmt.Errorf("%s = %s is above the kit's limit of %s; a manifest may only lower limits", f.name, f.describe(f.v), f.describe(f.def))
		}
		*f.dst = f.v
	}
	if s.CPUTime != 0 {
		if s.CPUTime > d.CPUTime {
			return d, fmt.Errorf("cpu_time = %v is above the kit's limit of %v; a manifest may only lower limits", s.CPUTime, d.CPUTime)
		}
		out.CPUTime = s.CPUTime
	}
	return out, nil
}

func count(v uint64) string { return strconv.FormatUint(v, 10) }

// Bytes renders a size the way ParseBytes reads it.
func Bytes(v uint64) string {
	for _, u := range []struct {
		s string
		n uint64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if v >= u.n && v%u.n == 0 {
			return fmt.Sprintf("%d%s", v/u.n, u.s)
		}
	}
	return fmt.Sprintf("%dB", v)
}

// ParseBytes reads "4GiB", "512MiB", "64KiB", "1000B" or a bare number of
// bytes; KB/MB/GB are taken as powers of 1,000.
func ParseBytes(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	mult := uint64(1)
	for _, u := range []struct {
		s string
		n uint64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}} {
		if num, ok := strings.CutSuffix(t, u.s); ok {
			t, mult = strings.TrimSpace(num), u.n
			break
		}
	}
	n, err := strconv.ParseUint(t, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q is not a size: write a positive number with a unit, e.g. \"4GiB\"", s)
	}
	if n > ^uint64(0)/mult {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return n * mult, nil
}

// Encode renders s for the shim's environment.
func (s Set) Encode() string {
	return fmt.Sprintf("processes=%d,open_files=%d,address_space=%d,cpu_seconds=%d,file_size=%d,memory=%d,disk=%d",
		s.Processes, s.OpenFiles, s.AddressSpace, cpuSeconds(s.CPUTime), s.FileSize, s.Memory, s.Disk)
}

// Decode reads what Encode wrote.
func Decode(v string) (Set, error) {
	var s Set
	for kv := range strings.SplitSeq(v, ",") {
		k, val, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(val, 10, 64)
		if !ok || err != nil {
			return s, fmt.Errorf("rlimit: bad entry %q in %q", kv, v)
		}
		switch k {
		case "processes":
			s.Processes = n
		case "open_files":
			s.OpenFiles = n
		case "address_space":
			s.AddressSpace = n
		case "cpu_seconds":
			s.CPUTime = time.Duration(n) * time.Second
		case "file_size":
			s.FileSize = n
		case "memory":
			s.Memory = n
		case "disk":
			s.Disk = n
		default:
			return s, fmt.Errorf("rlimit: unknown limit %q in %q", k, v)
		}
	}
	return s, nil
}

// CPUSeconds is CPUTime as RLIMIT_CPU takes it: whole seconds, rounded up.
func (s Set) CPUSeconds() uint64 { return cpuSeconds(s.CPUTime) }

func cpuSeconds(d time.Duration) uint64 {
	return uint64((d + time.Second - 1) / time.Second)
}

func (s Set) String() string {
	return fmt.Sprintf("processes %d, open files %d, address space %s, CPU time %v, file size %s, memory %s, disk %s",
		s.Processes, s.OpenFiles, Bytes(s.AddressSpace), s.CPUTime, Bytes(s.FileSize), Bytes(s.Memory), Bytes(s.Disk))
}
