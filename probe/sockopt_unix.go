//go:build unix

package probe

import (
	"os"

	"golang.org/x/sys/unix"
)

func setRcvbuf(fd uintptr, n int) error {
	return os.NewSyscallError("setsockopt SO_RCVBUF", unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, n))
}

// Pending returns how many bytes wait unread in the connection's receive
// queue (FIONREAD): a way to see that the server has started writing
// without reading it.
func (c *Conn) Pending() (int, error) { return c.ioctlInt(fionread, "FIONREAD") }

// Unsent is how much of what the client wrote the server's kernel has not
// yet acknowledged, the client's own FIN included: 0 after a half-close
// means the server's side holds every byte and the FIN (it is in
// CLOSE_WAIT, or past it).
func (c *Conn) Unsent() (int, error) {
	if outq == 0 {
		return 0, errNoOutq
	}
	return c.ioctlInt(outq, "SIOCOUTQ")
}

// ioctlInt reads an int-valued ioctl of the connection's socket.
func (c *Conn) ioctlInt(req uint, name string) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	var ierr error
	if err := rc.Control(func(fd uintptr) { n, ierr = unix.IoctlGetInt(int(fd), req) }); err != nil {
		return 0, err
	}
	return n, os.NewSyscallError("ioctl "+name, ierr)
}

// Peek returns up to max bytes waiting unread on the connection, without
// reading them and without waiting: what the server sent this client that
// it has not asked for yet.
func (c *Conn) Peek(max int) ([]byte, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	buf := make([]byte, max)
	n := 0
	var rerr error
	if err := rc.Control(func(fd uintptr) {
		n, _, rerr = unix.Recvfrom(int(fd), buf, unix.MSG_PEEK|unix.MSG_DONTWAIT)
	}); err != nil {
		return nil, err
	}
	if rerr == unix.EAGAIN || rerr == unix.EWOULDBLOCK {
		return nil, nil
	}
	if rerr != nil {
		return nil, os.NewSyscallError("recvfrom MSG_PEEK", rerr)
	}
	return buf[:n], nil
}
