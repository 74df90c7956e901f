//go:build unix

package main

import (
	"errors"
	"log"
	"os"

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

	// A spare descriptor, closed and reopened to shed a connection when
	// accept fails for lack of descriptors; see shed.
	spare int
}

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
	spare, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return nil, os.NewSyscallError("open", err)
	}
	return &server{
		lfd:     lfd,
		conns:   make(map[int]*conn),
		scratch: make([]byte, readSize),
		wakeR:   p[0],
		wakeW:   p[1],
		spare:   spare,
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
	for _, fd := range []int{s.lfd, s.wakeR, s.wakeW, s.spare} {
		unix.Close(fd)
	}
}

// acceptAll accepts every queued connection. admit, if not nil, registers a
// new connection with the mechanism, or logs why it cannot and returns false
// to have the connection closed.
func (s *server) acceptAll(admit func(*conn) bool) {
	for {
		fd, sa, err := accept(s.lfd)
		switch err {
		case nil:
		case unix.EAGAIN:
			return // the queue is empty
		case unix.EINTR, unix.ECONNABORTED:
			// Interrupted by a signal, or the client gave up while queued
			// (BSD reports that here; Linux drops such clients silently).
			continue
		case unix.EMFILE, unix.ENFILE:
			s.shed()
			return
		default:
			log.Print(os.NewSyscallError("accept", err))
			return
		}
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

// shed handles running out of file descriptors. The connection stays in the
// listen queue, so level-triggered readiness keeps reporting the listener
// and the loop would spin at 100% CPU. Instead, free the spare descriptor,
// accept and close the connection (the client sees it closed at once), and
// take the spare back.
func (s *server) shed() {
	log.Print("accept: out of file descriptors, closing a new connection")
	unix.Close(s.spare)
	if fd, _, err := accept(s.lfd); err == nil {
		unix.Close(fd)
	}
	s.spare, _ = unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
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
}
