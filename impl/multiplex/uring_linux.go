package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/impl/internal/uring"
)

func init() {
	mechanisms["io_uring"] = runURing
	unavailable["io_uring"] = uring.Unavailable
}

// asBefore617 makes the loop run as on a kernel before 6.17 (small
// buffers, backpressure by cancelling), for its tests.
var asBefore617 bool

var singleShot = flag.Bool("single-shot", false,
	"io_uring: accept and receive with one request per connection or buffer, as on kernels before 6.0, instead of multishot requests and a provided buffer ring")

// runURing is the event loop on io_uring, and the one loop here that is
// completion-based: instead of asking which sockets are ready and then
// reading and writing them, it hands the kernel the reads and writes
// themselves and learns when they are done.
//
//   - One multishot accept request keeps accepting (Linux 5.19): each
//     completion is a new connection.
//   - One multishot receive per connection (6.0) keeps receiving into
//     buffers the kernel takes from a ring this loop provides (5.19):
//     no request per read, and no buffer per idle connection. The loop
//     copies each completion's bytes into the connection's output and
//     gives the buffer straight back.
//   - A send per connection with output, prepared while completions are
//     reaped and submitted with the next wait: every turn of the loop is
//     one io_uring_enter, which submits the turn's sends and waits for
//     the next completions.
//
// Without multishot receive or buffer rings (or with -single-shot) each
// accept and each receive is one request, re-armed after its completion,
// into a buffer of the connection's own.
//
// What stays as in the readiness loops: output pending per connection,
// backpressure (a multishot receive stops at the room left under
// maxPending, or is cancelled past multishotLimit on older kernels;
// receiving resumes once the client has read its echo), and pausing accept
// on EMFILE.
func runURing(s *server) error {
	// io_uring waits for blocking sockets itself; on a non-blocking one
	// every request would fail with EAGAIN instead (REQ_F_NOWAIT).
	if err := unix.SetNonblock(s.lfd, false); err != nil {
		return os.NewSyscallError("fcntl", err)
	}
	// SingleThread: this goroutine is locked to its thread, the only one
	// that ever touches the ring.
	r, err := uring.New(uring.Options{Entries: 4096, CQEntries: 16384, SingleThread: true})
	if err != nil {
		return err
	}
	r.Raw = true
	l := &uloop{s: s, r: r, byID: make(map[uint64]*uconn)}
	defer l.close()
	if !*singleShot && r.Supports(uring.OpSendZC) {
		// SEND_ZC came in 6.0 with multishot receive, which the probe does
		// not list by itself.
		// Big buffers filled a receive at a time (6.12), or else small
		// ones a receive each.
		l.bufs, err = r.NewBufRing(bufGroup, incBufCount, incBufSize, true)
		if err == nil {
			// Backpressure on big buffers needs the kernel to stop a
			// multishot receive at a byte count (6.17): a cancellation
			// lands too late, after megabytes.
			if l.limit = l.bufs.RecvLimitWorks() && !asBefore617; !l.limit {
				l.bufs.Close()
				l.bufs = nil
			}
		}
		if l.bufs == nil {
			l.bufs, err = r.NewBufRing(bufGroup, bufCount, bufSize, false)
		}
		if err != nil {
			log.Printf("io_uring: no provided buffer ring (%v): falling back to single-shot requests", err)
		}
	}
	if l.bufs != nil {
		count, size, how := bufCount, bufSize, "one receive per buffer, cancelled for backpressure"
		if l.bufs.Incremental {
			count, size, how = incBufCount, incBufSize, "filled incrementally, each receive capped at the room left for echo"
		}
		log.Printf("io_uring: multishot accept, multishot receive into a provided buffer ring of %d × %d bytes (%s); %v", count, size, how, r)
	} else {
		why := "-single-shot"
		if !*singleShot {
			why = "this kernel lacks multishot receive (Linux 6.0)"
		}
		log.Printf("io_uring: single-shot accept and receive (%s); %v", why, r)
	}
	l.sqe().PrepPollAdd(s.wakeR, unix.POLLIN, tagWake)
	return l.run()
}

