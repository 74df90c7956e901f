package spec_test

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/echospec/echospec/diagnose"
	"github.com/echospec/echospec/probe"
)

// A failure's root cause, when the kit sees one, ends its headline
// (diagnose.HeadCause) and chooses its hint (see failWith): the server's
// own error, or another client's bytes in a reply. Causes found before any
// spec (an undeclared greeting, a fixed port) fail every spec at once, in
// the suite's smoke start.

// diagnosis is the root cause of the running spec's failure, if the kit
// sees one: a traceback or crash line in the server's output or exit
// first (it is what broke the server), then another client's bytes.
func (s *session) diagnosis() (diagnose.Cause, bool) {
	if s == nil {
		return diagnose.Cause{}, false
	}
	if c, ok := s.crashLine(); ok {
		return c, true
	}
	if s.foreign != nil {
		return *s.foreign, true
	}
	return diagnose.Cause{}, false
}

// crashLine finds a traceback or crash line in what the server printed,
// or in how it ended. A worker that died of an exception may print its
// traceback a moment after its connection closed (Python's thread hook
// runs once the handler's socket is closed): while the server runs, its
// output is watched for one for crashGrace.
func (s *session) crashLine() (diagnose.Cause, bool) {
	if s.srv == nil {
		return diagnose.Cause{}, false
	}
	end := time.Now().Add(scaled(crashGrace))
	for {
		if c, ok := diagnose.Crash(s.srv.Stderr.String()+"\n"+s.srv.Stdout.String(), s.srv.Status()); ok {
			return c, true
		}
		wait := time.Until(end)
		if wait <= 0 {
			return diagnose.Cause{}, false
		}
		select {
		case <-s.srv.Exited():
			// Ended: its output is complete once Exited fires.
			c, ok := diagnose.Crash(s.srv.Stderr.String()+"\n"+s.srv.Stdout.String(), s.srv.Status())
			return c, ok
		case <-time.After(min(poll, wait)):
		}
	}
}

// sawEcho keeps what c sent in ex, and when ex did not come back whole,
// looks for a shared buffer: another client's bytes in what c got, or
// c's bytes waiting unread on another client.
func (s *session) sawEcho(c *probe.Conn, ex probe.Exchange) {
	defer s.keepSent(c, ex.Sent)
	if s.foreign != nil || (ex.WriteErr == nil && bytes.Equal(ex.Sent, ex.Got)) {
		return
	}
	var others []*probe.Conn
	var payloads [][]byte
	for _, e := range s.sent { // clients that left count too: their bytes may linger
		if e.c != c {
			others, payloads = append(others, e.c), append(payloads, e.payload)
		}
	}
	if i := diagnose.Foreign(ex.Got, ex.Sent, payloads); i >= 0 {
		s.sharedBuffer(c, others[i], ex.Got)
		return
	}
	// Nothing, or less, came back: the rest may be waiting on another
	// client, which expects nothing now (its greeting read, its own echo,
	// if any, complete). Bytes equal to what c did not get back are c's,
	// however short.
	missing := ex.Sent[min(len(ex.Got), len(ex.Sent)):]
	for _, o := range s.conns {
		own := s.sentBy(o)
		if o == c || s.owed[o] {
			continue
		}
		waiting, err := o.Peek(4 << 10)
		if err != nil || len(waiting) == 0 || bytes.Equal(waiting, own) {
			continue
		}
		if bytes.Equal(waiting, missing) || diagnose.Foreign(waiting, own, [][]byte{ex.Sent}) == 0 {
			s.sharedBuffer(o, c, waiting)
			return
		}
	}
}

// sentBy is the last payload c echoed, or nil.
func (s *session) sentBy(c *probe.Conn) []byte {
	for _, e := range s.sent {
		if e.c == c {
			return e.payload
		}
	}
	return nil
}

// keepSent records p as the last payload c echoed.
func (s *session) keepSent(c *probe.Conn, p []byte) {
	for i := range s.sent {
		if s.sent[i].c == c {
			s.sent[i].payload = p
			return
		}
	}
	s.sent = append(s.sent, sentBy{c, p})
}

// sentBy is a client and the last payload it echoed.
type sentBy struct {
	c       *probe.Conn
	payload []byte
}

// sharedBuffer records that client to received bytes client from sent.
func (s *session) sharedBuffer(to, from *probe.Conn, got []byte) {
	cause := diagnose.SharedBuffer(s.clientName(to), s.clientName(from), got)
	s.foreign = &cause
}

// clientName is "client N", N counting the spec's open clients from 1.
func (s *session) clientName(c *probe.Conn) string {
	if i := slices.Index(s.conns, c); i >= 0 {
		return fmt.Sprintf("client %d", i+1)
	}
	return "a client that has left"
}
