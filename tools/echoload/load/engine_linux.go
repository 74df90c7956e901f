package load

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// conn is one connection's state between turns of the loop. Positions are
// offsets in the connection's byte stream.
type conn struct {
	fd     int
	idx    int
	offset int64 // where its stream starts in the pattern

	issued int64 // bytes of the messages issued so far
	sent   int64 // bytes written
	recvd  int64 // bytes echoed and verified

	// The messages of the current phase start at msgBase, as message number
	// msgIndex; the oldest one in flight ends at nextEnd.
	msgBase  int64
	msgIndex int64
	nextEnd  int64
	done     int64 // messages completed, over the whole run

	inflight fifo  // when each message in flight was issued (or due)
	backlog  fifo  // open loop: due times of messages not yet issued
	quota    int64 // messages it may still issue in this stage; -1: no limit
	outArmed bool  // EPOLLOUT registered
}

// stage is where a phase is.
type stage int

const (
	warming stage = iota
	measuring
	draining
)

// engine is one run's event loop and everything it owns.
type engine struct {
	cfg   *Config
	pat   pattern
	epfd  int
	conns []*conn
	buf   []byte
	epoch time.Time

	// The phase under way.
	phase    int
	size     int
	stage    stage
	issuing  bool  // new messages may be issued
	stageEnd int64 // when the warm-up or window stops issuing (ns since epoch)
	drainBy  int64 // when a drain must be over
	next     stage // what follows the drain

	// Open loop: message m of the stage is due at schedStart + m/Rate.
	schedStart int64
	scheduled  int64
	schedLimit int64 // -1: no limit

	// The window's measurements.
	hist      histogram
	winStart  int64
	winLast   int64 // when the last counted message completed
	winMsgs   int64
	cpuStart  time.Duration
	cpuEnd    time.Duration
	stopped   string
	lastTick  int64
	tickMsgs  int64
	stageMsgs int64 // completed since the warm-up or window began
	stageT0   int64

	verified int64
	ready    []*conn // open loop: connections with new backlog
}

// Run opens cfg.Conns connections to cfg.Addr, measures every size of
// cfg.Sizes in turn, and closes them. cfg must have been validated. An echo
// that differs from what was sent stops the run with a *MismatchError; a
// connection the server closes or resets, or a message that does not come
// back within DrainTimeout, stops it with an error that says which.
func Run(cfg *Config) (*Report, error) {
	addr, err := LoopbackAddr(cfg.Addr)
	if err != nil {
		return nil, err
	}
	// One thread does all the work: lock it, so that the kernel's view of
	// the client (and taskset) is one thread too.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	if err := raiseNoFile(cfg.Conns + 64); err != nil {
		return nil, err
	}
	e := &engine{cfg: cfg, pat: newPattern(cfg.Seed), epfd: -1, buf: make([]byte, maxChunk), epoch: time.Now(), hist: newHistogram()}
	defer e.close()
	if e.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	rep := &Report{Conns: cfg.Conns, Depth: cfg.Depth}
	t0 := time.Now()
	for i := range cfg.Conns {
		fd, err := dial(addr, cfg.DialTimeout)
		if err != nil {
			return nil, fmt.Errorf("echoload: opening connection %d of %d to %v: %w", i+1, cfg.Conns, addr, err)
		}
		c := &conn{fd: fd, idx: i, offset: streamOffset(i), quota: -1}
		e.conns = append(e.conns, c)
		// The event carries the connection's index, not its descriptor.
		ev := unix.EpollEvent{Events: inEvents, Fd: int32(i)}
		if err := unix.EpollCtl(e.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			return nil, os.NewSyscallError("epoll_ctl", err)
		}
	}
	rep.Dial = time.Since(t0)
	if h := cfg.Hooks.Dialed; h != nil {
		h()
	}
	for i, size := range cfg.Sizes {
		r, err := e.runPhase(i, size)
		if err != nil {
			return nil, err
		}
		rep.Phases = append(rep.Phases, r)
	}
	rep.Verified = e.verified
	if h := cfg.Hooks.Done; h != nil {
		h()
	}
	return rep, nil
}

func (e *engine) close() {
	for _, c := range e.conns {
		unix.Close(c.fd)
	}
	if e.epfd >= 0 {
		unix.Close(e.epfd)
	}
}

