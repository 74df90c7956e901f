package observe

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/echospec/echospec/procfs"
)

// Group is a process group to sample.
type Group struct {
	PGID int
	pids []int
}

// Open checks that pgid names a live process group and remembers its
// processes.
func Open(pgid int) (*Group, error) {
	g := &Group{PGID: pgid}
	if err := g.refresh(); err != nil {
		return nil, err
	}
	return g, nil
}

func (g *Group) refresh() error {
	ps, err := procfs.Group(g.PGID)
	if err != nil {
		return err
	}
	g.pids = g.pids[:0]
	for _, p := range ps {
		if !p.Zombie() {
			g.pids = append(g.pids, p.PID)
		}
	}
	if len(g.pids) == 0 {
		return fmt.Errorf("observe: no live process in process group %d", g.PGID)
	}
	return nil
}

// CPU lists the group's processes again and samples the CPU time of
// their threads only: the quick sample taken at the edges of a window.
func (g *Group) CPU() (Sample, error) {
	if err := g.refresh(); err != nil {
		return Sample{}, err
	}
	return sampleCPU(g.pids), nil
}

// Self samples this process's threads.
func Self() (Sample, error) {
	s := sampleCPU([]int{os.Getpid()})
	if s.Procs == 0 {
		return s, fmt.Errorf("observe: cannot read /proc/%d/task", os.Getpid())
	}
	return s, nil
}

// sampleCPU reads every thread of pids: schedstat (run and wait times, in
// ns, unlike stat's 10 ms ticks) and the voluntary switches in status.
func sampleCPU(pids []int) Sample {
	s := Sample{threads: map[int]Thread{}}
	for _, pid := range pids {
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		if err != nil {
			continue // it ended meanwhile
		}
		s.Procs++
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			th, err := thread(pid, tid)
			if err != nil {
				continue
			}
			s.threads[tid] = th
			s.CPU += th.CPU
			s.Runnable += th.Runnable
		}
	}
	return s
}

// thread reads one thread's schedstat ("run wait slices") and status.
func thread(pid, tid int) (Thread, error) {
	dir := fmt.Sprintf("/proc/%d/task/%d/", pid, tid)
	data, err := os.ReadFile(dir + "schedstat")
	if err != nil {
		return Thread{}, err
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return Thread{}, fmt.Errorf("observe: %sschedstat: %q is not 'run wait slices'", dir, data)
	}
	run, err1 := strconv.ParseInt(f[0], 10, 64)
	wait, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil {
		return Thread{}, fmt.Errorf("observe: %sschedstat: %q is not 'run wait slices'", dir, data)
	}
	th := Thread{TID: tid, CPU: float64(run) / 1e9, Runnable: float64(run+wait) / 1e9}
	if st, err := readStatus(dir + "status"); err == nil {
		th.Sleeps = st["voluntary_ctxt_switches"]
	}
	return th, nil
}

// Full is CPU plus threads and memory.
func (g *Group) Full() (Sample, error) {
	s, err := g.CPU()
	if err != nil {
		return s, err
	}
	for _, pid := range g.pids {
		st, err := status(pid)
		if err != nil {
			continue
		}
		s.Threads += int(st["Threads"])
		s.PageTables += st["VmPTE"] << 10
		pss, err := pss(pid)
		if err == nil {
			s.PSS += pss
		}
	}
	return s, nil
}

// status reads the numeric fields of /proc/PID/status ("VmPTE: 52 kB" is
// 52, in kB).
func status(pid int) (map[string]int64, error) {
	return readStatus(fmt.Sprintf("/proc/%d/status", pid))
}

func readStatus(path string) (map[string]int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok {
			continue
		}
		f := bytes.Fields(v)
		if len(f) == 0 {
			continue
		}
		if n, err := strconv.ParseInt(string(f[0]), 10, 64); err == nil {
			m[string(k)] = n
		}
	}
	return m, nil
}

// pss reads the Pss line of /proc/PID/smaps_rollup, in bytes.
func pss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, err
	}
	return parsePss(b)
}

// parsePss finds "Pss:  1234 kB" in smaps_rollup's text.
func parsePss(b []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) >= 2 && string(f[0]) == "Pss:" {
			n, err := strconv.ParseInt(string(f[1]), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("observe: smaps_rollup: bad Pss line %q", sc.Text())
			}
			return n << 10, nil
		}
	}
	return 0, fmt.Errorf("observe: smaps_rollup has no Pss line")
}
