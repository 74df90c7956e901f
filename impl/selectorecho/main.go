//go:build unix

// Command selectorecho is a TCP echo server on one thread, driven by package
// selector: the tutorial's Python selectors example, done right.
//
// Like the Python version, every registration carries its handler as data,
// and the loop calls key.Data(fd, events) for every ready descriptor. Unlike
// it, the server
//
//   - watches a connection for Write only while it has echo pending (a
//     socket with room in its send buffer is writable on every Select, so
//     keeping Write registered spins at 100% CPU);
//   - keeps what one write did not send, per connection, instead of a
//     shared message list that loses or misroutes data;
//   - stops reading from a client whose pending echo exceeds 1 MiB until it
//     reads some (backpressure), so a client that only sends cannot exhaust
//     memory;
//   - on EOF sends what is pending, then closes; on ECONNRESET or EPIPE
//     closes quietly.
//
// Usage:
//
//	selectorecho [-host 127.0.0.1] [-port $PORT or 9090] [-backend epoll|kqueue|poll|select]
//
// It prints "listening on HOST:PORT" to stderr once it accepts connections,
// and exits cleanly on SIGINT or SIGTERM.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
)

func main() {
	host := flag.String("host", "127.0.0.1", "address to listen on")
	port := flag.Int("port", defaultPort(), "TCP port to listen on (default $PORT, else 9090)")
	backend := flag.String("backend", "", "selector backend, one of selector.Backends() (default: the platform's preferred)")
	flag.Parse()
	log.SetPrefix("selectorecho: ")

	// One thread does all the work: every socket is non-blocking, and the
	// only place the thread waits is the selector.
	runtime.LockOSThread()

	srv, err := listen(*host, *port, *backend)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "listening on %s\n", srv.addr)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sigs
		srv.stop()
	}()
	if err := srv.serve(); err != nil {
		log.Fatal(err)
	}
}

// defaultPort is $PORT if it is a number, else 9090.
func defaultPort() int {
	if p, err := strconv.Atoi(os.Getenv("PORT")); err == nil {
		return p
	}
	return 9090
}
