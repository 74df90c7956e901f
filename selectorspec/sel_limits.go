//go:build unix

package selectorspec

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/impl/selector"
)

// fdSetSize is FD_SETSIZE, the bits in an fd_set: 1024 on Linux, darwin
// and FreeBSD, 256 on NetBSD.
var fdSetSize = len(unix.FdSet{}.Bits) * int(unsafe.Sizeof(unix.FdSet{}.Bits[0])) * 8

// noLimitProbe is the descriptor a backend without a limit must accept:
// the first that select(2) cannot watch on most systems.
const noLimitProbe = 1024

// limitFor is the descriptor limit the backend declared with WithFDLimit,
// or FD_SETSIZE for "select" and none (0) for the others.
func (c config) limitFor(backend string) int {
	switch {
	case c.fdLimitSet:
		return c.fdLimit
	case backend == "select":
		return fdSetSize
	}
	return 0
}

// SEL-10: a descriptor at or beyond the backend's limit is refused at
// Register with an error, not a panic; without a limit one >= 1024 works.
func checkFDLimit(r *run, open Open) {
	a, _ := r.socketPair()
	x := r.open(open)
	limit := r.cfg.limitFor(x.name)
	target := limit
	if limit == 0 {
		target = noLimitProbe
	}
	r.ensureFDs(target + 1)
	high, err := r.dupAtLeast(a, target)
	if err != nil {
		r.skipf("cannot duplicate a socket to a descriptor >= %d: %v", target, err)
	}
	if limit == 0 {
		if _, err := x.Register(high, selector.Write, nil); err != nil {
			r.stopOn(err, "Register(fd %d, Write) on a backend with no declared descriptor limit = %v; want success (or declare the limit with WithFDLimit)", high, err)
		}
		if ev := r.eventsFor("Select(0)", x.mustSelect(0), high); ev != selector.Write {
			r.failf("Select(0) with an idle socket registered for Write as fd %d = %s; want Write", high, evs(ev))
		}
		r.measuref("no descriptor limit: fd %d was registered and reported Write", high)
		return
	}

	// Just below the limit, when that descriptor is free: it must work.
	below := "not tried (it is in use)"
	if low, err := r.dupAtLeast(a, limit-1); err == nil && low == limit-1 {
		if _, err := x.Register(low, selector.Write, nil); err != nil {
			r.stopOn(err, "Register(fd %d, Write), just below the declared limit of %d = %v; want success", low, limit, err)
		}
		if ev := r.eventsFor("Select(0)", x.mustSelect(0), low); ev != selector.Write {
			r.failf("Select(0) with an idle socket registered for Write as fd %d, just below the limit = %s; want Write", low, evs(ev))
		}
		if _, err := x.Unregister(low); err != nil {
			r.stopOn(err, "Unregister(fd %d) = %v; want success", low, err)
		}
		below = fmt.Sprintf("fd %d worked", low)
	} else if err == nil {
		r.closeFD(low)
	}

	_, err = x.Register(high, selector.Write, nil)
	switch {
	case errors.Is(err, errPanicked):
		return
	case err == nil:
		r.failf("Register(fd %d, Write) on a backend with a limit of %d descriptors = success; want an error (%v): it cannot watch that descriptor",
			high, limit, selector.ErrFDLimit)
		_, _ = x.Unregister(high)
		return
	case !errors.Is(err, selector.ErrFDLimit):
		r.measuref("Register(fd %d) refused with %q, which does not match selector.ErrFDLimit (accepted: any error will do)", high, err)
	}
	if _, kerr := x.Key(high); kerr == nil {
		r.failf("Key(fd %d) after Register refused it = a registration; want ErrNotRegistered (a refused Register registers nothing)", high)
	}
	r.measuref("limit %d: Register(fd %d) = %v; just below the limit: %s", limit, high, err, below)
}

// manyPairs is how many socket pairs SEL-11 registers, both ends each.
const manyPairs = 500

// SEL-11: with 1,000 registered sockets, one Select(0) reports exactly
// the ready ones, each once, with its own data; twice, with different
// sockets ready.
func checkManySockets(r *run, open Open) {
	x := r.open(open)
	limit := r.cfg.limitFor(x.name)
	r.ensureFDs(2*manyPairs + 256)
	ends := make([][2]int, manyPairs)
	lo, hi := -1, 0
	for i := range ends {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
		if errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE) {
			r.skipf("ran out of descriptors after %d socket pairs: %v", i, err)
		}
		if err != nil {
			r.fatalf("setup: socketpair #%d = %v", i+1, err)
		}
		ends[i] = [2]int{r.own(fds[0], "socketpair"), r.own(fds[1], "socketpair")}
		for j, fd := range fds {
			if limit > 0 && fd >= limit {
				r.skipf("this process already has many descriptors open: socket fd %d is beyond the backend's limit of %d", fd, limit)
			}
			x.mustRegister(fd, selector.Read, 2*i+j)
			if lo < 0 {
				lo = fd
			}
			hi = max(hi, fd)
		}
	}
	round := func(name string, pick func(i int) (a, b bool)) int {
		want := map[int]int{} // ready fd → its data
		for i, e := range ends {
			pa, pb := pick(i)
			if pa { // make end a readable by writing on b
				r.writeAll(e[1], []byte{1})
				want[e[0]] = 2 * i
			}
			if pb {
				r.writeAll(e[0], []byte{1})
				want[e[1]] = 2*i + 1
			}
		}
		r.compareReady(x.mustSelect(0), want, name)
		for fd := range want {
			drain(fd)
		}
		return len(want)
	}
	n1 := round("the first", func(i int) (bool, bool) { return i%7 == 3, i%13 == 5 })
	n2 := round("after those were read, a second", func(i int) (bool, bool) { return i%11 == 4, false })
	r.measuref("%d sockets registered (fds %d to %d); Select(0) reported exactly the %d ready, then exactly the %d ready after those were read",
		2*manyPairs, lo, hi, n1, n2)
}

// compareReady fails for every descriptor reported that is not ready,
// reported twice, or reported with other events or data, and for every
// ready one missing.
func (r *run) compareReady(ready []selector.Ready, want map[int]int, name string) {
	seen := map[int]bool{}
	var extra, missing, wrong []string
	for _, rd := range ready {
		fd := rd.Key.FD
		data, ok := want[fd]
		switch {
		case !ok:
			extra = append(extra, fmt.Sprintf("fd %d %v", fd, evs(rd.Events)))
		case seen[fd]:
			wrong = append(wrong, fmt.Sprintf("fd %d reported twice", fd))
		case rd.Events != selector.Read || rd.Key.Data != data:
			wrong = append(wrong, fmt.Sprintf("fd %d %v with data %#v (want Read with %d)", fd, evs(rd.Events), rd.Key.Data, data))
		}
		seen[fd] = true
	}
	for fd := range want {
		if !seen[fd] {
			missing = append(missing, fmt.Sprintf("fd %d", fd))
		}
	}
	if len(extra)+len(missing)+len(wrong) == 0 {
		return
	}
	r.failf("Select(0) with %d sockets registered for Read, %s time with %d of them ready = %d reported (missing: %s; not ready: %s; wrong: %s); "+
		"want exactly the %d ready, each once, Read, with its own data",
		2*manyPairs, name, len(want), len(ready), few(missing), few(extra), few(wrong), len(want))
}

// few lists up to five items, sorted, and how many more there are.
func few(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	sort.Strings(items)
	if len(items) > 5 {
		return fmt.Sprintf("%s and %d more", strings.Join(items[:5], ", "), len(items)-5)
	}
	return strings.Join(items, ", ")
}
