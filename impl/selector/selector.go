// Package selector is a small, level-triggered I/O multiplexer shaped like
// Python's selectors module: register a file descriptor with the events you
// care about and a piece of data (typically a callback), then call Select to
// learn which descriptors are ready.
//
// Every backend (epoll, kqueue, poll, select, io_uring) behaves the same way:
//
//   - Readiness is level-triggered: a descriptor is reported on every Select
//     for as long as it stays ready. A socket with room in its send buffer is
//     therefore writable on every call, so register Write only while there is
//     output pending, or the event loop spins.
//   - Select reports each descriptor at most once, with only the events the
//     caller registered. A hang-up or error condition is reported as
//     Read|Write (masked by the registration), so the next read or write
//     returns the EOF or the error.
//   - A Selector is not safe for concurrent use: one goroutine, the event
//     loop, owns it.
//   - Unregister a descriptor before closing it. Closed while registered,
//     it is forgotten silently by epoll and kqueue (closing removes it from
//     the kernel object), reported as Read|Write on every Select by poll
//     (POLLNVAL), and makes every Select fail with EBADF under select,
//     until it is unregistered. Under io_uring it is silent, and the
//     socket stays open (its poll request holds it) until it is
//     unregistered. Unregister works in all five cases.
//
// The contract is written once, in this file: Selector for callers and
// backend for the kernel side. registry.go implements Selector on top of a
// backend; each backend is one build-tagged file (epoll_linux.go,
// kqueue_bsd.go, poll_unix.go, select_unix.go, iouring_linux.go). On
// systems that are not Unix (Windows, Plan 9, wasm) the package compiles,
// but New and Open fail.
package selector

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

// Events is a bit set of the readiness a caller is interested in.
type Events uint8

const (
	// Read means the descriptor can be read without blocking: data is
	// waiting, the peer has closed (read returns 0), an error is pending,
	// or a listening socket has a connection to accept.
	Read Events = 1 << iota
	// Write means the descriptor can be written without blocking: there is
	// room in its send buffer, or an error is pending.
	Write
)

// String returns "Read", "Write", "Read|Write", "0" or, for bits outside
// Read|Write, "Events(0x..)".
func (e Events) String() string {
	switch e {
	case 0:
		return "0"
	case Read:
		return "Read"
	case Write:
		return "Write"
	case Read | Write:
		return "Read|Write"
	}
	return fmt.Sprintf("Events(%#x)", uint8(e))
}

// Key is one registration: the descriptor, the events of interest, and the
// caller's data, returned unchanged with every event.
type Key struct {
	FD     int
	Events Events
	Data   any
}

// Ready is one entry returned by Select: a copy of the registration and the
// non-empty subset of its events that are ready.
type Ready struct {
	Key    Key
	Events Events
}

// Errors returned by every backend. They are wrapped with the descriptor
// where there is one ("selector: fd 7: already registered"), so test them
// with errors.Is.
var (
	// ErrClosed is returned by every method called after Close, including
	// a second Close.
	ErrClosed = errors.New("selector: closed")
	// ErrRegistered is returned by Register for a descriptor that is
	// already registered.
	ErrRegistered = errors.New("selector: already registered")
	// ErrNotRegistered is returned by Modify, Unregister and Key for a
	// descriptor that is not registered.
	ErrNotRegistered = errors.New("selector: not registered")
	// ErrNoEvents is returned by Register and Modify for an empty event set.
	// To stop watching a descriptor, Unregister it.
	ErrNoEvents = errors.New("selector: no events")
	// ErrBadEvents is returned by Register and Modify for bits outside
	// Read|Write.
	ErrBadEvents = errors.New("selector: events outside Read|Write")
	// ErrBadFD is returned for a negative descriptor.
	ErrBadFD = errors.New("selector: negative file descriptor")
	// ErrFDLimit is returned by Register when the descriptor is beyond what
	// the backend can watch (select: FD_SETSIZE, 1024 on Linux and darwin).
	ErrFDLimit = errors.New("selector: descriptor beyond the backend's limit")
	// ErrUnavailable is returned by Open for a backend this platform
	// compiles but this system refuses: io_uring on a kernel without it,
	// with kernel.io_uring_disabled set, or under a seccomp filter that
	// blocks it. The error says which.
	ErrUnavailable = errors.New("selector: backend unavailable on this system")
)