// The provided buffer ring, shared by every connection, 16 MiB either way
// (touched only as used): 256 buffers of readSize where the kernel fills
// each a receive at a time (6.12), so that a 64 KiB message is one
// receive, as in the readiness loops, and 64-byte ones share a buffer;
// else 4,096 of 4 KiB, since each receive then takes a whole buffer.
const (
	bufGroup    = 0
	incBufCount = 256
	incBufSize  = readSize
	bufCount    = 4096
	bufSize     = 4 << 10
)

// multishotLimit is, on kernels before 6.17, the output pending past which
// a connection's multishot receive is cancelled and replaced by
// single-shot receives of readSize, as long as pending stays under
// maxPending. There a multishot receive cannot be told to stop at a byte
// count: it completes again while its cancellation is on its way, so
// backpressure takes over well before maxPending, and the bound is the
// same as the readiness loops'. From 6.17 each multishot receive is given
// the room left, and stops there by itself (uloop.limit).
const multishotLimit = maxPending / 2

// The kind of request is in the top byte of its user data, a connection's
// id below it: a descriptor number can be reused while completions for
// the old connection are still on their way, an id cannot.
const (
	tagAccept uint64 = iota + 1<<56
	tagWake
	tagRecv   = 3 << 56
	tagSend   = 4 << 56
	tagCancel = 5 << 56
	tagMask   = 0xff << 56
)

// uloop is the io_uring loop's state.
type uloop struct {
	s      *server
	r      *uring.Ring
	bufs   *uring.BufRing // nil: single-shot receives
	byID   map[uint64]*uconn
	nextID uint64
	dirty  []*uconn // touched by this turn's completions: to progress
	accept bool     // an accept request is in flight
	quit   bool
	// limit: a multishot receive is given the room left under maxPending
	// and ends there by itself (6.17); else it is cancelled past
	// multishotLimit.
	limit bool

	// For the line logged on exit: turns of the loop, receive and send
	// completions.
	turns, recvs, sends uint64
}

// uconn is a connection's requests in flight.
type uconn struct {
	*conn
	id         uint64
	recv       bool   // a receive is in flight
	multi      bool   // it is multishot, into the buffer ring
	cancelling bool   // its cancellation too
	sending    int    // bytes of out[sent:] in flight in a send, or 0
	flying     []byte // those bytes: the kernel reads them until the send completes
	closing    bool   // dropped: close once nothing is in flight
	buf        []byte // single-shot receives' buffer
	queued     bool   // in dirty
}

// sqe returns a free submission entry. The queue holds a turn's requests
// (one per connection at most, twice when it is dropped); if it is full
// anyway, submitting early is a second system call, not a failure.
func (l *uloop) sqe() *uring.SQE {
	for {
		if e := l.r.SQE(); e != nil {
			return e
		}
		if _, err := l.r.Submit(); err != nil && err != unix.EINTR {
			log.Printf("io_uring_enter: %v", err)
		}
	}
}

func (l *uloop) run() error {
	for !l.quit {
		l.turns++
		if !l.accept && l.s.watchListener() {
			l.sqe().PrepAccept(l.s.lfd, l.bufs != nil, unix.SOCK_CLOEXEC, tagAccept)
			l.accept = true
		}
		for _, uc := range l.dirty {
			uc.queued = false
			l.progress(uc)
		}
		l.dirty = l.dirty[:0]
		// The turn's one system call: submit, then wait for a completion
		// (until the accept pause ends, if accepting is paused).
		_, err := l.r.Enter(l.s.timeout(), 1)
		switch err {
		case nil, unix.ETIME:
		case unix.EINTR:
			// A signal: let the runtime run what it wants (sys_linux.go),
			// then reap whatever completed and wait again.
			yield()
		default:
			return os.NewSyscallError("io_uring_enter", err)
		}
		l.reap()
	}
	return nil
}