func (e *engine) now() int64 { return int64(time.Since(e.epoch)) }

// runPhase measures one message size: warm-up, drain, window, drain.
func (e *engine) runPhase(phase, size int) (Result, error) {
	e.phase, e.size = phase, size
	for _, c := range e.conns {
		// Every connection is drained here: issued == sent == recvd.
		c.msgBase, c.msgIndex, c.nextEnd = c.recvd, c.done, c.recvd+int64(size)
	}
	if e.cfg.Warmup > 0 {
		e.begin(warming)
	} else {
		e.begin(measuring)
	}
	events := make([]unix.EpollEvent, min(len(e.conns), 1024))
	for {
		now := e.now()
		over, err := e.advance(now)
		if err != nil {
			return Result{}, err
		}
		if over {
			break
		}
		n, err := rawEpollWait(e.epfd, events, e.timeout(now))
		if err == unix.EINTR {
			runtime.Gosched() // the runtime wants the thread (sys_linux.go)
			continue
		}
		if err != nil {
			return Result{}, os.NewSyscallError("epoll_wait", err)
		}
		for _, ev := range events[:n] {
			c := e.conns[ev.Fd]
			if ev.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
				hup := ev.Events&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0
				if err := e.read(c, hup); err != nil {
					return Result{}, err
				}
			}
			if ev.Events&unix.EPOLLOUT != 0 {
				if err := e.flush(c); err != nil {
					return Result{}, err
				}
			}
		}
		if e.cfg.Rate > 0 && e.issuing {
			if err := e.schedule(e.now()); err != nil {
				return Result{}, err
			}
		}
	}
	r := Result{
		Size:      size,
		Window:    time.Duration(e.winLast - e.winStart),
		Messages:  e.winMsgs,
		Bytes:     e.winMsgs * int64(size),
		Latency:   e.hist.percentiles(),
		ClientCPU: e.cpuEnd - e.cpuStart,
		Stopped:   e.stopped,
	}
	return r, nil
}

// begin starts the warm-up or the window: it sets the issuing limits and
// fills every connection's pipeline (closed loop) or starts the schedule.
func (e *engine) begin(s stage) {
	now := e.now()
	e.stage, e.issuing = s, true
	e.stageT0, e.stageMsgs, e.lastTick, e.tickMsgs = now, 0, now, 0
	limit := e.cfg.Duration
	if s == warming {
		limit = e.cfg.Warmup
	}
	e.stageEnd = now + int64(limit)
	e.schedStart, e.scheduled, e.schedLimit = now, 0, -1
	for _, c := range e.conns {
		c.quota = -1
		if s == measuring && e.cfg.Messages > 0 {
			c.quota = quota(e.cfg.Messages, len(e.conns), c.idx)
		}
	}
	if s == measuring {
		if h := e.cfg.Hooks.WindowStart; h != nil {
			h(e.phase)
		}
		now = e.now() // after the hook, which may take a while
		e.stageT0, e.lastTick, e.stageEnd = now, now, now+int64(limit)
		e.schedStart = now
		e.hist.reset()
		e.winStart, e.winLast, e.winMsgs, e.stopped = now, now, 0, ""
		e.cpuStart = cpuTime()
		if e.cfg.Messages > 0 {
			e.schedLimit = e.cfg.Messages
		}
	}
	if e.cfg.Rate > 0 {
		return // the schedule issues messages as they fall due
	}
	for _, c := range e.conns {
		e.refill(c, e.now())
		// An error here shows up again on the next read or write.
		_ = e.flush(c)
	}
}

