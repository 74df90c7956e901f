// Command single is the reference echo server for the iterative model: one
// goroutine accepts a client, echoes it until it leaves, and only then
// accepts the next one.
//
// How it works: net.Listen opens the listening socket; Accept blocks until a
// client connects; Read blocks until the client sends something; Write
// blocks until all of it has been handed back to the kernel. When Read
// reports io.EOF the client has half-closed its side (shutdown SHUT_WR or
// close), everything it sent has already been written back, so we close our
// side too and go back to Accept.
//
// Trade-offs: this is the simplest correct server there is. It needs no
// locks, one buffer serves every client, and the order of events is obvious
// from reading the code top to bottom. The price is that clients are served
// strictly one after another: while one client is connected, even an idle
// one, every other client waits in the kernel's listen backlog. The model
// suits a tutorial, a debugging aid, or a service with exactly one client;
// the coroutine and multiplex models show how to serve many at once.
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
	port := flag.Int("port", serverenv.DefaultPort("single"), "TCP port to listen on; defaults to $PORT if set")
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

// serve accepts clients one at a time and echoes each until it leaves. It
// returns nil once ln is closed.
func serve(ln net.Listener) error {
	// One buffer is enough: only one client is ever being served.
	buf := make([]byte, 32<<10)
	var pause serverenv.Backoff // after a failed accept
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			// Transient, such as running out of file descriptors (EMFILE,
			// ENFILE): pause, then accept again.
			pause.Wait(fmt.Errorf("accept: %w", err), nil)
			continue
		}
		pause.Reset()
		echo(conn, buf)
	}
}

// echo writes everything the client sends back to it, then closes the
// connection. A client that resets the connection (ECONNRESET, or EPIPE when
// we write to it) costs one line on stderr and nothing more.
func echo(conn net.Conn, buf []byte) {
	defer conn.Close()
	for {
		n, err := conn.Read(buf)
		// Use the n bytes before looking at err: a Read may return data and
		// an error together.
		if n > 0 {
			// Write returns only when all n bytes are written, or on error:
			// Go loops over the kernel's partial writes for us.
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
