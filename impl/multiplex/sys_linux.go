package main

import "golang.org/x/sys/unix"

// accept takes one connection off the listen queue. Linux's accept4 makes
// the new socket non-blocking and close-on-exec in the same system call.
func accept(lfd int) (int, unix.Sockaddr, error) {
	return unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
}

// send writes p to a connected socket. MSG_NOSIGNAL turns the SIGPIPE that
// writing to a reset connection would raise into a plain EPIPE error. (Go
// already ignores SIGPIPE for writes to descriptors other than stdout and
// stderr, but a C server needs the flag, so we keep the habit.)
func send(fd int, p []byte) (int, error) {
	return unix.SendmsgN(fd, p, nil, nil, unix.MSG_NOSIGNAL)
}
