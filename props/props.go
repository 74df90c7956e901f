// Package props is the catalogue of properties echospec checks: each one's
// stable ID, its family, the requirement in one sentence, the models it
// applies to, and a hint that teaches the usual cause of a failure.
//
// The suite takes its spec texts and labels from here, and the generated
// catalogue (docs/catalogue.md) is written from here and from the suite's
// own spec list, so the three cannot drift apart.
package props

import (
	"fmt"
	"slices"
	"strings"
)

// Property is one checked behaviour.
type Property struct {
	ID          string // e.g. "ECHO-2"; never reused for another behaviour
	Family      string // e.g. "echo"
	Requirement string // what a correct server does, present tense
	Models      []string
	// Pooled says whether the property applies to targets with a pool:
	// "any", "only" (needs pool = N) or "none" (unpooled targets only).
	Pooled string
	Hint   string // the usual cause of a failure, and what to check
}

var (
	all      = []string{"single", "multiprocess", "multithread", "coroutine", "multiplex", "selector"}
	parallel = []string{"multiprocess", "multithread", "coroutine", "multiplex", "selector"}
)

// Families in report order, with the capability each describes.
var Families = []struct{ Name, Title string }{
	{"echo", "Echo"},
	{"life", "Connection lifecycle"},
	{"reset", "Client resets"},
	{"serial", "Serial service"},
	{"conc", "Concurrent clients"},
	{"pool", "Bounded pools"},
	{"model", "The claimed model"},
	{"idle", "Idle cost"},
	{"proc", "Process hygiene"},
}

