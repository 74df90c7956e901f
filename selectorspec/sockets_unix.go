//go:build unix

package selectorspec

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// The harness's own sockets. All are non-blocking, so no syscall blocks;
// every wait goes through waitFD, which polls with a deadline. The check
// owns each descriptor until it closes it with closeFD; releaseAll closes
// the rest.

var errTimeout = errors.New("deadline exceeded")

// own records fd as owned by the check and makes it non-blocking.
func (r *run) own(fd int, what string) int {
	r.mu.Lock()
	r.fds[fd] = true
	r.mu.Unlock()
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		r.fatalf("setup: making %s fd %d non-blocking: %v", what, fd, os.NewSyscallError("fcntl", err))
	}
	return fd
}

// closeFD closes a descriptor the check owns, once.
func (r *run) closeFD(fd int) {
	r.mu.Lock()
	owned := r.fds[fd]
	delete(r.fds, fd)
	r.mu.Unlock()
	if owned {
		_ = unix.Close(fd)
	}
}

// closeDescriptor closes one descriptor, ignoring errors (releaseAll).
func closeDescriptor(fd int) { _ = unix.Close(fd) }

// socketPair returns a connected pair of Unix stream sockets: a write on
// one end is readable on the other by the time write returns.
func (r *run) socketPair() (a, b int) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		r.fatalf("setup: socketpair(AF_UNIX, SOCK_STREAM) = %v", err)
	}
	return r.own(fds[0], "socketpair"), r.own(fds[1], "socketpair")
}

// listen returns a listening TCP socket on 127.0.0.1 and its port.
func (r *run) listen() (fd, port int) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		r.fatalf("setup: socket(AF_INET, SOCK_STREAM) = %v", err)
	}
	r.own(fd, "listening")
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		r.fatalf("setup: bind(127.0.0.1:0) = %v", err)
	}
	if err := unix.Listen(fd, 16); err != nil {
		r.fatalf("setup: listen = %v", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		r.fatalf("setup: getsockname = %v", err)
	}
	return fd, sa.(*unix.SockaddrInet4).Port
}

// dial connects a new TCP socket to 127.0.0.1:port.
func (r *run) dial(port int) int {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		r.fatalf("setup: socket(AF_INET, SOCK_STREAM) = %v", err)
	}
	r.own(fd, "client")
	err = unix.Connect(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: port})
	if errors.Is(err, unix.EINPROGRESS) || errors.Is(err, unix.EINTR) {
		if err = r.waitFD(fd, forWrite, ioWait); err == nil {
			var soerr int
			if soerr, err = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR); err == nil && soerr != 0 {
				err = unix.Errno(soerr)
			}
		}
	}
	if err != nil {
		r.fatalf("setup: connect(127.0.0.1:%d) = %v", port, err)
	}
	return fd
}

// accept takes one connection from a listening socket, waiting for it.
func (r *run) accept(lfd int) int {
	for {
		nfd, _, err := unix.Accept(lfd)
		switch {
		case err == nil:
			return r.own(nfd, "accepted")
		case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR), errors.Is(err, unix.ECONNABORTED):
			if err := r.waitFD(lfd, forRead, ioWait); err != nil {
				r.fatalf("setup: accept on 127.0.0.1 = no connection within %v (%v)", r.wait(ioWait), err)
			}
		default:
			r.fatalf("setup: accept = %v", err)
		}
	}
}

// tcpPair returns a loopback TCP connection: a is the accepted end, b the
// client. The listening socket is closed.
func (r *run) tcpPair() (a, b int) {
	lfd, port := r.listen()
	b = r.dial(port)
	a = r.accept(lfd)
	r.closeFD(lfd)
	return a, b
}

// waitFor says what waitFD waits for.
type waitFor int

const (
	forRead    waitFor = iota // POLLIN: data, EOF, or a connection to accept
	forWrite                  // POLLOUT: room to write, or a finished connect
	forTrouble                // POLLHUP or POLLERR only (e.g. a peer's RST)
)

