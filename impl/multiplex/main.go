//go:build unix

// Command multiplex is the reference echo server for the multiplexing
// model: one thread, non-blocking sockets, and an event loop that asks the
// kernel which sockets are ready and serves only those.
//
// How it works: every socket is non-blocking, so a read or write either
// makes progress at once or fails with EAGAIN; nothing ever waits except the
// one readiness call at the top of the loop. For each connection the loop
// keeps an output buffer holding what was read but not yet written back, and
// it asks the kernel about exactly what it can act on:
//
//   - read interest while the client may still send and less than 1 MiB of
//     echo is pending. Past that the loop stops reading from that client
//     (backpressure): a client that sends without reading stalls itself,
//     not the server, and memory stays bounded.
//   - write interest only while output is pending. Sockets are writable
//     nearly all the time, so asking about writability with nothing to
//     write makes the readiness call return at once, forever, and the loop
//     spins at 100% CPU.
//
// Readiness is level-triggered: the kernel reports a socket for as long as
// it is ready, so the loop may read one chunk per turn and trust that the
// rest will be reported again. That keeps one busy client from starving the
// others, and it is why interest in a finished direction (read after EOF,
// write with an empty buffer) must be dropped at once.
//
// The -mechanism flag picks the readiness call; the loop around it is the
// same. Their trade-offs:
//
//   - select: the oldest and most portable. Interest is rebuilt and copied
//     into the kernel on every call, the cost grows with the highest file
//     descriptor, and descriptors at or above FD_SETSIZE (1024 on most
//     systems) cannot be watched at all.
//   - poll: an array of (fd, events) instead of bitmaps, so no FD_SETSIZE
//     limit, but still rebuilt and scanned in full on every call: O(n) in
//     the number of connections.
//   - epoll (Linux) and kqueue (BSD, macOS): the kernel keeps the interest
//     list between calls, the program changes it only when it changes, and
//     each wait returns just the ready sockets: O(ready), which is what lets
//     one thread serve tens of thousands of mostly idle clients.
//   - io_uring (Linux): not a readiness call at all. The loop hands the
//     kernel the accepts, receives and sends themselves and reaps their
//     completions, one io_uring_enter per turn for all of them
//     (uring_linux.go). The kernel may refuse it (kernel.io_uring_disabled,
//     seccomp), and then the server says so and exits.
//
// Trade-offs of the model as a whole: one thread and no locks, the
// program decides exactly who is served when, and an idle client costs only
// a small struct. The price is inverted control flow: each connection's
// progress lives in explicit state (the output buffer and an EOF flag)
// instead of in a call stack, every step must be non-blocking, and one slow
// computation stalls every client. The coroutine model gives the same
// scalability with straight-line code by letting the runtime do all this.
//
// Go's net package already works this way internally, so this server uses
// golang.org/x/sys/unix directly to show the loop itself, and
// runtime.LockOSThread keeps it on one OS thread as a C server would be (the
// Go runtime still runs its own helper threads for garbage collection and
// signals). On Linux its system calls also bypass the Go scheduler, as a C
// server's do; sys_linux.go says why.
package main

import (
	"flag"
	"fmt"
	"log"
	"maps"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/impl/internal/serverenv"
)

// mechanisms maps each -mechanism name to its event loop. Each loop's file
// adds itself, so a platform gets exactly the mechanisms it compiles.
var mechanisms = map[string]func(*server) error{}

// unavailable maps a mechanism that this system may refuse although it is
// compiled in (io_uring: kernel.io_uring_disabled, a seccomp filter, an
// old kernel) to the check that says why, or nil if it can be used.
var unavailable = map[string]func() error{}

func main() {
	// Pin the event loop to this OS thread for the whole run.
	runtime.LockOSThread()

	host := flag.String("host", "127.0.0.1", "IP address to listen on (no name lookups)")
	port := flag.Int("port", serverenv.DefaultPort("multiplex"), "TCP port to listen on; defaults to $PORT if set")
	mechanism := flag.String("mechanism", defaultMechanism(),
		"readiness system call: "+strings.Join(slices.Sorted(maps.Keys(mechanisms)), ", "))
	flag.Parse()
	log.SetFlags(0)

	run := mechanisms[*mechanism]
	if run == nil {
		fmt.Fprintf(os.Stderr, "multiplex: -mechanism %q is not available on %s\n", *mechanism, runtime.GOOS)
		os.Exit(2)
	}
	if check := unavailable[*mechanism]; check != nil {
		if err := check(); err != nil {
			fmt.Fprintf(os.Stderr, "multiplex: -mechanism %s cannot be used here: %v\n", *mechanism, err)
			os.Exit(2)
		}
	}
	lfd, addr, err := listen(*host, *port)
	if err != nil {
		log.Fatal(err)
	}
	s, err := newServer(lfd)
	if err != nil {
		log.Fatal(err)
	}

	// On SIGINT or SIGTERM, wake the loop so that it returns, and exit 0.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, unix.SIGTERM)
	go func() {
		<-sigs
		s.stop()
	}()

	log.Printf("listening on %s", addr)
	err = run(s)
	s.close()
	if err != nil {
		log.Fatal(err)
	}
}

// defaultMechanism is the most scalable mechanism this platform has.
func defaultMechanism() string {
	for _, name := range []string{"epoll", "kqueue", "poll"} {
		if mechanisms[name] != nil {
			return name
		}
	}
	return "select"
}