var catalogue = []Property{
	{"ECHO-1", "echo", "echoes a small message byte for byte", all, "any",
		"the server must write back exactly the bytes it read; check that it writes the data it received, not a transformed copy"},
	{"ECHO-2", "echo", "echoes all 256 byte values, NUL bytes and invalid UTF-8 unchanged", all, "any",
		"treat data as bytes: decoding it as text (data.decode()) fails or changes bytes that are not valid UTF-8; echo the bytes you received"},
	{"ECHO-3", "echo", "returns 1,000 one-byte writes and one large write as the same byte stream, in order", all, "any",
		"TCP is a byte stream, not messages: one recv() may return part of a write or several writes; echo whatever arrives, in order, and assume no framing"},
	{"ECHO-4", "echo", "echoes every byte of an 8 MiB payload sent while the client reads", all, "any",
		"one send() may write only part of the buffer (and on a non-blocking socket may raise EAGAIN/BlockingIOError); keep the rest and write it later, as sendall() does"},
	{"ECHO-5", "echo", "answers 1,000 request/response round trips on one connection", all, "any",
		"serve a connection in a loop until the client closes; do not close after the first message"},
	{"LIFE-1", "life", "echoes what is pending after the client's shutdown(SHUT_WR), then closes", all, "any",
		"recv() returning empty (0 bytes) means the client closed its side: write what is still pending, then close the socket"},
	{"LIFE-2", "life", "releases each connection's descriptor after the client leaves", all, "any",
		"close every accepted socket when its client is done (also on errors), and do not keep closed clients in a list"},
	{"LIFE-3", "life", "completes 500 connect / echo / close cycles in a row", all, "any",
		"every accept must be served and every socket closed; look for descriptors or threads that pile up, and for an accept loop that stops"},
	{"LIFE-4", "life", "is not harmed by a client that connects and closes without sending", all, "any",
		"a connection may end before any data arrives: an empty first recv() is a normal close, not an error"},
	{"RESET-1", "reset", "keeps serving after a client aborts with a reset while idle", all, "any",
		"recv() raises ECONNRESET (ConnectionResetError) when a client aborts; catch it for that client, close its socket and keep serving the others"},
	{"RESET-2", "reset", "survives a client that aborts while the server is writing a large echo", all, "any",
		"send() to an aborted client fails with EPIPE or ECONNRESET and, in C, raises SIGPIPE, which kills the process: catch the error, and ignore SIGPIPE or use MSG_NOSIGNAL"},
	{"RESET-3", "reset", "keeps serving, with no descriptor leaked, after 200 aborts in a row", all, "any",
		"every error path must close the client's socket; a descriptor lost on each reset eventually exhausts the process's limit"},
	{"SERIAL-1", "serial", "lets a second client connect while the first is served (the listen backlog)", []string{"single"}, "any",
		"call listen() with a backlog before serving, so the kernel queues clients while you serve one"},
	{"SERIAL-2", "serial", "does not echo a queued client while the first stays connected", []string{"single"}, "any",
		"a single-process server serves one client at a time; if a second client is echoed early the server is not iterative"},
	{"SERIAL-3", "serial", "echoes everything a queued client sent once the first client leaves", []string{"single"}, "any",
		"after the first client closes, accept the next one and read what it sent while it waited"},
	{"SERIAL-4", "serial", "serves queued clients in the order they connected", []string{"single"}, "any",
		"accept() takes clients in arrival order; serve each to the end before the next"},
	{"CONC-1", "conc", "echoes each of 64 clients connected at once while all the others stay open", parallel, "none",
		"a concurrent server must not serve connections one after another; check that each client is handled by its own process, thread, task or event handler"},
	{"CONC-2", "conc", "returns interleaved payloads only to the client that sent them", parallel, "none",
		"keep one buffer per connection: a buffer or list shared by all connections mixes their data"},
	{"CONC-3", "conc", "is not delayed by a client that connects and sends nothing", parallel, "none",
		"a blocking recv() on a silent client must not hold up the others: block only in your own thread or task, or wait for readiness"},
	{"CONC-4", "conc", "is not delayed by a client that sends a lot and reads nothing", parallel, "none",
		"a client that does not read fills your send buffer: stop reading from it (or block only its own thread) instead of blocking the loop"},
	{"CONC-5", "conc", "holds and echoes the model's number of simultaneous connections", parallel, "none",
		"check the descriptor limit, select()'s FD_SETSIZE, and per-connection costs; a model that scales must not cap connections"},
	{"POOL-1", "pool", "serves N clients at once and queues client N+1 until one leaves", []string{"multiprocess", "multithread"}, "only",
		"a pool of N workers serves at most N clients at once; the (N+1)-th must wait in the accept queue, then be served"},
	{"MODEL-1", "model", "holds each connection's socket in a process other than the listening one", []string{"multiprocess"}, "any",
		"accept in the parent, then hand the connection to a child process (fork), or have worker processes accept"},
	{"MODEL-2", "model", "closes the listening process's copy of each connection", []string{"multiprocess"}, "any",
		"after fork() the parent must close its copy of the client socket, or the client never sees EOF and descriptors pile up"},
	{"MODEL-3", "model", "reaps finished children: no zombies remain after clients leave", []string{"multiprocess"}, "any",
		"call waitpid() for finished children (e.g. in a SIGCHLD handler with WNOHANG in a loop), or zombies accumulate"},
	{"MODEL-4", "model", "grows its thread count with concurrent connections (bounded by the pool)", []string{"multithread"}, "any",
		"start a thread per connection (or a pool of N); a server whose thread count stays flat is not multithreaded"},
	{"MODEL-5", "model", "serves 200 concurrent connections with a bounded number of OS threads in one process", []string{"coroutine"}, "any",
		"coroutines multiplex many connections over few OS threads; a thread per connection is the multithread model"},
	{"MODEL-6", "model", "serves every connection from one process and one thread, blocked in the declared mechanism when idle", []string{"multiplex", "selector"}, "any",
		"an event loop runs on one thread and waits in select/poll/epoll_wait/kevent; check the declared mechanism matches the call you make"},
	{"MODEL-7", "model", "runs as one process that never serves two clients at once", []string{"single"}, "any",
		"the single-process model serves one client at a time in one process"},
	{"IDLE-1", "idle", "uses under 5 % of one core with 16 silent clients connected", all, "any",
		"an idle server must block: a selector that keeps EVENT_WRITE registered with nothing to write is woken on every select and spins; register write interest only while output is pending"},
	{"PROC-1", "proc", "binds its port again at once after being killed with connections in TIME_WAIT", all, "any",
		"set SO_REUSEADDR on the listening socket before bind(), or a restart fails with EADDRINUSE (Address already in use) while old connections sit in TIME_WAIT"},
	{"PROC-2", "proc", "ends all of its processes within 3 s of SIGTERM to its process group", all, "any",
		"do not ignore or block SIGTERM; children must die with the group (or be stopped by the parent's handler)"},
}

// All returns every property, in catalogue order.
func All() []Property { return slices.Clone(catalogue) }

// Get returns the property with the given ID. An unknown ID is a bug in
// the suite, so it panics at tree construction, never during a run.
func Get(id string) Property {
	for _, p := range catalogue {
		if p.ID == id {
			return p
		}
	}
	panic(fmt.Sprintf("props: unknown property %q", id))
}

// Lookup returns the property with the given ID, if there is one.
func Lookup(id string) (Property, bool) {
	for _, p := range catalogue {
		if p.ID == id {
			return p, true
		}
	}
	return Property{}, false
}

// Title is the spec text: the ID in brackets, then the requirement.
func (p Property) Title() string { return "[" + p.ID + "] " + p.Requirement }

// Labels are the Ginkgo labels of the property's spec.
func (p Property) Labels() []string {
	l := []string{"id:" + p.ID, "family:" + p.Family}
	for _, m := range p.Models {
		l = append(l, "applies:"+m)
	}
	return l
}

// Applies reports whether the property applies to a target of this model
// and pool size.
func (p Property) Applies(model string, pool int) bool {
	if !slices.Contains(p.Models, model) {
		return false
	}
	switch p.Pooled {
	case "only":
		return pool > 0
	case "none":
		return pool == 0
	}
	return true
}

// IDFromLabels finds the property ID among a spec's labels.
func IDFromLabels(labels []string) string {
	for _, l := range labels {
		if id, ok := strings.CutPrefix(l, "id:"); ok {
			return id
		}
	}
	return ""
}
