// Command coroutine is the reference echo server for the coroutine model:
// every connection gets its own goroutine, written as plain blocking code.
//
// How it works: the main goroutine loops on Accept and starts a goroutine
// per client; that goroutine reads, writes everything back, and closes the
// connection at EOF, exactly like the iterative server's inner loop. The
// blocking is an illusion the Go runtime maintains: sockets are non-blocking
// underneath, and when a Read or Write would block, the runtime parks the
// goroutine and hands the socket to its netpoller (epoll on Linux, kqueue on
// the BSDs and macOS), which wakes the goroutine when the socket is ready.
// That is the coroutine model: an event loop's scalability, a thread's
// readable straight-line code.
//
// Trade-offs: each client costs a goroutine (a few KiB of stack) and its
// buffer, so tens of thousands of clients are cheap, and a slow or idle
// client delays nobody. Backpressure comes for free: a client that sends
// without reading blocks its own goroutine in Write, which stops it reading,
// so at most one buffer per client is ever held. The cost is that
// goroutines run in parallel, so any state shared between clients would
// need locks or channels (an echo server shares none), and the scheduling
// is the runtime's rather than the program's.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"

	"github.com/echospec/echospec/impl/internal/serverenv"
)

func main() {
	host := flag.String("host", "127.0.0.1", "address to listen on")
	port := flag.Int("port", serverenv.DefaultPort("coroutine"), "TCP port to listen on; defaults to $PORT if set")
	flag.Parse()
	log.SetFlags(0)

	ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s", ln.Addr())

	serverenv.ExitOnSignal()

	if err := serve(ln); err != nil {
		log.Fatal(err)
	}
}

// serve accepts clients and echoes each in its own goroutine. It returns nil
// once ln is closed; connections already accepted carry on.
func serve(ln net.Listener) error {
	// freed gets a token when a connection closes, so that an accept that
	// failed for want of descriptors is retried at once.
	freed := make(chan struct{}, 1)
	var pause serverenv.Backoff // after a failed accept
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			// Transient, such as running out of file descriptors (EMFILE,
			// ENFILE): wait for a connection to close, or for a pause.
			pause.Wait(fmt.Errorf("accept: %w", err), freed)
			continue
		}
		pause.Reset()
		go func() {
			echo(conn)
			select {
			case freed <- struct{}{}:
			default: // a token is already waiting
			}
		}()
	}
}

// echo writes everything the client sends back to it, then closes the
// connection. A client that resets the connection (ECONNRESET, or EPIPE when
// we write to it) costs one line on stderr and nothing more.
func echo(conn net.Conn) {
	defer conn.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := conn.Read(buf)
		// Use the n bytes before looking at err: a Read may return data and
		// an error together.
		if n > 0 {
			// Write returns only when all n bytes are written, or on error:
			// Go loops over the kernel's partial writes for us, parking this
			// goroutine (not a thread) while the socket buffer is full.
			if _, err := conn.Write(buf[:n]); err != nil {
				log.Printf("echo: %v", err)
				return
			}
		}
		if err == io.EOF {
			// The client half-closed and we have echoed everything it sent:
			// close our side (the deferred Close) so that it sees EOF too.
			return
		}
		if err != nil {
			log.Printf("echo: %v", err)
			return
		}
	}
}
