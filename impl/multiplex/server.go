//go:build unix

package main

import (
	"errors"
	"log"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// A server is everything one event loop owns. Only the loop's thread uses
// it, with one exception: stop, which only writes to a pipe.
type server struct {
	lfd     int           // the listening socket
	conns   map[int]*conn // open connections by file descriptor
	scratch []byte        // read buffer; one suffices, reads happen one at a time

	// A self-pipe: the loop watches wakeR like any socket, and stop writes
	// a byte to wakeW. It is the portable way to interrupt a thread blocked
	// in a readiness call from elsewhere.
	wakeR, wakeW int

	// Accepting pauses when accept fails for want of descriptors or
	// memory (see pauseAccepting), until retry or until a connection
	// closes, whichever comes first.
	paused  bool
	retry   time.Time     // when to try accept again while paused
	backoff time.Duration // the current pause: minBackoff, doubling to maxBackoff
}

// The pauses after a failed accept, as net/http's Server.Serve makes them.
const (
	minBackoff = 5 * time.Millisecond
	maxBackoff = time.Second
)

// acceptBatch bounds the connections one turn of the loop accepts, so
// that a flood of new clients cannot hold up the ones already connected.
// The rest stay queued, and the listener is reported again next turn.
const acceptBatch = 256

func newServer(lfd int) (*server, error) {
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		return nil, os.NewSyscallError("pipe", err)
	}
	for _, fd := range p {
		unix.CloseOnExec(fd)
		// A full pipe must not block stop: one byte is already enough.
		unix.SetNonblock(fd, true)
	}
	return &server{
		lfd:     lfd,
		conns:   make(map[int]*conn),
		scratch: make([]byte, readSize),
		wakeR:   p[0],
		wakeW:   p[1],
	}, nil
}

// stop makes the event loop return. It is safe to call from any goroutine.
func (s *server) stop() {
	unix.Write(s.wakeW, []byte{0})
}

// close closes every descriptor the server holds, once its loop has returned.
func (s *server) close() {
	for _, c := range s.conns {
		s.drop(c, nil)
	}
	for _, fd := range []int{s.lfd, s.wakeR, s.wakeW} {
		unix.Close(fd)
	}
}

// acceptAll accepts the queued connections, up to acceptBatch of them.
// admit, if not nil, registers a new connection with the mechanism, or logs
// why it cannot and returns false to have the connection closed.
func (s *server) acceptAll(admit func(*conn) bool) {
	for range acceptBatch {
		fd, sa, err := accept(s.lfd)
		switch {
		case err == nil:
		case err == unix.EAGAIN:
			return // the queue is empty
		case skippable(err):
			continue
		default:
			// EMFILE, ENFILE, ENOBUFS, ENOMEM: the connection stays
			// queued and the listener stays readable.
			s.pauseAccepting(err)
			return
		}
		s.backoff = 0
		// Echo small messages at once instead of holding them until the
		// client acknowledges the previous ones (Nagle's algorithm): an
		// echo server's writes are replies. Go's net package does the same.
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		c := &conn{fd: fd, peer: sockaddrString(sa)}
		if admit != nil && !admit(c) {
			unix.Close(fd)
			continue
		}
		s.conns[fd] = c
	}
}

// skippable reports whether a failed accept concerned only the connection
// it would have returned, which is gone from the queue: try the next one.
// EINTR: a signal came first. ECONNABORTED, ECONNRESET: the client reset
// while queued (BSD reports that; Linux returns the connection, whose
// first read fails). EPERM: a firewall refused it. The rest are network
// errors Linux passes on from the new connection, which accept(2) says to
// treat like EAGAIN.
func skippable(err error) bool {
	switch err {
	case unix.EINTR, unix.ECONNABORTED, unix.ECONNRESET, unix.EPERM, unix.EPROTO,
		unix.ENETDOWN, unix.ENETUNREACH, unix.EHOSTDOWN, unix.EHOSTUNREACH,
		unix.ENOPROTOOPT, unix.EOPNOTSUPP:
		return true
	}
	return false
}

// pauseAccepting handles an accept that failed for want of resources,
// such as descriptors (EMFILE, ENFILE). The connection stays in the listen
// queue, so level-triggered readiness keeps reporting the listener, and a
// loop that kept asking about it would spin at 100% CPU, calling accept
// over and over. Instead the loop stops watching the listener until a
// connection closes (drop), which frees a descriptor, or until a pause of
// 5 ms, doubling up to 1 s while accept keeps failing, has passed, for
// descriptors freed elsewhere (ENFILE counts the whole system's). Queued
// clients wait, as they would for a busy server, instead of being refused.
func (s *server) pauseAccepting(err error) {
	if s.backoff == 0 {
		// Once per run of failures, so the log cannot flood.
		log.Printf("accept: %v; pausing until a connection closes (retrying from %v, backing off to %v)", os.NewSyscallError("accept", err), minBackoff, maxBackoff)
	}
	s.backoff = min(max(2*s.backoff, minBackoff), maxBackoff)
	s.retry = time.Now().Add(s.backoff)
	s.paused = true
}

// watchListener reports whether the loop should ask about the listener
// this turn: unless accepting is paused and the pause has not run out.
func (s *server) watchListener() bool {
	if s.paused && !time.Now().Before(s.retry) {
		s.paused = false
	}
	return !s.paused
}

// timeout is how long the readiness call may block: until the pause ends
// while accepting is paused (at least 1 ms, so it does not spin on a
// pause that ends within the millisecond), otherwise for ever (-1).
func (s *server) timeout() time.Duration {
	if !s.paused {
		return -1
	}
	return max(time.Until(s.retry), time.Millisecond)
}

// millis is d in whole milliseconds, rounded up, for the calls that take
// a timeout in milliseconds; -1 (block for ever) if d is negative.
func millis(d time.Duration) int {
	if d < 0 {
		return -1
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

// service does the I/O the mechanism reported c ready for, and closes c
// once it is done or has failed. It reports whether c is still open.
//
// Mechanisms pass readable and writable true for error and hang-up
// conditions too: the read or write then returns the actual error.
func (s *server) service(c *conn, readable, writable bool) bool {
	var err error
	if readable && c.want().read {
		err = c.read(s.scratch)
	}
	if err == nil && writable && c.want().write {
		err = c.flush()
	}
	if err != nil || c.done() {
		s.drop(c, err)
		return false
	}
	return true
}

// drop closes c. A client that resets the connection (ECONNRESET), or
// vanishes while we write to it (EPIPE), is routine for a server and goes
// unlogged; any other error gets one line.
func (s *server) drop(c *conn, err error) {
	if err != nil && !errors.Is(err, unix.ECONNRESET) && !errors.Is(err, unix.EPIPE) {
		log.Printf("%s: %v", c.peer, err)
	}
	delete(s.conns, c.fd)
	// Closing the descriptor also removes it from epoll and kqueue
	// interest lists: nothing to unregister.
	unix.Close(c.fd)
	// A descriptor is free: if accept failed for want of one, try again.
	s.paused = false
}