// advance moves the phase on when its time is up or its work is done, and
// reports whether the phase is over (its window drained).
func (e *engine) advance(now int64) (bool, error) {
	if e.cfg.Hooks.Progress != nil && e.stage != draining && now-e.lastTick >= int64(time.Second) {
		p := Progress{Phase: e.phase, Size: e.size, Warmup: e.stage == warming,
			Elapsed: time.Duration(now - e.stageT0), Messages: e.stageMsgs,
			Rate: float64(e.stageMsgs-e.tickMsgs) / time.Duration(now-e.lastTick).Seconds()}
		if e.stage == measuring {
			p.P99 = e.hist.quantile(99)
		}
		e.lastTick, e.tickMsgs = now, e.stageMsgs
		e.cfg.Hooks.Progress(p)
	}
	switch e.stage {
	case warming, measuring:
		byTime := now >= e.stageEnd
		byCount := e.stage == measuring && e.cfg.Messages > 0 && e.winMsgs >= e.cfg.Messages
		if !byTime && !byCount {
			return false, nil
		}
		if e.stage == measuring {
			e.stopped = "duration"
			if byCount {
				e.stopped = "messages"
			} else {
				e.winLast = e.stageEnd
			}
			e.cpuEnd = cpuTime()
			if h := e.cfg.Hooks.WindowEnd; h != nil {
				h(e.phase)
			}
			e.next = draining
		} else {
			e.next = measuring
		}
		e.stage, e.issuing = draining, false
		e.drainBy = e.now() + int64(e.cfg.DrainTimeout)
		for _, c := range e.conns {
			c.backlog.clear() // due but never issued: not sent, not counted
		}
		e.ready = e.ready[:0]
		fallthrough
	case draining:
		if e.inFlight() > 0 {
			if now > e.drainBy {
				return false, e.stuck()
			}
			return false, nil
		}
		if e.next == draining {
			return true, nil
		}
		e.begin(measuring)
	}
	return false, nil
}

// stuck is the error for messages that did not come back in time.
func (e *engine) stuck() error {
	n, first := 0, -1
	var waiting int64
	for _, c := range e.conns {
		if c.inflight.len() > 0 {
			n++
			waiting += int64(c.inflight.len())
			if first < 0 {
				first = c.idx
			}
		}
	}
	c := e.conns[first]
	return fmt.Errorf("echoload: %d messages on %d connections did not come back within %v (connection %d: sent %d bytes, %d echoed)",
		waiting, n, e.cfg.DrainTimeout, first, c.sent, c.recvd)
}

func (e *engine) inFlight() int {
	n := 0
	for _, c := range e.conns {
		n += c.inflight.len()
	}
	return n
}

// timeout is how long epoll_wait may block: until the next deadline, in
// whole milliseconds rounded up.
func (e *engine) timeout(now int64) int {
	next := int64(-1)
	earliest := func(t int64) {
		if next < 0 || t < next {
			next = t
		}
	}
	switch e.stage {
	case draining:
		earliest(e.drainBy + 1)
	default:
		earliest(e.stageEnd)
		if e.cfg.Rate > 0 {
			earliest(e.dueAt(e.scheduled))
		}
	}
	if e.cfg.Hooks.Progress != nil {
		earliest(e.lastTick + int64(time.Second))
	}
	if next < 0 {
		return -1
	}
	d := next - now
	if d <= 0 {
		return 0
	}
	return int((d + int64(time.Millisecond) - 1) / int64(time.Millisecond))
}

// dueAt is when message m of the open-loop schedule falls due.
func (e *engine) dueAt(m int64) int64 {
	return e.schedStart + int64(float64(m)*1e9/e.cfg.Rate)
}

// schedule hands every message now due to its connection (round-robin)
// and issues what the pipelines have room for.
func (e *engine) schedule(now int64) error {
	for (e.schedLimit < 0 || e.scheduled < e.schedLimit) && e.dueAt(e.scheduled) <= now {
		c := e.conns[e.scheduled%int64(len(e.conns))]
		if c.backlog.len() == 0 {
			e.ready = append(e.ready, c)
		}
		c.backlog.push(e.dueAt(e.scheduled))
		e.scheduled++
	}
	for _, c := range e.ready {
		e.refill(c, now)
		if err := e.flush(c); err != nil {
			return err
		}
	}
	e.ready = e.ready[:0]
	return nil
}

// refill issues messages on c while its pipeline has room: new ones in a
// closed loop, those due from its backlog in an open loop.
func (e *engine) refill(c *conn, now int64) {
	for e.issuing && c.inflight.len() < e.cfg.Depth && c.quota != 0 {
		t := now
		if e.cfg.Rate > 0 {
			if c.backlog.len() == 0 {
				return
			}
			t = c.backlog.pop()
		}
		c.inflight.push(t)
		c.issued += int64(e.size)
		if c.quota > 0 {
			c.quota--
		}
	}
}

