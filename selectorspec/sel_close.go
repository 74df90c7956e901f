//go:build unix

package selectorspec

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/impl/selector"
)

// closeRounds is how many times SEL-9 opens and closes a selector when
// descriptors seem to stay open: a leak must show in every round, so a
// descriptor another goroutine opens meanwhile does not fail the backend.
const closeRounds = 3

// fdID identifies an open file by device and inode, so a descriptor
// number reused for another file is not mistaken for a leak.
type fdID struct{ dev, ino uint64 }

func identity(fd int) (fdID, bool) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fdID{}, false
	}
	return fdID{uint64(st.Dev), uint64(st.Ino)}, true
}

// listFDs returns this process's open descriptors and their identities,
// from /proc/self/fd on Linux and /dev/fd elsewhere (FreeBSD shows only
// 0-2 there unless fdescfs is mounted; the caller checks the list is
// complete). The descriptor of the directory read itself is closed by the
// time identities are taken, so it is left out.
func listFDs() (map[int]fdID, error) {
	dir := "/dev/fd"
	if runtime.GOOS == "linux" {
		dir = "/proc/self/fd"
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	fds := map[int]fdID{}
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil {
			if id, ok := identity(n); ok {
				fds[n] = id
			}
		}
	}
	return fds, nil
}

// SEL-9: Close releases what Open acquired from the OS, and every later
// call fails with ErrClosed.
func checkClose(r *run, open Open) {
	a, b := r.socketPair()
	// The first directory read may start Go's own poller, which opens
	// descriptors for good: do it before anything is counted.
	_, _ = listFDs()
	leakyRounds, checked := 0, false
	var created, leaked []string
	for round := 1; round <= closeRounds; round++ {
		before, err := listFDs()
		_, hasA := before[a]
		_, hasB := before[b]
		listed := err == nil && hasA && hasB
		x := r.open(open)
		x.mustRegister(a, selector.Read, "SEL-9")
		after, _ := listFDs()
		kept := map[int]fdID{}
		created = created[:0]
		for fd, id := range after {
			if old, ok := before[fd]; (ok && old == id) || fd == a || fd == b {
				continue
			}
			kept[fd] = id
			created = append(created, fdString(fd))
		}
		sort.Strings(created)
		name := x.name
		if err := x.Close(); err != nil {
			r.stopOn(err, "Close() of an open selector with one registration = %v; want success", err)
		}
		if round == 1 {
			r.checkAfterClose(x, name, a, b)
		}
		if !listed {
			why := "the list lacks descriptors known to be open"
			if err != nil {
				why = err.Error()
			}
			r.measuref("cannot list this process's descriptors (%s), so the release of OS resources was not checked; calls after Close were", why)
			return
		}
		checked = true
		leaked = leaked[:0]
		for fd, id := range kept {
			if now, ok := identity(fd); ok && now == id {
				leaked = append(leaked, fmt.Sprintf("fd %d", fd))
			}
		}
		if len(leaked) == 0 {
			break
		}
		leakyRounds++
	}
	switch {
	case checked && leakyRounds == closeRounds:
		r.failf("Close() of a selector whose Open created %s = %s still open, in each of %d rounds; want every descriptor Open created closed",
			strings.Join(created, ", "), strings.Join(leaked, ", "), closeRounds)
	case len(created) == 0:
		r.measuref("Open created no descriptor; every call after Close failed as documented")
	default:
		r.measuref("Open created %s; Close released it; every call after Close failed as documented", strings.Join(created, ", "))
	}
}

// checkAfterClose calls every method of a closed selector.
func (r *run) checkAfterClose(x *sel, name string, a, b int) {
	calls := []misuse{
		{fmt.Sprintf("Register(fd %d, Read)", b), second(x.Register(b, selector.Read, nil)), selector.ErrClosed},
		{fmt.Sprintf("Modify(fd %d, Write)", a), second(x.Modify(a, selector.Write, nil)), selector.ErrClosed},
		{fmt.Sprintf("Unregister(fd %d)", a), second(x.Unregister(a)), selector.ErrClosed},
		{"Select(0)", second(x.Select(0)), selector.ErrClosed},
		{fmt.Sprintf("Key(fd %d)", a), second(x.Key(a)), selector.ErrClosed},
		{"Close()", x.Close(), selector.ErrClosed},
	}
	for _, c := range calls {
		switch {
		case errors.Is(c.err, errPanicked):
		case c.err == nil:
			r.failf("%s after Close = success; want an error (%v)", c.what, selector.ErrClosed)
		case !errors.Is(c.err, selector.ErrClosed):
			r.failf("%s after Close = error %q; want an error matching %v (errors.Is), as the Selector contract documents", c.what, c.err, selector.ErrClosed)
		}
	}
	if n := x.Len(); n != 0 {
		r.failf("Len() after Close = %d; want 0", n)
	}
	var got string
	if r.guard("Backend()", func() { got = x.s.Backend() }) == nil && got != name {
		r.failf("Backend() after Close = %q; want %q, as before Close", got, name)
	}
}
