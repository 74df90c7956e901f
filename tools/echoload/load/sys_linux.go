package load

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The engine's system calls are made raw, past the Go scheduler. The
// engine is the only goroutine with work, on a locked thread, so there is
// nothing for the scheduler to run meanwhile; telling it about each call
// (syscall.Syscall's entersyscall) only buys, for every epoll_wait that
// blocks longer than 20 µs, a sysmon wake-up that hands the P to another
// thread, a futex to start that thread and context switches on the
// client's CPU: measured here, 0.4 context switches per message, and a
// third of echoload's CPU time. Reads and writes never block (the sockets
// are non-blocking) and go straight to the socket layer (recvfrom and
// sendto skip the file layer of read and write). epoll_wait always has a
// timeout, at most until the next deadline; the runtime's preemption
// signal interrupts it (EINTR, never restarted: signal(7)) if it needs the
// thread, to collect garbage for instance, and the loop then yields.

// rawRead is recv(2) on a non-blocking socket.
func rawRead(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// rawWrite is send(2) on a non-blocking socket, without SIGPIPE.
func rawWrite(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), unix.MSG_NOSIGNAL, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// rawEpollWait is epoll_wait(2), as epoll_pwait with no signal mask.
func rawEpollWait(epfd int, events []unix.EpollEvent, msec int) (int, error) {
	n, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), uintptr(msec), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
