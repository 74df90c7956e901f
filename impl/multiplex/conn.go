//go:build unix

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

const (
	// readSize is the most read from one client per turn of the loop, so
	// that one busy client cannot hold the loop while others wait.
	readSize = 64 << 10
	// maxPending is how much echo may wait for a client before the loop
	// stops reading from it (backpressure).
	maxPending = 1 << 20
)

// interest is what a connection wants to hear about: readable, writable.
type interest struct{ read, write bool }

// A conn is one client's state between turns of the loop. This is the state
// a blocking server keeps implicitly, in a goroutine's stack and its
// position in the code.
type conn struct {
	fd   int
	peer string // the client's address, for log messages

	out  []byte // echo waiting to be written: out[sent:]
	sent int    // how much of out has been written already
	eof  bool   // the client half-closed: read no more

	// armed is the interest last registered with the kernel. Only epoll
	// and kqueue keep interest between calls; poll and select rebuild it
	// from want() on every turn.
	armed interest
}

func (c *conn) pending() int { return len(c.out) - c.sent }

// want is the interest that lets this connection make progress: read while
// the client may send and there is room for its echo, write while there is
// something to write. Any more and level-triggered readiness spins the loop.
func (c *conn) want() interest {
	return interest{
		read:  !c.eof && c.pending() < maxPending,
		write: c.pending() > 0,
	}
}

// done reports that the client half-closed and has had all its echo: time
// to close.
func (c *conn) done() bool { return c.eof && c.pending() == 0 }

// read reads one chunk from the client and echoes it. With nothing queued
// it writes straight from scratch (the socket is usually writable, so most
// echo is never copied and never waits for a second turn) and queues only
// what the socket did not take; otherwise the chunk joins the queue behind
// what is already there, so the echo stays in order.
func (c *conn) read(scratch []byte) error {
	n, err := recv(c.fd, scratch)
	switch err {
	case nil:
	case unix.EAGAIN, unix.EINTR:
		// Nothing to read after all (EAGAIN == EWOULDBLOCK on every
		// platform here): readiness can be stale. Level-triggered
		// readiness will report the socket again if it matters.
		return nil
	default:
		return os.NewSyscallError("read", err)
	}
	if n == 0 {
		// EOF: the client has half-closed (or closed). Stop reading; the
		// connection closes once its pending echo is written.
		c.eof = true
		return nil
	}
	if c.pending() > 0 {
		c.queue(scratch[:n])
		return c.flush()
	}
	sent, err := c.write(scratch[:n])
	c.queue(scratch[sent:n])
	return err
}

// queue appends p to the echo waiting to be written. Before appending, it
// slides the unsent bytes to the front if more than half the buffer has
// been sent: the buffer cannot creep forward forever, and each byte is moved
// at most about once.
func (c *conn) queue(p []byte) {
	if len(p) == 0 {
		return
	}
	if c.sent > len(c.out)/2 {
		c.out = c.out[:copy(c.out, c.out[c.sent:])]
		c.sent = 0
	}
	c.out = append(c.out, p...)
}

// flush writes as much pending echo as the socket takes. A partial write
// leaves the rest in out for the next writable turn.
func (c *conn) flush() error {
	n, err := c.write(c.out[c.sent:])
	c.sent += n
	if err != nil || c.pending() > 0 {
		return err
	}
	// All written: reuse the buffer from the start, or let a large one go
	// so that an idle client does not hold on to a burst's memory.
	c.sent = 0
	if cap(c.out) > readSize {
		c.out = nil
	} else {
		c.out = c.out[:0]
	}
	return nil
}

// write writes p until all of it is written or the socket's send buffer is
// full, and returns how much it wrote.
func (c *conn) write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		n, err := send(c.fd, p[done:])
		switch err {
		case nil:
			done += n
		case unix.EAGAIN:
			// The send buffer is full: the rest waits until the socket
			// is writable.
			return done, nil
		case unix.EINTR:
			// A signal arrived before anything was written: just retry.
		default:
			return done, os.NewSyscallError("write", err)
		}
	}
	return done, nil
}
