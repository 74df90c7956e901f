//go:build unix && !aix

// Command multiprocess is the reference echo server for the "multiprocess"
// model: a separate operating-system process per connection, or a fixed
// pool of N worker processes with -pool N.
//
// The classic server calls fork() after accept(): the child inherits the
// connected socket, serves it and exits, while the parent closes its own
// copy and goes back to accept. A Go program cannot fork without exec (the
// child would have only the forking thread and a runtime in an unknown
// state), so this server re-executes its own binary instead:
//
//  1. The parent accepts a connection, duplicates its descriptor and starts
//     "server -child conn" with the duplicate as ExtraFiles[0], which the
//     child sees as descriptor 3.
//  2. The parent closes both of its copies at once. From then on only the
//     child holds the socket, so the client sees EOF exactly when the child
//     closes it, and the parent's descriptor count does not grow.
//  3. The child switches descriptor 3 to blocking mode, echoes with plain
//     read(2)/write(2) until the client closes, closes the socket and exits.
//  4. The parent reaps exited children when SIGCHLD arrives, by calling
//     wait4(-1, WNOHANG) until nothing is left to collect. Calling
//     exec.Cmd.Wait per child instead would park one parent thread in
//     waitid(2) for every live child.
//
// With -pool N the parent starts N "server -child worker" processes at
// launch, each inheriting the listening socket as descriptor 3. Every worker
// blocks in accept(2) on that shared socket and serves one connection at a
// time; the kernel hands each new connection to one waiting worker. Client
// N+1 connects (the kernel completes the handshake) but waits in the listen
// queue until a worker is free. The parent never accepts: it only restarts
// workers that die and reaps them.
//
// Children stay in the parent's process group, so a SIGTERM to the group
// (Ctrl-C, a service manager) ends all of them. On Linux and FreeBSD a child
// also gets SIGTERM when the parent dies (Pdeathsig), so killing only the
// parent leaves no orphans serving, or holding the port, behind.
//
// Cost: every child is a whole Go program, started with fork+exec for each
// connection: about 0.7 MB of memory (PSS) and four threads, measured on
// Linux. A C fork child costs about a tenth of that.
//
// Usage:
//
//	multiprocess [-host 127.0.0.1] [-port $PORT or 9090] [-pool N]
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"time"

	"golang.org/x/sys/unix"
)

// inheritedFD is the descriptor number of ExtraFiles[0] in a child: after
// stdin, stdout and stderr.
const inheritedFD = 3

func main() {
	host := flag.String("host", "127.0.0.1", "address to listen on")
	port := flag.String("port", envOr("PORT", "9090"), "TCP port to listen on (default $PORT, else 9090)")
	pool := flag.Int("pool", 0, "serve with a fixed pool of N worker processes; 0 means one process per connection")
	child := flag.String("child", "", `internal, set when the server starts itself: "conn" serves the connection on descriptor 3, "worker" accepts on the listener on descriptor 3`)
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("multiprocess: ")

	switch *child {
	case "":
	case "conn":
		os.Exit(serveConn(inheritedFD))
	case "worker":
		os.Exit(acceptLoop(inheritedFD))
	default:
		log.Fatalf("-child %q: want conn or worker", *child)
	}
	if *pool < 0 {
		log.Fatalf("-pool %d: want 0 or more", *pool)
	}

	exe, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	// net.Listen sets SO_REUSEADDR, so a restarted server can bind the port
	// again while old connections sit in TIME_WAIT.
	ln, err := net.Listen("tcp", net.JoinHostPort(*host, *port))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "listening on %s\n", ln.Addr())
	// Subscribe before the first child starts, so no exit goes unnoticed.
	sigchld := make(chan os.Signal, 1)
	signal.Notify(sigchld, unix.SIGCHLD)

	if *pool > 0 {
		err = supervise(ln.(*net.TCPListener), exe, *pool, sigchld)
	} else {
		err = forkPerConnection(ln, exe, sigchld)
	}
	log.Fatal(err)
}

// forkPerConnection accepts connections and starts a child process for each.
// It returns only if ln fails for good.
func forkPerConnection(ln net.Listener, exe string, sigchld <-chan os.Signal) error {
	go func() {
		for range sigchld {
			reap()
		}
	}()
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return err
		}
		if err != nil {
			// EMFILE and friends: the client stays in the listen queue;
			// back off instead of spinning on the same error.
			log.Print(err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if _, err := startChild(exe, "conn", conn.(*net.TCPConn)); err != nil {
			log.Print(err)
		}
		// The child has its own copy now. Keeping ours would hold the
		// connection open after the child closes it, and leak a descriptor
		// per connection.
		conn.Close()
	}
}

// supervise runs a pool of n worker processes that accept on ln themselves,
// and starts a new one whenever one exits. It returns only if a worker
// cannot be started.
func supervise(ln *net.TCPListener, exe string, n int, sigchld <-chan os.Signal) error {
	workers := make(map[int]bool) // pids of the live workers
	for {
		for len(workers) < n {
			pid, err := startChild(exe, "worker", ln)
			if err != nil {
				return err
			}
			workers[pid] = true
		}
		<-sigchld
		for _, pid := range reap() {
			if workers[pid] {
				delete(workers, pid)
				log.Printf("worker %d exited; starting another", pid)
			}
		}
	}
}

// startChild starts this program again as "-child role", with a duplicate
// of sock's descriptor as its descriptor 3, and returns the child's pid.
func startChild(exe, role string, sock interface{ File() (*os.File, error) }) (int, error) {
	f, err := sock.File() // a duplicate descriptor, for the child to inherit
	if err != nil {
		return 0, err
	}
	defer f.Close() // the child has its own copy once Start returns

	cmd := exec.Command(exe, "-child", role)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{f}
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	pid := cmd.Process.Pid
	// We reap with wait4 on SIGCHLD, never with cmd.Wait; Release tells Go
	// so and frees its handle on the child.
	cmd.Process.Release()
	return pid, nil
}

// reap collects every child that has exited, without blocking, so none is
// left a zombie, and returns their pids. One SIGCHLD may stand for several
// exits, hence the loop.
func reap() []int {
	var pids []int
	for {
		var status unix.WaitStatus
		pid, err := unix.Wait4(-1, &status, unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || pid <= 0 { // ECHILD: no children; 0: none has exited
			return pids
		}
		pids = append(pids, pid)
	}
}

// envOr returns the environment variable key, or def if it is empty.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
