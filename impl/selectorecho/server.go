//go:build unix

package main

import (
	"errors"
	"fmt"
	"log"
	"net"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/impl/selector"
)

const (
	// maxPending is how much echo a connection may have waiting for the
	// client to read before the server stops reading from that client.
	maxPending = 1 << 20
	// backlog is the accept queue length; the kernel caps it at
	// net.core.somaxconn.
	backlog = 4096
)

// callback is the handler stored in every Key.Data, called with the ready
// events: Python's key.data(key.fileobj, mask).
type callback func(fd int, ready selector.Events)

// server is the event loop: a listening socket, the connections, and a
// self-pipe that stop uses to wake the loop. Everything except stop runs on
// the loop's goroutine.
type server struct {
	sel   selector.Selector
	lfd   int    // listening socket
	wake  [2]int // self-pipe: a byte written to wake[1] ends serve
	addr  string // host:port actually bound
	buf   []byte // one read buffer for every connection
	conns map[int]*conn
	done  bool // set by the wake-up handler

	// Accepting pauses when accept fails for want of descriptors or
	// memory (see pause), until retry or until a connection closes,
	// whichever comes first.
	paused  bool
	retry   time.Time     // when to try accept again while paused
	backoff time.Duration // the current pause: minBackoff, doubling to maxBackoff

	refusedFDLimit bool // a connection was refused for the backend's descriptor limit (logged once)
}

// The pauses after a failed accept, as net/http's Server.Serve makes them.
const (
	minBackoff = 5 * time.Millisecond
	maxBackoff = time.Second
)

// acceptBatch bounds the connections one callback accepts, so that a flood
// of new clients cannot hold up the ones already connected. The rest stay
// queued, and the listener is reported again on the next Select.
const acceptBatch = 256

// listen binds host:port (port 0 picks a free one) and prepares a server
// on the named selector backend ("" for the platform's preferred).
func listen(host string, port int, backend string) (_ *server, err error) {
	s := &server{lfd: -1, wake: [2]int{-1, -1}, buf: make([]byte, 64<<10), conns: make(map[int]*conn)}
	defer func() {
		if err != nil {
			s.shutdown()
		}
	}()
	if backend == "" {
		s.sel, err = selector.New()
	} else {
		s.sel, err = selector.Open(backend)
	}
	if err != nil {
		return nil, err
	}
	if s.lfd, s.addr, err = listenTCP(host, port); err != nil {
		return nil, err
	}
	if err := unix.Pipe(s.wake[:]); err != nil {
		return nil, fmt.Errorf("pipe: %w", err)
	}
	for _, fd := range []int{s.lfd, s.wake[0], s.wake[1]} {
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			return nil, fmt.Errorf("set non-blocking: %w", err)
		}
	}
	if _, err := s.sel.Register(s.lfd, selector.Read, callback(s.accept)); err != nil {
		return nil, err
	}
	if _, err := s.sel.Register(s.wake[0], selector.Read, callback(s.woken)); err != nil {
		return nil, err
	}
	return s, nil
}

// listenTCP returns a listening socket bound to host:port, and the address
// it is bound to.
func listenTCP(host string, port int) (int, string, error) {
	a, err := net.ResolveTCPAddr("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return -1, "", err
	}
	ip := a.IP
	if ip == nil {
		ip = net.IPv4zero // -host "": every IPv4 address
	}
	family, sa := unix.AF_INET, unix.Sockaddr(nil)
	if ip4 := ip.To4(); ip4 != nil {
		sa = &unix.SockaddrInet4{Port: a.Port, Addr: [4]byte(ip4)}
	} else {
		family, sa = unix.AF_INET6, &unix.SockaddrInet6{Port: a.Port, Addr: [16]byte(ip.To16())}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM, 0)
	if err != nil {
		return -1, "", fmt.Errorf("socket: %w", err)
	}
	// SO_REUSEADDR lets a restarted server bind at once while connections
	// of the previous one still sit in TIME_WAIT.
	if err = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err == nil {
		if err = unix.Bind(fd, sa); err == nil {
			err = unix.Listen(fd, backlog)
		}
	}
	if err == nil {
		sa, err = unix.Getsockname(fd)
	}
	if err != nil {
		unix.Close(fd)
		return -1, "", fmt.Errorf("listen on %s: %w", a, err)
	}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		port = sa.Port
	case *unix.SockaddrInet6:
		port = sa.Port
	}
	return fd, net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// serve runs the event loop until stop is called, then closes every