// flush writes what c has issued and not yet sent, as far as the socket
// takes it, and watches for writability only while something is left.
func (e *engine) flush(c *conn) error {
	for c.sent < c.issued {
		n := int(min(c.issued-c.sent, maxChunk))
		w, err := rawWrite(c.fd, e.pat.chunk(c.offset, c.sent, n))
		switch err {
		case nil:
			c.sent += int64(w)
			continue
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return e.watchOut(c, true)
		}
		return e.connError(c, "write", err)
	}
	return e.watchOut(c, false)
}

func (e *engine) watchOut(c *conn, on bool) error {
	if c.outArmed == on {
		return nil
	}
	ev := unix.EpollEvent{Events: inEvents, Fd: int32(c.idx)}
	if on {
		ev.Events |= unix.EPOLLOUT
	}
	if err := unix.EpollCtl(e.epfd, unix.EPOLL_CTL_MOD, c.fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	c.outArmed = on
	return nil
}

// inEvents is the registration of every connection: edge-triggered, so
// that an epoll_wait does not poll again, as level-triggered does, every
// connection it reported last time. That saves echoload a socket poll per
// message; in exchange read must take everything queued (see read).
const inEvents = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET

// read takes all the echo queued on c, checks it, completes the messages
// it ends, and issues their successors. A read that fills less than the
// buffer has emptied the socket (TCP copies all it has, up to the length
// asked), and any data arriving later raises a new edge. A FIN is the
// exception: it may have come with the data, so when the event says the
// peer hung up (hup), read on until the end of file shows.
func (e *engine) read(c *conn, hup bool) error {
	for {
		n, err := e.readOnce(c)
		if err != nil || n == 0 || (n < len(e.buf) && !hup) {
			return err
		}
	}
}

// readOnce is one read of c, and the work it allows; n is 0 on EAGAIN.
func (e *engine) readOnce(c *conn) (int, error) {
	n, err := rawRead(c.fd, e.buf)
	switch {
	case err == unix.EAGAIN:
		return 0, nil
	case err == unix.EINTR:
		return len(e.buf), nil // read again
	case err != nil:
		return 0, e.connError(c, "read", err)
	case n == 0:
		return 0, fmt.Errorf("echoload: connection %d: the server closed it after echoing %d of the %d bytes sent", c.idx, c.recvd, c.sent)
	}
	return n, e.consume(c, e.buf[:n])
}

// consume checks the echo got, completes the messages it ends, and issues
// their successors.
func (e *engine) consume(c *conn, got []byte) error {
	n := len(got)
	extra := c.recvd + int64(n) - c.sent
	if extra > 0 {
		got = got[:n-int(extra)]
	}
	if err := e.pat.verify(c.idx, c.offset, c.recvd, got, e.size, c.msgBase, c.msgIndex); err != nil {
		return err
	}
	if extra > 0 {
		return fmt.Errorf("echoload: connection %d: the server sent %d bytes more than it was sent (%d sent)", c.idx, extra, c.sent)
	}
	c.recvd += int64(n)
	if c.recvd < c.nextEnd {
		return nil // the oldest message is not complete yet
	}
	now := e.now()
	for c.inflight.len() > 0 && c.recvd >= c.nextEnd {
		t := c.inflight.pop()
		c.nextEnd += int64(e.size)
		c.done++
		e.verified++
		e.stageMsgs++
		if e.stage == measuring && (e.cfg.Messages > 0 || now < e.stageEnd) {
			e.hist.record(time.Duration(now - t))
			e.winMsgs++
			e.winLast = now
		}
	}
	e.refill(c, now)
	return e.flush(c)
}

// connError describes a failed read or write on c.
func (e *engine) connError(c *conn, op string, err error) error {
	what := os.NewSyscallError(op, err).Error()
	switch {
	case errors.Is(err, unix.ECONNRESET):
		what = "the server reset it (ECONNRESET)"
	case errors.Is(err, unix.EPIPE):
		what = "the server closed it (EPIPE on write)"
	}
	return fmt.Errorf("echoload: connection %d: %s after echoing %d of the %d bytes sent", c.idx, what, c.recvd, c.sent)
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