// waitFD polls fd (the harness's own poll, not the backend under test)
// until what it waits for, or a hang-up or error, is pending.
func (r *run) waitFD(fd int, what waitFor, base time.Duration) error {
	deadline := time.Now().Add(r.wait(base))
	for {
		left := time.Until(deadline)
		ms := int((left + time.Millisecond - 1) / time.Millisecond)
		// Events is int16 on most systems, uint16 on AIX: untyped
		// constants fit both. Hang-up and error are always reported.
		pfd := []unix.PollFd{{Fd: int32(fd)}}
		switch what {
		case forRead:
			pfd[0].Events = unix.POLLIN
		case forWrite:
			pfd[0].Events = unix.POLLOUT
		}
		n, err := unix.Poll(pfd, max(ms, 0))
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return os.NewSyscallError("poll", err)
		case n > 0:
			return nil
		case left <= 0:
			return errTimeout
		}
	}
}

// read is one non-blocking read, EINTR retried; EAGAIN is returned as is.
func read(fd int, p []byte) (int, error) {
	for {
		n, err := unix.Read(fd, p)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return n, err
	}
}

// write is one non-blocking write, EINTR retried; EAGAIN is returned as is.
func write(fd int, p []byte) (int, error) {
	for {
		n, err := unix.Write(fd, p)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return n, err
	}
}

// writeAll writes p, waiting for room with a deadline.
func (r *run) writeAll(fd int, p []byte) {
	for len(p) > 0 {
		n, err := write(fd, p)
		switch {
		case errors.Is(err, unix.EAGAIN):
			if err := r.waitFD(fd, forWrite, ioWait); err != nil {
				r.fatalf("setup: write(fd %d) = no room within %v (%v)", fd, r.wait(ioWait), err)
			}
		case err != nil:
			r.fatalf("setup: write(fd %d, %d bytes) = %v", fd, len(p), err)
		default:
			p = p[n:]
		}
	}
}

// drain reads whatever is waiting on fd, without waiting.
func drain(fd int) int {
	buf := make([]byte, 64<<10)
	total := 0
	for {
		n, err := read(fd, buf)
		if n <= 0 || err != nil {
			return total
		}
		total += n
	}
}

// reset makes the close of fd send a TCP RST instead of a FIN
// (SO_LINGER on, zero seconds), then closes it.
func (r *run) reset(fd int) {
	if err := unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1}); err != nil {
		r.fatalf("setup: setsockopt(SO_LINGER {1, 0}) = %v", err)
	}
	r.closeFD(fd)
}

// dupAtLeast duplicates fd to the lowest free descriptor >= min.
func (r *run) dupAtLeast(fd, min int) (int, error) {
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD, min)
	if err != nil {
		return -1, os.NewSyscallError("fcntl(F_DUPFD)", err)
	}
	r.mu.Lock()
	r.fds[nfd] = true
	r.mu.Unlock()
	return nfd, nil
}

// ensureFDs raises the soft RLIMIT_NOFILE so that descriptor n-1 can be
// opened, or skips the check saying why it cannot.
func (r *run) ensureFDs(n int) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		r.skipf("getrlimit(RLIMIT_NOFILE) = %v", err)
	}
	if uint64(rl.Cur) >= uint64(n) {
		return
	}
	if uint64(rl.Max) < uint64(n) {
		r.skipf("needs descriptors up to %d, but RLIMIT_NOFILE is %d (hard limit %d)", n, uint64(rl.Cur), uint64(rl.Max))
	}
	old := rl.Cur
	rl.Cur = rl.Max
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		r.skipf("needs descriptors up to %d; raising RLIMIT_NOFILE from %d to %d failed: %v", n, uint64(old), uint64(rl.Max), err)
	}
	r.measuref("raised the soft RLIMIT_NOFILE from %d to %d", uint64(old), uint64(rl.Max))
}

// fdString names a descriptor for messages: its /proc link where there is
// one ("fd 5 (anon_inode:[eventpoll])"), else "fd 5".
func fdString(fd int) string {
	if l, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd)); err == nil {
		return fmt.Sprintf("fd %d (%s)", fd, l)
	}
	return fmt.Sprintf("fd %d", fd)
}