// reap handles every completion in the ring.
func (l *uloop) reap() {
	a, b := l.r.Peek()
	for _, cqes := range [][]uring.CQE{a, b} {
		for i := range cqes {
			l.complete(&cqes[i])
		}
	}
	l.r.Advance(len(a) + len(b))
	if l.bufs != nil {
		l.bufs.Publish()
	}
}

func (l *uloop) complete(c *uring.CQE) {
	more := c.Flags&uring.CQEFMore != 0
	var data []byte
	if c.Flags&uring.CQEFBuffer != 0 {
		// The bytes are copied out below, before the buffer can go back to
		// the kernel (Publish, after the turn's completions), whatever
		// becomes of the connection.
		data = l.bufs.Consume(uint16(c.Flags>>uring.CQEBufShift), int(c.Res), c.Flags)
	}
	switch kind := c.UserData & tagMask; {
	case c.UserData == tagWake:
		l.quit = true
		return
	case c.UserData == tagAccept:
		l.accept = more
		l.accepted(c.Res)
		return
	case kind == tagCancel:
		return // the cancelled request reports for itself
	}
	uc := l.byID[c.UserData&^tagMask]
	if uc == nil {
		return
	}
	l.touch(uc)
	switch c.UserData & tagMask {
	case tagRecv:
		l.recvs++
		uc.recv = more
		l.received(uc, c, data)
	case tagSend:
		l.sends++
		uc.sending, uc.flying = 0, nil
		l.sent(uc, c.Res)
	}
}

// touch queues uc for progress at the end of the turn.
func (l *uloop) touch(uc *uconn) {
	if !uc.queued {
		uc.queued = true
		l.dirty = append(l.dirty, uc)
	}
}

// accepted takes in a new connection, or handles accept's failure as the
// readiness loops do: EMFILE and the like pause accepting, the connection
// staying queued, until a connection closes or the pause ends.
func (l *uloop) accepted(res int32) {
	if res < 0 {
		switch err := unix.Errno(-res); {
		case err == unix.ECANCELED, skippable(err):
		default:
			l.accept = false
			l.s.pauseAccepting(err)
		}
		return
	}
	fd := int(res)
	l.s.backoff = 0
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	l.nextID++
	uc := &uconn{conn: &conn{fd: fd}, id: l.nextID}
	l.byID[uc.id] = uc
	l.s.conns[fd] = uc.conn
	l.touch(uc)
}

// received handles a receive's completion; data is its bytes if they are
// in the buffer ring.
func (l *uloop) received(uc *uconn, c *uring.CQE, data []byte) {
	switch {
	case uc.closing:
	case c.Res > 0:
		if c.Flags&uring.CQEFBuffer == 0 {
			data = uc.buf[:c.Res]
		}
		uc.out = append(uc.out, data...)
	case c.Res == 0:
		uc.eof = true // the client half-closed: echo what is pending, then close
	default:
		switch err := unix.Errno(-c.Res); err {
		case unix.ECANCELED:
			uc.cancelling = false // backpressure: re-armed once there is room
		case unix.ENOBUFS, unix.EINTR, unix.EAGAIN:
			// The buffer ring ran dry (buffers come back within the
			// turn), or nothing after all: receive again.
		default:
			l.drop(uc, os.NewSyscallError("recv", err))
		}
	}
}

func (l *uloop) sent(uc *uconn, res int32) {
	if res < 0 {
		if err := unix.Errno(-res); err != unix.ECANCELED {
			l.drop(uc, os.NewSyscallError("send", err))
		}
		return
	}
	uc.sent += int(res)
	switch {
	case uc.pending() == 0:
		// All written: reuse the buffer, or let a burst's go.
		uc.sent = 0
		if cap(uc.out) > readSize {
			uc.out = nil
		} else {
			uc.out = uc.out[:0]
		}
	case uc.sent > len(uc.out)/2:
		// Nothing is in flight now, so the unsent rest can move to the
		// front without the kernel reading it meanwhile.
		uc.out = uc.out[:copy(uc.out, uc.out[uc.sent:])]
		uc.sent = 0
	}
}

