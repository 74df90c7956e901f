// Package selectorspec checks that a selector backend (an implementation
// of selector.Selector, from github.com/echospec/echospec/impl/selector)
// behaves as the SEL properties require: level-triggered readiness that
// follows the socket's state, the caller's data round-tripped, misuse
// reported as errors, honest timeouts, a clean Close, a declared descriptor
// limit enforced at Register, and exact reports with 1,000 sockets. It is
// meant for anyone writing a backend, in the way testing/fstest.TestFS and
// golang.org/x/net/nettest.TestConn are: bring a constructor, get a verdict.
//
//	res, err := selectorspec.Check(mine.Open)          // anywhere
//	selectorspec.Test(t, mine.Open)                    // in a Go test
//	var _ = selectorspec.DescribeBackend("mine", mine.Open) // in a Ginkgo suite
//
// # The contract
//
// A backend that keeps the documented contract of selector.Selector
// passes: there are no false positives. Properties SEL-1 to SEL-11 fail
// only on behaviour that contradicts that contract (including its
// documented error values, matched with errors.Is). SEL-12 is
// informational: it records how the backend reports a descriptor closed
// without Unregister, a descriptor that is not open, and hang-ups, and
// fails only if the backend panics, hangs, or cannot be brought back with
// Unregister.
//
// The checks may have false negatives. SEL-8 measures time: a Select(0)
// must return within 100 ms, a Select(200ms) with nothing ready after at
// least 180 ms and at most 600 ms, and Select(-1) must still be blocked
// after 150 ms; the slow bounds (only those) are judged on the fastest of
// three tries and scale with WithPatience, but a machine under extreme
// load can still fail them. Select(-1) is only known to block if its
// goroutine reached the kernel within those 150 ms. SEL-9 finds leaked
// descriptors by listing the process's descriptors (/proc/self/fd on
// Linux, /dev/fd elsewhere) around Open and Close; where that list is not
// complete the release is not checked, and a descriptor opened by another
// goroutine at the same moment is told apart by repeating the measure.
//
// # How it runs
//
// Each property gets fresh selectors from Open and its own sockets
// (loopback TCP and Unix socket pairs), runs in its own goroutine, and is
// watched by a watchdog (30 s times the patience factor): a call that
// never returns becomes a failure naming that call, and the goroutine,
// its selector and its sockets are abandoned, not closed under it. Every
// call into the backend recovers panics and reports them as failures
// ("panicked: ..."). The harness's own sockets are non-blocking and every
// wait on them has a deadline; nothing sleeps to order events.
//
// Failures are one line each, starting with the property ID and worded
// subject → operation → got → want, for example
//
//	SEL-1: Select(0) #2 on an idle connected socket registered for Write = no events; want Write (level-triggered readiness fires on every select while the send buffer has room; Write came 1 of 20 times)
//
// Check is not safe to run concurrently with code that changes the
// process's descriptor limit, and SEL-10 and SEL-11 may raise the soft
// RLIMIT_NOFILE up to the hard limit. Only Unix systems have checks; on
// others every property is skipped.
package selectorspec
