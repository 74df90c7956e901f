//go:build unix

package selector

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// registry implements Selector over a backend. It holds everything the
// backends share: the fd → Key map, argument checks, the closed state, the
// EINTR retry, and the masking and merging of reported events.
type registry struct {
	b      backend
	keys   map[int]Key // nil once closed
	events []event     // reused buffer for backend.wait
	index  map[int]int // reused by Select: fd → position in its result
}

func newSelector(b backend) *registry {
	return &registry{b: b, keys: make(map[int]Key), index: make(map[int]int)}
}

// fdError adds the descriptor to an error: "selector: fd 7: already registered",
// "selector: fd 7: epoll_ctl: bad file descriptor". errors.Is sees through it.
type fdError struct {
	fd  int
	err error
}

func (e *fdError) Error() string {
	return fmt.Sprintf("selector: fd %d: %s", e.fd, strings.TrimPrefix(e.err.Error(), "selector: "))
}

func (e *fdError) Unwrap() error { return e.err }

// check validates the arguments shared by Register and Modify.
func (r *registry) check(fd int, events Events) error {
	switch {
	case r.keys == nil:
		return ErrClosed
	case fd < 0:
		return &fdError{fd, ErrBadFD}
	case events == 0:
		return &fdError{fd, ErrNoEvents}
	case events&^(Read|Write) != 0:
		return &fdError{fd, ErrBadEvents}
	}
	return nil
}

// Register implements Selector.
func (r *registry) Register(fd int, events Events, data any) (Key, error) {
	if err := r.check(fd, events); err != nil {
		return Key{}, err
	}
	if _, ok := r.keys[fd]; ok {
		return Key{}, &fdError{fd, ErrRegistered}
	}
	if err := r.b.add(fd, events); err != nil {
		return Key{}, &fdError{fd, err}
	}
	k := Key{FD: fd, Events: events, Data: data}
	r.keys[fd] = k
	return k, nil
}

// Modify implements Selector.
func (r *registry) Modify(fd int, events Events, data any) (Key, error) {
	if err := r.check(fd, events); err != nil {
		return Key{}, err
	}
	old, ok := r.keys[fd]
	if !ok {
		return Key{}, &fdError{fd, ErrNotRegistered}
	}
	if events != old.Events {
		if err := r.b.modify(fd, old.Events, events); err != nil {
			// bpo-30014: the kernel's state for fd is now unknown, so
			// drop the registration rather than keep a lying Key.
			delete(r.keys, fd)
			_ = r.b.remove(fd, old.Events|events)
			return Key{}, &fdError{fd, err}
		}
	}
	k := Key{FD: fd, Events: events, Data: data}
	r.keys[fd] = k
	return k, nil
}

// Unregister implements Selector.
func (r *registry) Unregister(fd int) (Key, error) {
	k, err := r.Key(fd)
	if err != nil {
		return Key{}, err
	}
	delete(r.keys, fd)
	err = r.b.remove(fd, k.Events)
	// Closing a descriptor removes it from epoll and kqueue by itself, so
	// the kernel answers EBADF (closed) or ENOENT (number reused): the
	// registration is gone either way.
	if err != nil && !errors.Is(err, unix.EBADF) && !errors.Is(err, unix.ENOENT) {
		return k, &fdError{fd, err}
	}
	return k, nil
}

// Select implements Selector.
func (r *registry) Select(timeout time.Duration) ([]Ready, error) {
	if r.keys == nil {
		return nil, ErrClosed
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		var err error
		r.events, err = r.b.wait(timeout, len(r.keys), r.events[:0])
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EINTR) {
			return nil, fmt.Errorf("selector: %w", err)
		}
		// A signal interrupted the wait: retry with what is left of the
		// timeout (zero once it has passed, so the retry only polls).
		if timeout > 0 {
			timeout = max(time.Until(deadline), 0)
		}
	}
	return r.collect(), nil
}

// collect turns the backend's raw events into one Ready per registered fd,
// masked by the events it was registered for.
func (r *registry) collect() []Ready {
	var ready []Ready
	clear(r.index)
	for _, e := range r.events {
		k, ok := r.keys[e.fd]
		if !ok {
			continue // a report for a descriptor unregistered meanwhile
		}
		ev := e.events & k.Events
		if ev == 0 {
			continue
		}
		if i, seen := r.index[e.fd]; seen {
			ready[i].Events |= ev // kqueue reports read and write separately
			continue
		}
		r.index[e.fd] = len(ready)
		ready = append(ready, Ready{Key: k, Events: ev})
	}
	return ready
}

// Key implements Selector.
func (r *registry) Key(fd int) (Key, error) {
	if r.keys == nil {
		return Key{}, ErrClosed
	}
	k, ok := r.keys[fd]
	if !ok {
		return Key{}, &fdError{fd, ErrNotRegistered}
	}
	return k, nil
}

// Len implements Selector.
func (r *registry) Len() int { return len(r.keys) }

// Backend implements Selector.
func (r *registry) Backend() string { return r.b.name() }

// Close implements Selector.
func (r *registry) Close() error {
	if r.keys == nil {
		return ErrClosed
	}
	r.keys, r.events, r.index = nil, nil, nil
	if err := r.b.close(); err != nil {
		return fmt.Errorf("selector: %w", err)
	}
	return nil
}

// milliseconds converts a Select timeout for epoll_wait and poll: -1 blocks,
// anything else is rounded up to a whole millisecond (so 1ns still waits),
// and capped at what an int32 holds (about 24 days).
func milliseconds(d time.Duration) int {
	switch {
	case d < 0:
		return -1
	case d > math.MaxInt32*time.Millisecond:
		return math.MaxInt32
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}
