package diagnose

import (
	"bytes"
	"fmt"
)

// minForeign is the shortest run of bytes taken as another client's:
// shorter runs ("\n", "a") turn up in any payload by chance.
const minForeign = 4

// Foreign finds, in what a client got back instead of its echo, bytes
// that another client sent: it returns the index in others of the first
// payload that got holds, or that holds got, and -1 if none does. Bytes
// the client sent itself do not count.
func Foreign(got, own []byte, others [][]byte) int {
	if len(got) < minForeign || bytes.Contains(own, got) {
		return -1
	}
	for i, o := range others {
		if len(o) < minForeign || bytes.Equal(o, own) {
			continue
		}
		if bytes.Contains(got, o) || bytes.Contains(o, got) {
			return i
		}
	}
	return -1
}

// sharedWords end the line of a shared-buffer cause.
const sharedWords = ": the server hands one client's data to another, so its clients share one buffer"

// SharedBuffer is the cause of a failure where client who received what
// client from sent: the server keeps one buffer for all its clients.
func SharedBuffer(who, from string, got []byte) Cause {
	const max = 40
	quote := got
	if len(quote) > max {
		quote = quote[:max]
	}
	return Cause{Key: "shared-buffer",
		Line: fmt.Sprintf("%s received bytes that %s sent (%q)%s", who, from, quote, sharedWords),
		hint: "shared-buffer"}
}
