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
	// Standing says whether the tutorial teaches the property (Taught) or
	// it goes beyond the course (Advisory): every output shows both, but
	// only a taught one carries points unless a rubric weighs it, and
	// check's exit status ignores an advisory one.
	Standing Standing
}

// Models are the concurrency models of the tutorial, in its order: the
// values of a manifest's model key (manifest.Models is this list).
var Models = []string{"single", "multiprocess", "multithread", "coroutine", "multiplex", "selector"}

// Standing is how a property counts where no rubric says otherwise.
type Standing uint8

const (
	// Taught: the tutorial teaches it; it carries the weight of its
	// family, and check fails when it does not hold.
	Taught Standing = iota
	// Advisory: beyond the course (what a server does past its descriptor
	// limit): reported to every student as advice, weighing 0 in a rubric
	// that gives it no weight of its own, and not failing check.
	Advisory
)

// Advisory reports whether the property goes beyond the course.
func (p Property) Advisory() bool { return p.Standing == Advisory }

var (
	all = Models
	// parallel are the models that serve clients at once: all but single.
	parallel = slices.DeleteFunc(slices.Clone(Models), func(m string) bool { return m == "single" })
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
	{"cap", "Past the limit"},
}

var catalogue = []Property{
	{"ECHO-1", "echo", "echoes a small message byte for byte", all, "any",
		"the reply was not the message: the server must write back exactly the bytes it read, and nothing else — send the data recv() returned, not a greeting, a prompt, a reply or an added newline", Taught},
	{"ECHO-2", "echo", "echoes all 256 byte values, NUL bytes and invalid UTF-8 unchanged", all, "any",
		"bytes came back changed, or not at all: decoding the data as text (data.decode()) raises on, or alters, bytes that are not valid UTF-8 — treat the data as bytes and echo exactly what recv() returned", Taught},
	{"ECHO-3", "echo", "returns 1,000 one-byte writes and one large write as the same byte stream, in order", all, "any",
		"the byte stream came back short, stuck or out of order: TCP is a byte stream, not messages — one recv() may return part of a write or several writes at once; echo whatever arrives, in order, and wait for no newline and no full buffer", Taught},
	{"ECHO-4", "echo", "echoes every byte of an 8 MiB payload sent while the client reads", all, "any",
		"the echo stopped short of 8 MiB once the client fell behind: one send() may write only part of the buffer (on a non-blocking socket it may raise EAGAIN/BlockingIOError) — keep what was not written and send it when the socket is writable again, or loop until all of it is written, as sendall() does", Taught},
	{"ECHO-5", "echo", "answers 1,000 request/response round trips on one connection", all, "any",
		"the connection stopped answering after the first messages: serve each connection in a loop until recv() returns empty — do not close it after one reply, nor expect a new connection per message", Taught},
	{"LIFE-1", "life", "echoes what is pending after the client's shutdown(SHUT_WR), then closes", all, "any",
		"the client shut down its writing side and then got no EOF, or lost data: recv() returning empty (0 bytes) means the client has finished sending — write what is still pending, then close the socket so that the client's read ends", Taught},
	{"LIFE-2", "life", "releases each connection's descriptor after the client leaves", all, "any",
		"the server's descriptor count grew as clients left: a socket stays open until the server closes it — close every accepted socket when its client is done (also on errors: use finally or with), and keep no finished clients in a list", Taught},
	{"LIFE-3", "life", "completes 500 connect / echo / close cycles in a row", all, "any",
		"the server stopped or slowed down within 500 connections in a row: something piles up per connection — close every socket, let every thread end and reap every child, and keep the accept loop going when one accept or client fails", Taught},
	{"LIFE-4", "life", "is not harmed by a client that connects and closes without sending", all, "any",
		"a client that connected and closed without sending harmed the server: an empty first recv() is a normal close, not an error — close that socket quietly and go back to accept()", Taught},
	{"RESET-1", "reset", "keeps serving after a client aborts with a reset while idle", all, "any",
		"the server stopped serving after a client aborted: recv() raises ECONNRESET (ConnectionResetError) when a client resets the connection — catch it for that client only, close its socket and keep serving the others", Taught},
	{"RESET-2", "reset", "survives a client that aborts while the server is writing a large echo", all, "any",
		"the server died or stopped when a client aborted during a large echo: send() to an aborted client fails with EPIPE or ECONNRESET, and in C the SIGPIPE signal kills the process — catch the error for that client, and in C ignore SIGPIPE (signal(SIGPIPE, SIG_IGN)) or send with MSG_NOSIGNAL", Taught},
	{"RESET-3", "reset", "keeps serving, with no descriptor leaked, after 200 aborts in a row", all, "any",
		"a descriptor leaked on each aborted client: an error path that skips close() loses one socket per reset until the process reaches its limit — close the client's socket on every path (finally, or a with block), not only after a clean EOF", Taught},
	{"RESET-4", "reset", "keeps serving after clients that connect and reset before it accepts them", all, "any",
		"the server stopped serving after clients that reset before it accepted them: accept() can return a connection that is already reset, and the first send() (a greeting) or recv() on it fails with ECONNRESET or EPIPE — handle errors on a new connection like on any other, for that client only, the greeting included", Taught},
	{"SERIAL-1", "serial", "lets a second client connect while the first is served (the listen backlog)", []string{"single"}, "any",
		"a second client could not connect while the first was being served: the kernel queues waiting clients only for a socket that listens — call listen() with a backlog (e.g. listen(5)) before serving anyone", Taught},
	{"SERIAL-2", "serial", "does not echo a queued client while the first stays connected", []string{"single"}, "any",
		"a queued client was echoed while the first one was still connected, so the server is not iterative: the single model serves one client at a time, to the end — remove the threads, forks or event loop, or declare the model the server uses", Taught},
	{"SERIAL-3", "serial", "echoes everything a queued client sent once the first client leaves", []string{"single"}, "any",
		"a queued client lost what it sent while it waited: its bytes wait in its socket's receive buffer until the server reads them — when the first client leaves, accept the next one and echo everything it sent", Taught},
	{"SERIAL-4", "serial", "serves queued clients in the order they connected", []string{"single"}, "any",
		"queued clients were served out of order: accept() returns clients in the order they connected — serve each one to the end before accepting the next", Taught},
	{"CONC-1", "conc", "echoes each of 64 clients connected at once while all the others stay open", parallel, "none",
		"a client got no echo while the others were connected: the connections were served one after another — give each client its own process, thread or task (and do not wait for it, e.g. with join(), before the next accept), or wait for readiness on all of them in one loop", Taught},
	{"CONC-2", "conc", "returns interleaved payloads only to the client that sent them", parallel, "any",
		"a client received bytes that another client sent: a buffer or list shared by all connections mixes their data — keep one buffer per connection (a local variable of its handler, or a dict keyed by socket)", Taught},
	{"CONC-3", "conc", "is not delayed by a client that connects and sends nothing", parallel, "any",
		"a client that connected and sent nothing held up the others: a blocking recv() on a silent client stops whoever called it — block only in that client's own thread or task, or wait for readiness (select, poll, epoll) before reading", Taught},
	{"CONC-4", "conc", "is not delayed by a client that sends a lot and reads nothing", parallel, "any",
		"a client that sends a lot and reads nothing held up the others: its send buffer fills and a blocking send() then waits for ever — block only in that client's own thread or task, or stop reading from it and register write interest until its output drains", Taught},
	{"CONC-5", "conc", "holds and echoes the model's number of simultaneous connections", parallel, "none",
		"the server could not hold the model's number of connections at once: something caps them — check the descriptor limit (ulimit -n), select()'s FD_SETSIZE of 1,024, the listen backlog and what each connection costs", Taught},
	{"POOL-1", "pool", "serves N clients at once and queues client N+1 until one leaves", []string{"multiprocess", "multithread"}, "only",
		"a pool of N did not serve exactly N clients at once: a bounded pool runs N workers, and client N+1 waits in the accept queue until one leaves — check that the pool's size (max_workers, the number of forked workers) is the manifest's pool = N", Taught},
	{"MODEL-1", "model", "holds each connection's socket in a process other than the listening one", []string{"multiprocess"}, "any",
		"the connections were held only by the listening process: a multiprocess server serves each connection in another process — accept in the parent and fork() a child for each connection, or fork workers that each accept", Taught},
	{"MODEL-2", "model", "closes the listening process's copy of each connection", []string{"multiprocess"}, "any",
		"the listening process kept its copy of each connection: after fork() parent and child both hold the socket, and the client gets no EOF while the parent's copy is open — close the client socket in the parent right after fork()", Taught},
	{"MODEL-3", "model", "reaps finished children: no zombies remain after clients leave", []string{"multiprocess"}, "any",
		"finished children stayed behind as zombies (state Z): a child's exit waits until its parent collects it — call waitpid() for finished children, e.g. in a SIGCHLD handler that loops on waitpid(-1, WNOHANG), or set SIGCHLD to SIG_IGN", Taught},
	{"MODEL-4", "model", "grows its thread count with concurrent connections (bounded by the pool)", []string{"multithread"}, "any",
		"the thread count did not follow the connections: a multithread server starts a thread per connection (or keeps a pool of exactly N) and goes straight back to accept() — do not join() a thread before the next accept, and size a pool as the manifest says", Taught},
	{"MODEL-5", "model", "serves 200 concurrent connections with a bounded number of OS threads in one process", []string{"coroutine"}, "any",
		"the server used OS threads or processes to serve 200 coroutine connections: coroutines multiplex many connections over a few threads — serve each connection in a task (asyncio, gevent), not in a threading.Thread or a fork per client", Taught},
	{"MODEL-6", "model", "serves every connection from one process and one thread, blocked in the declared mechanism when idle", []string{"multiplex", "selector"}, "any",
		"the server was not one thread waiting in the declared mechanism: an event loop serves every connection from one thread and blocks in select/poll/epoll_wait/kevent/io_uring_enter — start no threads or processes, and check that mechanism in echospec.toml names the call your loop makes", Taught},
	{"MODEL-7", "model", "runs as one process that never serves two clients at once", []string{"single"}, "any",
		"the server ran more than one process, or served a second client while the first was connected: the single model accepts one client, serves it to the end, then accepts the next — remove the forks, threads or event loop, or declare the model the server uses", Taught},
	{"IDLE-1", "idle", "uses under 5 % of one core with 16 silent clients connected", all, "any",
		"the server burned CPU with only silent clients connected: an idle server must block — a selector that keeps EVENT_WRITE registered with nothing to write is woken on every select() and spins, as does a non-blocking recv() in a loop; register write interest only while output is pending", Taught},
	{"IDLE-2", "idle", "writes under 4 KiB/s to stdout and stderr with 16 silent clients connected", all, "any",
		"the server kept writing output with only silent clients connected: a log line on every loop turn, timeout or readiness event adds up to megabytes an hour — log what happens (a connection, a close, an error), not the waiting", Taught},
	{"PROC-1", "proc", "binds its port again at once after being killed with connections in TIME_WAIT", all, "any",
		"the restarted server could not bind its port (EADDRINUSE, Address already in use): the killed server's connections keep the port busy in TIME_WAIT — set SO_REUSEADDR on the listening socket before bind()", Taught},
	{"PROC-2", "proc", "ends all of its processes within 3 s of SIGTERM to its process group", all, "any",
		"processes of the server outlived SIGTERM to its process group: every process must end — do not ignore or block SIGTERM, and if the parent handles it, stop its children and exit", Taught},
	{"CAP-1", "cap", "keeps running and serving its clients when it runs out of descriptors (64 open files, more clients)", parallel, "none",
		"the server stopped serving when it ran out of descriptors: once the process holds its limit, accept() fails with EMFILE (Too many open files), and an uncaught error there ends the accept loop or the process — catch it, keep serving the clients already connected, and try accept() again later", Advisory},
	{"CAP-2", "cap", "does not spin at its descriptor limit: under 20 % of one core while accept() fails", parallel, "none",
		"the server spun at its descriptor limit: the listening socket stays readable while accept() fails with EMFILE, so a loop that retries at once never blocks — after EMFILE stop watching the listening socket for a moment (a short timer, or until a client leaves), or back off before the next accept()", Advisory},
	{"CAP-3", "cap", "serves waiting and new clients again once clients leave", parallel, "none",
		"the server served no one new after clients left: after EMFILE it must go back to accept() — do not end the accept loop or unregister the listening socket for good; once descriptors are free, the waiting clients are accepted in turn", Advisory},
	{"CAP-4", "cap", "with mechanism = \"select\", survives clients past FD_SETSIZE (1,024): each is served or refused at once", []string{"multiplex", "selector"}, "none",
		"the server failed past select()'s FD_SETSIZE of 1,024: in C, FD_SET with a descriptor of 1,024 or more writes past the fd_set, and Python's select() raises ValueError — refuse such a client (close it at once), or use poll or epoll, and keep serving the others", Advisory},
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

// onlyMechanism names the properties that apply only to targets that
// declare one readiness mechanism.
var onlyMechanism = map[string]string{"CAP-4": "select"}

// Mechanism is the mechanism the property is limited to, or "" for any.
func (p Property) Mechanism() string { return onlyMechanism[p.ID] }

// Applies reports whether the property applies to a target of this model,
// pool size and declared mechanism ("" if none).
func (p Property) Applies(model string, pool int, mechanism string) bool {
	if !slices.Contains(p.Models, model) {
		return false
	}
	if m := p.Mechanism(); m != "" && m != mechanism {
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