// progress submits what uc can do next: send pending output, (re-)arm or
// cancel its receive, or close it.
func (l *uloop) progress(uc *uconn) {
	if uc.closing {
		if !uc.recv && uc.sending == 0 {
			// The kernel holds no request on it any more, so closing the
			// descriptor now closes the socket.
			unix.Close(uc.fd)
			delete(l.byID, uc.id)
		}
		return
	}
	if uc.done() {
		l.drop(uc, nil)
		l.progress(uc)
		return
	}
	if uc.pending() > 0 && uc.sending == 0 {
		// Sending straight from out, whose bytes are only appended to
		// until the send completes. An append that outgrows the array
		// moves out to a new one: flying keeps the old one alive (the
		// garbage collector does not know the kernel reads it) and
		// unchanged.
		uc.flying = uc.out[uc.sent:]
		l.sqe().PrepSend(uc.fd, uc.flying, unix.MSG_NOSIGNAL, tagSend|uc.id)
		uc.sending = len(uc.flying)
	}
	switch want := !uc.eof && uc.pending() < maxPending; {
	case want && !uc.recv && !uc.cancelling:
		uc.multi = l.bufs != nil && (l.limit || uc.pending() < multishotLimit)
		if uc.multi {
			var room uint32
			if l.limit {
				room = uint32(maxPending - uc.pending())
			}
			l.sqe().PrepRecvMultishot(uc.fd, l.bufs.Group(), room, tagRecv|uc.id)
		} else {
			if uc.buf == nil {
				uc.buf = make([]byte, readSize)
			}
			l.sqe().PrepRecv(uc.fd, uc.buf, tagRecv|uc.id)
		}
		uc.recv = true
	case uc.recv && uc.multi && !l.limit && !uc.cancelling && !uc.eof && uc.pending() >= multishotLimit:
		// Backpressure: a multishot receive would keep receiving.
		l.sqe().PrepCancel(tagRecv|uc.id, tagCancel|uc.id)
		uc.cancelling = true
	}
}

// drop forgets uc as a connection and cancels its requests; progress
// closes its descriptor once they have completed.
func (l *uloop) drop(uc *uconn, err error) {
	if uc.closing {
		return
	}
	if err != nil && !errors.Is(err, unix.ECONNRESET) && !errors.Is(err, unix.EPIPE) {
		log.Printf("%s: %v", peerOf(uc.fd), err)
	}
	uc.closing = true
	delete(l.s.conns, uc.fd)
	l.s.paused = false // a descriptor is about to be free: accept again
	if uc.recv && !uc.cancelling {
		l.sqe().PrepCancel(tagRecv|uc.id, tagCancel|uc.id)
		uc.cancelling = true
	}
	if uc.sending > 0 {
		l.sqe().PrepCancel(tagSend|uc.id, tagCancel|uc.id)
	}
	l.touch(uc)
}

// peerOf names the client of fd for a log line.
func peerOf(fd int) string {
	sa, err := unix.Getpeername(fd)
	if err != nil {
		return fmt.Sprintf("fd %d", fd)
	}
	return sockaddrString(sa)
}

// close tears the ring down, which cancels every request, and closes the
// descriptors of connections that were waiting for theirs; server.close
// closes the rest. The buffer ring stays mapped: the kernel finishes the
// teardown in the background, and must never write to memory unmapped
// (and perhaps reused) under it; the process ends soon after anyway.
func (l *uloop) close() {
	// What a benchmark wants to know: system calls per echo. (accept,
	// setsockopt and close per connection come on top.)
	log.Printf("io_uring: %d turns, %d io_uring_enter calls, %d receive and %d send completions",
		l.turns, l.r.Enters, l.recvs, l.sends)
	l.r.Close()
	for _, uc := range l.byID {
		if uc.closing {
			unix.Close(uc.fd)
		}
	}
}
