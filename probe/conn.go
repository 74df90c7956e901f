// Package probe is the client side of the specs: it dials a server under
// test, sends and reads with deadlines, aborts with a reset, and records
// every exchange so a failure can show what was sent and what came back.
//
// Nothing here sleeps to order events: every wait is a read or write with
// a deadline, and "no progress for a stall period" is how a silent server
// is told from a slow one.
package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// errNoOutq is Unsent's answer where the client cannot read its send queue.
var errNoOutq = errors.New("probe: the client's unacknowledged send queue (SIOCOUTQ) is read on Linux only")

// Conn is one client connection to the server under test.
type Conn struct {
	*net.TCPConn
}

// Dial connects to addr within timeout.
func Dial(ctx context.Context, addr string, timeout time.Duration) (*Conn, error) {
	d := net.Dialer{Timeout: timeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	tc := c.(*net.TCPConn)
	return &Conn{tc}, nil
}

// DialSmall connects with a small receive buffer, so a client that does
// not read pushes back on the server quickly.
func DialSmall(ctx context.Context, addr string, timeout time.Duration, rcvbuf int) (*Conn, error) {
	d := net.Dialer{Timeout: timeout, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = setRcvbuf(fd, rcvbuf)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	return &Conn{c.(*net.TCPConn)}, nil
}

// Abort closes the connection with a reset (SO_LINGER {1, 0}), as a
// crashed or impatient client would.
func (c *Conn) Abort() error {
	if err := c.SetLinger(0); err != nil {
		return err
	}
	return c.Close()
}

// HalfClose shuts down the client's sending side: the server reads EOF and
// can still write.
func (c *Conn) HalfClose() error { return c.CloseWrite() }

// Exchange is the record of one conversation with the server.
type Exchange struct {
	Sent     []byte
	Got      []byte
	How      string        // how it was sent, e.g. "as 1,000 one-byte writes"
	WriteErr error         // the first write error, if any
	ReadErr  error         // why reading stopped, if not by getting everything
	EOF      bool          // the server closed its side
	Stalled  time.Duration // reading stopped after no progress for this long
	Elapsed  time.Duration
}

// Echo writes payload (in writes of chunk bytes, or one write if chunk is
// 0) while reading concurrently, until len(payload) bytes are back, the
// server closes, an error occurs, or nothing arrives for stall.
func (c *Conn) Echo(payload []byte, chunk int, stall time.Duration, how string) Exchange {
	return c.echo(payload, chunk, stall, 0, how)
}

// EchoLagging is Echo with a reader that holds back: it starts reading once
// the writer has finished or has made no progress for idle (the server has
// stopped reading because its output is blocked). Meanwhile the server's
// send buffer fills, which is when a server that ignores how much one
// send() wrote loses data. A correct server passes whatever idle is: it
// only decides how hard the send buffer is pressed.
func (c *Conn) EchoLagging(payload []byte, chunk int, stall, idle time.Duration, how string) Exchange {
	return c.echo(payload, chunk, stall, idle, how)
}

func (c *Conn) echo(payload []byte, chunk int, stall, idle time.Duration, how string) Exchange {
	ex := Exchange{Sent: payload, How: how}
	began := time.Now()
	progress := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ex.WriteErr = c.writeAll(payload, chunk, stall, progress)
	}()
	if idle > 0 {
		waitIdle(done, progress, idle)
		c.waitTaken(idle, stall)
	}
	ex.Got, ex.EOF, ex.Stalled, ex.ReadErr = c.ReadN(len(payload), stall)
	if ex.Stalled > 0 || ex.ReadErr != nil || ex.EOF {
		// Unblock a writer stuck because the server stopped reading.
		_ = c.SetWriteDeadline(time.Now())
	}
	<-done
	_ = c.SetWriteDeadline(time.Time{})
	ex.Elapsed = time.Since(began)
	return ex
}

// waitTaken returns when the server has taken everything the client wrote
// (Unsent is 0) or has stopped taking it (Unsent has not changed for
// idle), or after stall. A lagging reader starts only then: a server that
// keeps reading while its send buffer is full has by now had to cope with
// partial sends, however slow it was. Without SIOCOUTQ it returns at once.
func (c *Conn) waitTaken(idle, stall time.Duration) {
	last, since := -1, time.Now()
	deadline := time.Now().Add(stall)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		n, err := c.Unsent()
		if err != nil || n == 0 {
			return
		}
		if n != last {
			last, since = n, time.Now()
		} else if time.Since(since) >= idle {
			return
		}
		<-tick.C
	}
}

