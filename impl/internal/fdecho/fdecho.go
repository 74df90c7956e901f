//go:build unix

// Package fdecho is the echo loop on a raw blocking socket descriptor that
// the thread-per-connection and process-per-connection references share:
// read(2) into a buffer, write(2) all of it back, until the client shuts
// down its sending side.
package fdecho

import (
	"os"

	"golang.org/x/sys/unix"
)

// Echo writes back everything it reads from the blocking socket fd until
// the client shuts down its sending side (read returns 0). Everything read
// has been written back by then, so the caller can close at once.
func Echo(fd int) error {
	// 16 KiB: few system calls for bulk data, little memory per connection.
	buf := make([]byte, 16<<10)
	for {
		n, err := unix.Read(fd, buf)
		if err == unix.EINTR { // a signal arrived first; nothing was read
			continue
		}
		if err != nil {
			return os.NewSyscallError("read", err)
		}
		if n == 0 {
			return nil
		}
		if err := WriteAll(fd, buf[:n]); err != nil {
			return err
		}
	}
}

// WriteAll writes all of p: one write(2) may take only part of it.
func WriteAll(fd int, p []byte) error {
	for len(p) > 0 {
		n, err := unix.Write(fd, p)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("write", err)
		}
		p = p[n:]
	}
	return nil
}
