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

	"github.com/echospec/echospec/impl/internal/serverenv"
	"github.com/echospec/echospec/impl/internal/threadlimit"
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
		maxChildren := 0
		if left := threadlimit.Left(); left >= 0 {
			// Keep a few threads for this process's runtime.
			maxChildren = max((left-4)/threadsPerChild, 1)
			log.Printf("%d more threads allowed: serving at most %d connections at once", left, maxChildren)
		}
		err = forkPerConnection(ln, exe, sigchld, maxChildren)
	}
	log.Fatal(err)
}

// threadsPerChild is what a child costs against a limit on processes and
// threads: a Go program with GOMAXPROCS=1 (see startChild) runs three
// threads, and one more may come and go.
const threadsPerChild = 4

// forkPerConnection accepts connections and starts a child process for each.
// With maxChildren > 0 it accepts no more while that many children run:
// later clients wait in the listen queue. It returns only if ln fails for
// good.
//
// Why the bound: where processes and threads are limited (a pids cgroup,
// RLIMIT_NPROC), a fork past the limit fails, which costs only a retry,
// but a fork that just fits starts a child that cannot create its
// runtime's threads, and a Go program that cannot create a thread dies:
// its client would be dropped.
func forkPerConnection(ln net.Listener, exe string, sigchld <-chan os.Signal, maxChildren int) error {
	// slots holds a token per running child, up to maxChildren.
	var slots chan struct{}
	if maxChildren > 0 {
		slots = make(chan struct{}, maxChildren)
	}
	release := func() {
		if slots != nil {
			select {
			case <-slots:
			default:
			}
		}
	}
	go func() {
		for range sigchld {
			for range reap() {
				release()
			}
		}
	}()
	var pause serverenv.Backoff // after a failed accept or fork
	for {
		if slots != nil {
			select {
			case slots <- struct{}{}:
			default:
				log.Printf("%d children running, as many as allowed: accepting again when one exits", maxChildren)
				slots <- struct{}{}
			}
		}
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return err
		}
		if err != nil {
			release()
			// EMFILE, ENFILE and the like: the client stays in the listen
			// queue, and accept fails again until a descriptor is free.
			// Go's Accept retries nothing itself but ECONNABORTED, so
			// retrying at once would spin.
			pause.Wait(err, nil)
			continue
		}
		// Start its child, retrying while fork fails for want of processes
		// or memory (EAGAIN, ENOMEM) or exec for want of descriptors: the
		// client waits, as it would in the listen queue, instead of being
		// dropped. It may leave meanwhile; its child then reads EOF or a
		// reset at once.
		for {
			_, err := startChild(exe, "conn", conn.(*net.TCPConn))
			if err == nil || !transient(err) {
				if err != nil {
					log.Print(err)
					release()
				}
				break
			}
			pause.Wait(err, nil)
		}
		pause.Reset()
		// The child has its own copy now. Keeping ours would hold the
		// connection open after the child closes it, and leak a descriptor
		// per connection.
		conn.Close()
	}
}

// transient reports whether starting a child failed for want of a
// resource that may come back: processes or threads (EAGAIN), memory,
// or descriptors.
func transient(err error) bool {
	return errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.ENOMEM) ||
		errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE)
}

// supervise runs a pool of n worker processes that accept on ln themselves,
// and starts a new one whenever one exits. It returns only if a worker
// cannot be started for a reason that will not go away.
//
// While workers cannot be started for want of processes, memory or
// descriptors, or die as soon as they start (a Go program that cannot
// create its threads aborts), it retries after a pause of 5 ms, doubling
// up to 1 s, instead of failing, or forking as fast as it can; the
// workers already running serve on meanwhile.
func supervise(ln *net.TCPListener, exe string, n int, sigchld <-chan os.Signal) error {
	workers := make(map[int]time.Time) // the live workers' pids and start times
	var delay time.Duration            // the current pause between attempts
	var next time.Time                 // no worker is started before then
	for {
		for len(workers) < n && !time.Now().Before(next) {
			pid, err := startChild(exe, "worker", ln)
			if err != nil {
				if !transient(err) {
					return err
				}
				if delay == 0 {
					log.Printf("starting a worker: %v; retrying after %v, doubling up to %v", err, serverenv.MinBackoff, serverenv.MaxBackoff)
				}
				delay = min(max(2*delay, serverenv.MinBackoff), serverenv.MaxBackoff)
				next = time.Now().Add(delay)
				break
			}
			workers[pid] = time.Now()
		}
		var retry <-chan time.Time
		if len(workers) < n {
			retry = time.After(time.Until(next))
		}
		select {
		case <-sigchld:
		case <-retry:
			continue
		}
		for _, pid := range reap() {
			started, ok := workers[pid]
			if !ok {
				continue
			}
			delete(workers, pid)
			log.Printf("worker %d exited; starting another", pid)
			if time.Since(started) < time.Second {
				// It died as it started: wait before the next one.
				delay = min(max(2*delay, serverenv.MinBackoff), serverenv.MaxBackoff)
				next = time.Now().Add(delay)
			} else {
				delay = 0
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
	// A child serves one connection at a time on one goroutine: one P is
	// all it uses, and it then runs fewer threads (threadsPerChild).
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
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
