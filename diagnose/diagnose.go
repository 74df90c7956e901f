// Package diagnose names the root cause behind a server's failures from
// what the kit saw: bytes on every reply that the client never sent (an
// undeclared greeting), a traceback or crash line in the server's output,
// another client's bytes in a reply (one buffer shared by every client).
// A cause has one line that says what was seen and what to do, and a hint
// in the server's model that replaces the property's own: one cause,
// one explanation, however many properties it fails.
//
// The package only reads what it is given; it opens no connection and
// starts no process, so every rule is tested without a server.
package diagnose

import (
	"strings"

	"github.com/echospec/echospec/props"
)

// Cause is a root cause found behind a failure.
type Cause struct {
	// Key names the kind of cause, for grouping: "greeting", "crash",
	// "shared-buffer".
	Key string
	// Line says in one line what was seen, quoting it.
	Line string
	// hint is the key of the cause's hint in hints.
	hint string
}

// Hint is the cause's hint in l, worded for the server's model.
func (c Cause) Hint(l props.Lang, model string) string { return hint(c.hint, model, l) }

// HeadCause joins a failure's headline and the line of its cause, so that
// the verdict's one line holds the cause and a report can split it off to
// group the failures it explains (SplitCause).
const HeadCause = " — cause: "

// SplitCause splits a failure's headline into what happened and the
// line of its cause, "" if it names none.
func SplitCause(headline string) (head, cause string) {
	head, cause, _ = strings.Cut(headline, HeadCause)
	return head, cause
}
