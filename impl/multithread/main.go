//go:build unix

// Command multithread is the reference echo server for the "multithread"
// model: one operating-system thread per connection, or a fixed pool of N
// threads with -pool N.
//
// Go normally multiplexes goroutines over a few threads and hides blocking
// behind its network poller, which is the "coroutine" model. To get the
// classic model instead, each connection is served by a goroutine that
//
//   - calls runtime.LockOSThread and never unlocks, so the goroutine owns one
//     thread for its whole life, and that thread ends when the goroutine
//     returns (see serveLocked); and
//   - switches its socket to blocking mode and calls read(2) and write(2)
//     directly, so the kernel sees one thread asleep in read per idle
//     connection, exactly like pthread_create plus recv/send in C or
//     threading.Thread plus socket.recv in Python.
//
// The main goroutine only accepts. Without -pool it starts a new locked
// goroutine (a new thread) per connection. With -pool N it starts N locked
// workers up front and hands each accepted connection over an unbuffered
// channel: while all N are busy, main waits on the channel holding one
// accepted connection, and later clients wait in the kernel's listen queue.
// Either way the client connects at once but gets no echo until a worker is
// free.
//
// Cost: each connection costs a thread: about 38 kB of memory, its 16 KiB
// buffer included, plus a 16 kB kernel stack (measured on Linux, built with
// CGO_ENABLED=0 as it should be: a cgo build reserves 8 MB of address space
// per thread). The Go runtime aborts the whole process above 10,000
// threads (runtime/debug.SetMaxThreads); -pool bounds the count.
//
// Limits: a C server whose pthread_create fails with EAGAIN can refuse
// that one client, but a Go program that fails to create a thread dies
// ("runtime: failed to create new OS thread ... fatal error: newosproc"),
// taking every connection with it. So at startup the server works out how
// many threads it may still create (its pids cgroup and RLIMIT_NPROC, on
// Linux; see package threadlimit), keeps a few for the runtime, and with a thread
// per connection stops accepting while that many connections are open:
// later clients wait in the listen queue, as with a pool. Running out of
// descriptors instead (accept failing with EMFILE) costs nothing: accept
// is retried after a pause of 5 ms, doubling up to 1 s, or as soon as a
// connection closes.
//
// Usage:
//
//	multithread [-host 127.0.0.1] [-port $PORT or 9090] [-pool N]
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/impl/internal/fdecho"
	"github.com/echospec/echospec/impl/internal/serverenv"
	"github.com/echospec/echospec/impl/internal/threadlimit"
)

// init claims the process's main thread for main, which only accepts. A
// process's main thread cannot exit, so if a connection's goroutine locked
// it, the runtime would park that thread for good when the connection
// ended, instead of ending it. An init function that calls LockOSThread
// makes main run on the main thread, out of the connections' way.
func init() {
	runtime.LockOSThread()
}

func main() {
	host := flag.String("host", "127.0.0.1", "address to listen on")
	port := flag.String("port", envOr("PORT", "9090"), "TCP port to listen on (default $PORT, else 9090)")
	pool := flag.Int("pool", 0, "serve with a fixed pool of N threads; 0 means one thread per connection")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("multithread: ")
	if *pool < 0 {
		log.Fatalf("-pool %d: want 0 or more", *pool)
	}

	// net.Listen sets SO_REUSEADDR, so a restarted server can bind the port
	// again while old connections sit in TIME_WAIT.
	ln, err := net.Listen("tcp", net.JoinHostPort(*host, *port))
	if err != nil {
		log.Fatal(err)
	}
	maxConns := 0
	if left := threadlimit.Left(); left >= 0 && *pool == 0 {
		// Keep some threads for the runtime: it may start one per P to
		// run goroutines (GC workers among them) while connection threads
		// sleep in read(2), and an exiting connection's thread still
		// counts for a moment after its slot is free.
		maxConns = max(left-3-runtime.GOMAXPROCS(0)/4, 1)
		log.Printf("%d more threads allowed: serving at most %d connections at once", left, maxConns)
	}
	fmt.Fprintf(os.Stderr, "listening on %s\n", ln.Addr())
	log.Fatal(serve(ln, *pool, maxConns))
}