// connection, the listener and the selector.
func (s *server) serve() error {
	defer s.shutdown()
	for !s.done {
		// Block until something is ready, or until a pause in accepting
		// ends (at least 1 ms, so as not to spin on one about to end).
		timeout := time.Duration(-1)
		if s.paused {
			if time.Now().Before(s.retry) {
				timeout = max(time.Until(s.retry), time.Millisecond)
			} else {
				s.resume()
			}
		}
		ready, err := s.sel.Select(timeout)
		if err != nil {
			return err
		}
		for _, r := range ready {
			r.Key.Data.(callback)(r.Key.FD, r.Events)
		}
	}
	return nil
}

// stop makes serve return. It is the one method safe to call from another
// goroutine, once, while serve runs.
func (s *server) stop() { _, _ = unix.Write(s.wake[1], []byte{0}) }

// woken handles the self-pipe.
func (s *server) woken(int, selector.Events) { s.done = true }

// shutdown releases everything the server holds.
func (s *server) shutdown() {
	for _, c := range s.conns {
		c.close()
	}
	for _, fd := range []int{s.lfd, s.wake[0], s.wake[1]} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
	if s.sel != nil {
		s.sel.Close()
	}
}

// accept handles the listening socket: it takes the waiting connections,
// up to acceptBatch of them.
func (s *server) accept(lfd int, _ selector.Events) {
	for range acceptBatch {
		fd, _, err := unix.Accept(lfd)
		switch err {
		case nil:
			s.backoff = 0
			s.open(fd)
		case unix.EAGAIN:
			return // the queue is empty
		case unix.EINTR, unix.ECONNABORTED, unix.ECONNRESET, unix.EPERM, unix.EPROTO,
			unix.ENETDOWN, unix.ENETUNREACH, unix.EHOSTDOWN, unix.EHOSTUNREACH,
			unix.ENOPROTOOPT, unix.EOPNOTSUPP:
			// That connection is gone from the queue: a signal came
			// first, the client reset while queued (BSD reports that;
			// Linux returns the connection, whose first read fails), a
			// firewall refused it, or a network error Linux passes on,
			// which accept(2) says to treat like EAGAIN. Take the next.
		default:
			// EMFILE, ENFILE, ENOBUFS, ENOMEM: the connection stays
			// queued and the listener stays readable.
			s.pause(err)
			return
		}
	}
}

// pause handles an accept that failed for want of resources, such as
// descriptors (EMFILE, ENFILE). The connection stays in the listen queue,
// so the listener stays readable, and retrying at once would spin at 100%
// CPU. Instead the server stops watching the listener until a connection
// closes, which frees a descriptor, or until a pause of 5 ms, doubling up
// to 1 s while accept keeps failing, has passed, for descriptors freed
// elsewhere (ENFILE counts the whole system's). Queued clients wait, as
// they would for a busy server, instead of being refused.
func (s *server) pause(err error) {
	if s.backoff == 0 {
		// Once per run of failures, so the log cannot flood.
		log.Printf("accept: %v; pausing until a connection closes (retrying from %v, backing off to %v)", err, minBackoff, maxBackoff)
	}
	s.backoff = min(max(2*s.backoff, minBackoff), maxBackoff)
	s.retry = time.Now().Add(s.backoff)
	if !s.paused {
		if _, err := s.sel.Unregister(s.lfd); err != nil {
			log.Print(err)
		}
		s.paused = true
	}
}

// resume watches the listener again after a pause. If that fails, the
// pause goes on, and resume is tried again when it ends.
func (s *server) resume() {
	if !s.paused {
		return
	}
	if _, err := s.sel.Register(s.lfd, selector.Read, callback(s.accept)); err != nil {
		log.Print(err)
		s.backoff = min(max(2*s.backoff, minBackoff), maxBackoff)
		s.retry = time.Now().Add(s.backoff)
		return
	}
	s.paused = false
}

