//go:build unix

package main

import (
	"fmt"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"
)

// listen returns a non-blocking TCP socket listening on host:port, and the
// address it is bound to (with port 0 the kernel picks a free port).
func listen(host string, port int) (int, string, error) {
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return -1, "", fmt.Errorf("-host %q: need an IP address, this server does no name lookups", host)
	}
	if port < 0 || port > 65535 {
		return -1, "", fmt.Errorf("-port %d: out of range", port)
	}
	var sa unix.Sockaddr
	family := unix.AF_INET
	if ip = ip.Unmap(); ip.Is4() {
		sa = &unix.SockaddrInet4{Port: port, Addr: ip.As4()}
	} else {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: port, Addr: ip.As16()}
	}

	fd, err := unix.Socket(family, unix.SOCK_STREAM, 0)
	if err != nil {
		return -1, "", os.NewSyscallError("socket", err)
	}
	fail := func(call string, err error) (int, string, error) {
		unix.Close(fd)
		return -1, "", os.NewSyscallError(call, err)
	}
	// Keep the socket out of any program we might exec.
	unix.CloseOnExec(fd)
	// Non-blocking even though we accept only when told the listener is
	// ready: the client may reset before we call accept, and a blocking
	// accept would then stall the whole loop until someone else connects.
	if err := unix.SetNonblock(fd, true); err != nil {
		return fail("fcntl", err)
	}
	// Let a restarted server bind while its old connections sit in TIME_WAIT.
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fail("setsockopt", err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	if err := unix.Listen(fd, 128); err != nil {
		return fail("listen", err)
	}
	bound, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	return fd, sockaddrString(bound), nil
}

// sockaddrString formats an IPv4 or IPv6 socket address as host:port.
func sockaddrString(sa unix.Sockaddr) string {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port)).String()
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port)).String()
	}
	return fmt.Sprintf("%T", sa)
}