// Selector watches file descriptors for readiness. It never owns them: the
// caller opens and closes descriptors, and should Unregister one before
// closing it.
type Selector interface {
	// Register starts watching fd for events and returns the new Key.
	// It fails with ErrBadFD, ErrNoEvents, ErrBadEvents, ErrRegistered,
	// ErrFDLimit, or the kernel's error (epoll refuses a regular file with
	// EPERM; epoll and kqueue refuse a closed descriptor with EBADF), in
	// which case nothing is registered.
	Register(fd int, events Events, data any) (Key, error)

	// Modify replaces the events and data of a registered descriptor and
	// returns the new Key. A change of data alone does not call the kernel.
	// If the kernel refuses the change, fd is unregistered and the error is
	// returned (as CPython does since bpo-30014).
	Modify(fd int, events Events, data any) (Key, error)

	// Unregister stops watching fd and returns its last Key. It succeeds
	// even if fd was already closed: the kernel's EBADF or ENOENT is
	// ignored, because closing a descriptor already removes it from epoll
	// and kqueue.
	Unregister(fd int) (Key, error)

	// Select waits until at least one registered descriptor is ready or
	// the timeout expires, and returns the ready ones (nil on timeout).
	// A negative timeout blocks until something is ready, zero polls
	// without blocking, a positive one waits at most about that long
	// (epoll and poll round it up to a whole millisecond). A signal that
	// interrupts the wait (EINTR) is retried with the time remaining.
	// The returned slice is the caller's to keep.
	Select(timeout time.Duration) ([]Ready, error)

	// Key returns the registration of fd, or ErrNotRegistered (ErrClosed
	// after Close).
	Key(fd int) (Key, error)

	// Len returns the number of registered descriptors, 0 after Close.
	Len() int

	// Backend returns the mechanism's name: "epoll", "kqueue", "poll",
	// "select" or "io_uring". It keeps working after Close.
	Backend() string

	// Close releases the kernel object (the epoll or kqueue descriptor) and
	// forgets every registration; the registered descriptors stay open.
	// Every later call, including a second Close, returns ErrClosed.
	Close() error
}

// backend is what each mechanism must provide; registry.go does the rest
// (the fd → Key map, argument checks, the closed state, EINTR, merging and
// masking of events). Methods are only called with valid arguments: add for
// an fd that is not registered, modify and remove for one that is, events
// always non-empty.
type backend interface {
	// name is the value of Selector.Backend.
	name() string
	// add starts watching fd for events.
	add(fd int, events Events) error
	// modify changes the events watched for fd from old to events.
	modify(fd int, old, events Events) error
	// remove stops watching fd; events are those it may be watched for.
	// An EBADF or ENOENT from the kernel means fd was closed already, and
	// is returned as such for the caller to ignore.
	remove(fd int, events Events) error
	// wait blocks as Select does and appends the ready descriptors to out.
	// nkeys is the number of registrations, for sizing the kernel's buffer.
	// It may report one fd more than once and with events it was not
	// registered for; HUP and ERR conditions are reported as Read|Write.
	// An EINTR is returned, not retried.
	wait(timeout time.Duration, nkeys int, out []event) ([]event, error)
	// close releases the kernel object, if any.
	close() error
}

// event is one readiness report from a backend, before masking and merging.
type event struct {
	fd     int
	events Events
}

// opener is one available backend, in the platform's order of preference.
type opener struct {
	name string
	open func() (Selector, error)
}

// errUnsupported is returned on platforms without any backend.
var errUnsupported = fmt.Errorf("selector: not supported on %s", runtime.GOOS)

// New opens the platform's preferred backend: epoll on Linux, kqueue on
// darwin and the BSDs, poll on other Unix systems. On Windows and other
// non-Unix systems it returns an error.
func New() (Selector, error) {
	if len(platform) == 0 {
		return nil, errUnsupported
	}
	return platform[0].open()
}

// Backends returns the names of the backends available on this platform,
// preferred first, for Open. It is empty where the package is unsupported.
func Backends() []string {
	names := make([]string, len(platform))
	for i, o := range platform {
		names[i] = o.name
	}
	return names
}

// Open opens the backend called name, one of Backends().
func Open(name string) (Selector, error) {
	for _, o := range platform {
		if o.name == name {
			return o.open()
		}
	}
	if len(platform) == 0 {
		return nil, errUnsupported
	}
	return nil, fmt.Errorf("selector: backend %q not available on %s (have %v)", name, runtime.GOOS, Backends())
}