// waitIdle returns when the writer is done or has made no progress for idle.
func waitIdle(done <-chan struct{}, progress <-chan struct{}, idle time.Duration) {
	t := time.NewTimer(idle)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			return
		case <-progress:
			t.Reset(idle)
		}
	}
}

func (c *Conn) writeAll(p []byte, chunk int, stall time.Duration, progress chan<- struct{}) error {
	if chunk <= 0 {
		chunk = len(p)
	}
	budget := Budget(len(p), stall)
	end := time.Now().Add(budget)
	defer c.SetWriteDeadline(time.Time{})
	last := time.Now() // of the last progress
	for off := 0; off < len(p); {
		stop := min(off+chunk, len(p))
		// A write only blocks while the server does not read; give it the
		// stall period to make progress, within the whole write's budget.
		dl := time.Now().Add(stall)
		if dl.After(end) {
			dl = end
		}
		_ = c.SetWriteDeadline(dl)
		n, err := c.Write(p[off:stop])
		off += n
		if n > 0 {
			last = time.Now()
		}
		select {
		case progress <- struct{}{}:
		default:
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) && !time.Now().Before(end) && time.Since(last) < stall {
				err = fmt.Errorf("%w (%v for %s)", ErrBudget, budget.Round(time.Millisecond), Size(len(p)))
			}
			return fmt.Errorf("write at offset %d: %w", off, err)
		}
	}
	return nil
}

// Send writes p whole within stall per write.
func (c *Conn) Send(p []byte, stall time.Duration) error { return c.writeAll(p, 0, stall, nil) }

// MinRate is the slowest echo the probe waits for: an exchange of n bytes
// gets its stall period plus n/MinRate in all, however the bytes trickle
// in, so a server that sends a byte now and then cannot keep a spec
// waiting past its budget.
const MinRate = 1 << 20 // bytes per second

// Budget is how long an exchange of n bytes may take in all.
func Budget(n int, stall time.Duration) time.Duration {
	return stall + time.Duration(float64(n)/MinRate*float64(time.Second))
}

// ErrBudget is why a read or write stopped that kept making progress, too
// slowly to finish within its Budget.
var ErrBudget = errors.New("the exchange ran past its time budget")

// ReadN reads until n bytes arrived, EOF, an error, no byte arrives for
// stall, or the exchange's Budget is spent. It returns what arrived and
// why it stopped (err wraps ErrBudget when the budget ran out).
func (c *Conn) ReadN(n int, stall time.Duration) (got []byte, eof bool, stalled time.Duration, err error) {
	got = make([]byte, 0, n)
	buf := make([]byte, 64<<10)
	budget := Budget(n, stall)
	end := time.Now().Add(budget)
	defer c.SetReadDeadline(time.Time{})
	last := time.Now() // of the last progress
	for len(got) < n {
		dl := last.Add(stall)
		if dl.After(end) {
			dl = end
		}
		_ = c.SetReadDeadline(dl)
		k, rerr := c.Read(buf[:min(len(buf), n-len(got))])
		got = append(got, buf[:k]...)
		if k > 0 {
			last = time.Now()
		}
		switch {
		case rerr == nil:
		case errors.Is(rerr, io.EOF):
			return got, true, 0, nil
		case errors.Is(rerr, os.ErrDeadlineExceeded):
			if time.Since(last) >= stall {
				return got, false, stall, nil
			}
			if !time.Now().Before(end) {
				return got, false, 0, fmt.Errorf("%w (%v for %s)", ErrBudget, budget.Round(time.Millisecond), Size(n))
			}
		default:
			return got, false, 0, rerr
		}
	}
	return got, false, 0, nil
}

// ReadToEOF reads until the server closes, an error, more than max bytes,
// or no progress for stall.
func (c *Conn) ReadToEOF(max int, stall time.Duration) (got []byte, eof bool, stalled time.Duration, err error) {
	got, eof, stalled, err = c.ReadN(max+1, stall)
	return
}

// Quiet reports whether nothing arrives on c for d: the server holds its
// echo back. It returns what arrived if something did.
func (c *Conn) Quiet(d time.Duration) (got []byte, quiet bool, err error) {
	buf := make([]byte, 4096)
	_ = c.SetReadDeadline(time.Now().Add(d))
	defer c.SetReadDeadline(time.Time{})
	k, err := c.Read(buf)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, true, nil
	}
	return buf[:k], false, err
}