// open sets up an accepted connection and starts reading from it.
func (s *server) open(fd int) {
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		log.Printf("set non-blocking: %v", err)
		unix.Close(fd)
		return
	}
	// Small echoes should leave at once, not wait for the previous ACK
	// (Nagle); Go's net package sets this too.
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	c := &conn{s: s, fd: fd, events: selector.Read}
	if _, err := s.sel.Register(fd, c.events, callback(c.handle)); err != nil {
		// Refuse it. For the select backend past FD_SETSIZE, log only the
		// first time, so that a flood of clients cannot flood the log.
		if !errors.Is(err, selector.ErrFDLimit) || !s.refusedFDLimit {
			log.Printf("refusing a connection: %v", err)
		}
		if errors.Is(err, selector.ErrFDLimit) {
			s.refusedFDLimit = true
		}
		unix.Close(fd)
		return
	}
	s.conns[fd] = c
}

// conn is one client connection.
type conn struct {
	s      *server
	fd     int
	out    []byte          // echo the kernel has not taken yet
	eof    bool            // the client has shut down its sending side
	events selector.Events // what fd is registered for
}

// handle is the connection's callback.
func (c *conn) handle(_ int, ready selector.Events) {
	if ready&selector.Read != 0 && !c.read() {
		return
	}
	if ready&selector.Write != 0 && len(c.out) > 0 && !c.flush() {
		return
	}
	if c.eof && len(c.out) == 0 {
		c.close() // everything echoed: the client sees EOF next
		return
	}
	c.watch()
}

// read reads once and echoes what arrived. It returns false if it closed c.
func (c *conn) read() bool {
	n, err := unix.Read(c.fd, c.s.buf)
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
		return true // nothing after all; the selector will report it again
	case err != nil:
		c.fail("read", err)
		return false
	case n == 0:
		c.eof = true
		return true
	}
	p := c.s.buf[:n]
	if len(c.out) == 0 {
		// Nothing queued: send straight from the read buffer.
		sent, ok := c.write(p)
		if !ok {
			return false
		}
		p = p[sent:]
	}
	c.out = append(c.out, p...) // behind what is already queued
	return true
}

// flush sends as much pending echo as the kernel takes. It returns false if
// it closed c.
func (c *conn) flush() bool {
	sent, ok := c.write(c.out)
	if !ok {
		return false
	}
	c.out = c.out[sent:]
	if len(c.out) == 0 {
		c.out = nil // an idle connection holds no buffer
	}
	return true
}

// write writes p until it is all sent or the send buffer is full, and
// returns how much was sent; false means the connection failed and is
// closed.
func (c *conn) write(p []byte) (int, bool) {
	sent := 0
	for sent < len(p) {
		n, err := unix.Write(c.fd, p[sent:])
		switch err {
		case nil:
			sent += n
		case unix.EINTR:
		case unix.EAGAIN:
			return sent, true // full: the rest waits for Write readiness
		default:
			// Go ignores SIGPIPE for descriptors other than 1 and 2, so a
			// closed peer shows up here as EPIPE rather than killing us.
			c.fail("write", err)
			return sent, false
		}
	}
	return sent, true
}

// watch registers c for what it can do next: Read unless the client has
// finished sending or has too much echo waiting, Write only while echo is
// pending.
func (c *conn) watch() {
	var want selector.Events
	if !c.eof && len(c.out) <= maxPending {
		want |= selector.Read
	}
	if len(c.out) > 0 {
		want |= selector.Write
	}
	if want == c.events {
		return
	}
	if _, err := c.s.sel.Modify(c.fd, want, callback(c.handle)); err != nil {
		log.Print(err)
		c.close()
		return
	}
	c.events = want
}

// fail closes c after an I/O error, logging it unless the client simply
// went away.
func (c *conn) fail(op string, err error) {
	if err != unix.ECONNRESET && err != unix.EPIPE {
		log.Printf("%s fd %d: %v", op, c.fd, err)
	}
	c.close()
}

// close unregisters and closes c, and resumes accepting if it was paused
// for want of descriptors.
func (c *conn) close() {
	s := c.s
	if _, err := s.sel.Unregister(c.fd); err != nil {
		log.Print(err)
	}
	unix.Close(c.fd)
	delete(s.conns, c.fd)
	s.resume() // a descriptor is free
}