// serve accepts connections on ln and serves each on its own thread (pool
// == 0) or on one of pool threads started up front. With a thread per
// connection and maxConns > 0, it accepts no more while maxConns
// connections are open. It returns nil once ln is closed (or, at
// maxConns, once ln is closed and a connection ends).
func serve(ln net.Listener, pool, maxConns int) error {
	// freed gets a token when a connection closes, so that an accept that
	// failed for want of descriptors is retried at once.
	freed := make(chan struct{}, 1)
	// slots holds a token per open connection, up to maxConns.
	var slots chan struct{}
	if pool == 0 && maxConns > 0 {
		slots = make(chan struct{}, maxConns)
	}
	done := func() {
		if slots != nil {
			<-slots
		}
		select {
		case freed <- struct{}{}:
		default:
		}
	}

	var queue chan net.Conn
	if pool > 0 {
		// Unbuffered: a send completes only when a worker is free to take
		// the connection.
		queue = make(chan net.Conn)
		defer close(queue) // lets the workers' threads exit
		for range pool {
			go func() {
				runtime.LockOSThread() // never unlocked: see serveLocked
				for conn := range queue {
					handle(conn)
					done()
				}
			}()
		}
	}

	var pause serverenv.Backoff // after a failed accept
	for {
		if slots != nil {
			select {
			case slots <- struct{}{}:
			default:
				log.Printf("%d connections open, as many threads as allowed: accepting again when one closes", maxConns)
				slots <- struct{}{}
			}
		}
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			if slots != nil {
				<-slots
			}
			// EMFILE, ENFILE and the like: wait for a connection to
			// close, or for a pause.
			pause.Wait(err, freed)
			continue
		}
		pause.Reset()
		if pool > 0 {
			queue <- conn
		} else {
			go serveLocked(conn, done)
		}
	}
}

// serveLocked serves conn on a thread of its own, then calls done.
//
// LockOSThread wires this goroutine to the thread running it. Because it is
// never undone, the runtime destroys the thread when the goroutine returns,
// instead of parking it for reuse: the process has one thread per open
// connection, and a thread's life is its connection's life. (While the
// thread sleeps in read(2), the runtime hands its scheduler slot to other
// threads, so the other connections keep running.)
func serveLocked(conn net.Conn, done func()) {
	runtime.LockOSThread()
	handle(conn)
	done()
}

// handle echoes conn on the calling thread with blocking system calls, then
// closes it.
func handle(conn net.Conn) {
	defer conn.Close()
	raw, err := conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		log.Print(err)
		return
	}
	// Control lends us the descriptor for as long as the function runs (it
	// cannot be closed and reused meanwhile), so the whole conversation
	// happens inside it.
	var echoErr error
	err = raw.Control(func(fd uintptr) {
		// Go made the socket non-blocking for its poller. Undo that, so
		// read(2) puts this thread to sleep until data arrives.
		if err := unix.SetNonblock(int(fd), false); err != nil {
			echoErr = os.NewSyscallError("fcntl", err)
			return
		}
		echoErr = fdecho.Echo(int(fd))
	})
	if err == nil {
		err = echoErr
	}
	// A client that resets the connection is not the server's fault. Go
	// ignores SIGPIPE for sockets, so a write to a reset peer just returns
	// EPIPE instead of killing the process.
	if err != nil && !errors.Is(err, unix.ECONNRESET) && !errors.Is(err, unix.EPIPE) {
		log.Printf("%v: %v", conn.RemoteAddr(), err)
	}
}

// envOr returns the environment variable key, or def if it is empty.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
