//go:build unix

package main

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkService measures the loop's work for one ready connection, with
// no waiting: service reads a 64-byte message and writes it back. The
// client end writes the message before and reads the echo after, so one
// iteration is four system calls, two of them the server's.
//
//	go test -bench Service ./impl/multiplex
func BenchmarkService(b *testing.B) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		b.Fatal(os.NewSyscallError("socketpair", err))
	}
	b.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	if err := unix.SetNonblock(fds[0], true); err != nil {
		b.Fatal(err)
	}
	s := &server{conns: map[int]*conn{}, scratch: make([]byte, readSize)}
	c := &conn{fd: fds[0], peer: "bench"}
	s.conns[c.fd] = c
	msg := bytes.Repeat([]byte("0123456789abcdef"), 4)
	echo := make([]byte, len(msg))
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := unix.Write(fds[1], msg); err != nil {
			b.Fatal(err)
		}
		if !s.service(c, true, false) {
			b.Fatal("service closed the connection")
		}
		if n, err := unix.Read(fds[1], echo); err != nil || n != len(msg) {
			b.Fatalf("read of the echo = %d, %v; want %d bytes", n, err, len(msg))
		}
	}
	if !bytes.Equal(echo, msg) {
		b.Fatalf("echo = %q; want %q", echo, msg)
	}
}

// BenchmarkEcho measures 64-byte echoes through the whole event loop over
// loopback TCP, per mechanism: with one connection (a round trip per
// echo), and with 64 whose messages are all sent before any echo is read,
// so that every turn of the loop finds many connections ready. ns/op is
// per echo in both.
//
//	go test -bench Echo ./impl/multiplex
func BenchmarkEcho(b *testing.B) {
	for _, name := range slices.Sorted(maps.Keys(mechanisms)) {
		for _, n := range []int{1, 64} {
			b.Run(fmt.Sprintf("%s/conns=%d", name, n), func(b *testing.B) {
				ts := start(b, name)
				conns := make([]net.Conn, n)
				for i := range conns {
					c, err := net.DialTimeout("tcp", ts.addr, 5*time.Second)
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { c.Close() })
					conns[i] = c
				}
				msg := bytes.Repeat([]byte("echo-64-"), 8)
				got := make([]byte, len(msg))
				b.SetBytes(int64(len(msg)))
				b.ResetTimer()
				// One iteration of the loop below is n echoes.
				for i := 0; i < b.N; i += n {
					for _, c := range conns {
						c.SetDeadline(time.Now().Add(5 * time.Second))
						if _, err := c.Write(msg); err != nil {
							b.Fatal(err)
						}
					}
					for _, c := range conns {
						if _, err := io.ReadFull(c, got); err != nil {
							b.Fatal(err)
						}
						if !bytes.Equal(got, msg) {
							b.Fatalf("echo = %q; want %q", got, msg)
						}
					}
				}
			})
		}
	}
}
