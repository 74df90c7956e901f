package load

import (
	"fmt"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// dial opens one non-blocking TCP connection to addr, waiting at most
// timeout for the handshake. A server whose accept queue is full drops the
// SYN, and the kernel retries it after 1 s, 3 s, ...: the timeout turns
// that into an error instead of a two-minute hang.
func dial(addr netip.AddrPort, timeout time.Duration) (int, error) {
	family, sa := unix.AF_INET, unix.Sockaddr(nil)
	if addr.Addr().Is4() {
		sa = &unix.SockaddrInet4{Port: int(addr.Port()), Addr: addr.Addr().As4()}
	} else {
		family, sa = unix.AF_INET6, &unix.SockaddrInet6{Port: int(addr.Port()), Addr: addr.Addr().As16()}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	fail := func(err error) (int, error) {
		unix.Close(fd)
		return -1, err
	}
	// Small messages leave at once instead of waiting for an ACK (Nagle),
	// as every load generator does; a pipelined client would stall without.
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
		return fail(os.NewSyscallError("setsockopt TCP_NODELAY", err))
	}
	err = unix.Connect(fd, sa)
	for err == unix.EINTR {
		err = unix.Connect(fd, sa)
	}
	if err == nil || err == unix.EISCONN {
		return fd, nil
	}
	if err != unix.EINPROGRESS && err != unix.EALREADY {
		return fail(os.NewSyscallError("connect", err))
	}
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return fail(fmt.Errorf("no handshake within %v (is the server's accept queue full, or is it not accepting?)", timeout))
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		n, err := unix.Poll(pfd, int((left+time.Millisecond-1)/time.Millisecond))
		if err == unix.EINTR || n == 0 {
			continue
		}
		if err != nil {
			return fail(os.NewSyscallError("poll", err))
		}
		soErr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return fail(os.NewSyscallError("getsockopt SO_ERROR", err))
		}
		if soErr != 0 {
			return fail(os.NewSyscallError("connect", unix.Errno(soErr)))
		}
		return fd, nil
	}
}

// raiseNoFile raises this process's soft RLIMIT_NOFILE to at least n, up to
// the hard limit, so 1,000 connections fit under a default soft limit of
// 1,024.
func raiseNoFile(n int) error {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return os.NewSyscallError("getrlimit", err)
	}
	if lim.Cur >= uint64(n) {
		return nil
	}
	if lim.Max < uint64(n) {
		return fmt.Errorf("echoload: %d descriptors needed, but the hard RLIMIT_NOFILE is %d (ulimit -Hn); use fewer connections", n, lim.Max)
	}
	lim.Cur = uint64(n)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return os.NewSyscallError("setrlimit", err)
	}
	return nil
}
