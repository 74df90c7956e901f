package servertest

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// Dial connects to addr with a 5 s deadline that bounds everything the test
// does on the connection. Cleanup closes it.
func Dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c.(*net.TCPConn)
}

// RoundTrip sends msg on c and checks that exactly msg comes back.
func RoundTrip(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatalf("write %q: %v", msg, err)
	}
	got := make([]byte, len(msg))
	if n, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("reading the echo of %q: %v after %q", msg, err, got[:n])
	}
	if string(got) != msg {
		t.Fatalf("echo = %q, want %q", got, msg)
	}
}

// Abort closes c with SO_LINGER {on, 0 s}, which sends RST instead of FIN:
// the server sees ECONNRESET on its next read, or ECONNRESET or EPIPE on
// its next write.
func Abort(t *testing.T, c *net.TCPConn) {
	t.Helper()
	if err := c.SetLinger(0); err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// Stall writes to c without ever reading until the kernel's buffers on both
// sides are full and a short write deadline expires. By then a blocking
// server is stuck writing its echo to c, and an event loop holds echo for c
// that it cannot send and has stopped reading from c (backpressure).
func Stall(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
	_, err := c.Write(make([]byte, 64<<20))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write to a server while never reading: err = %v, want a timeout", err)
	}
}
