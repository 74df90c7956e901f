package probe

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/onsi/gomega/types"
)

// BeWholeEcho succeeds when an Exchange got back exactly what it sent. Its
// failure message shows what was sent, what came back, where they first
// differ, and why reading stopped.
func BeWholeEcho() types.GomegaMatcher { return echoMatcher{} }

// BeEchoThenEOF is BeWholeEcho, and the server then closed the connection.
func BeEchoThenEOF() types.GomegaMatcher { return echoMatcher{wantEOF: true} }

type echoMatcher struct{ wantEOF bool }

func (m echoMatcher) Match(actual any) (bool, error) {
	ex, ok := actual.(Exchange)
	if !ok {
		return false, fmt.Errorf("BeWholeEcho expects a probe.Exchange, not %T", actual)
	}
	return bytes.Equal(ex.Sent, ex.Got) && ex.WriteErr == nil && (!m.wantEOF || ex.EOF), nil
}

func (m echoMatcher) FailureMessage(actual any) string {
	ex := actual.(Exchange)
	want := "the same bytes back"
	if m.wantEOF {
		want += ", then EOF (the server closing)"
	}
	return fmt.Sprintf("%s\n  want:     %s\n%s", ex.Headline(), want, ex.Describe())
}

func (m echoMatcher) NegatedFailureMessage(any) string {
	return "expected the echo to differ from what was sent, and it did not"
}

// Headline says in one line what happened, got against sent: the first
// line of a failure.
func (ex Exchange) Headline() string {
	sent, got := len(ex.Sent), len(ex.Got)
	off := FirstDiff(ex.Sent, ex.Got)
	var what string
	switch {
	case off >= 0 && off < got && off < sent:
		what = fmt.Sprintf("the echo differs from what was sent at offset %s (received %s of %s)", Count(off), Count(got), Size(sent))
	case got > sent:
		what = fmt.Sprintf("received %s for %s sent: %s more than was sent", Count(got), Size(sent), Size(got-sent))
	case got < sent && ex.EOF:
		what = fmt.Sprintf("received %s of %s, then the server closed the connection", Count(got), Size(sent))
	case got < sent && ex.Stalled > 0:
		what = fmt.Sprintf("received %s of %s, then nothing for %v", Count(got), Size(sent), ex.Stalled)
	case got < sent && ex.reset():
		what = fmt.Sprintf("received %s of %s, then the server closed the connection with a reset (%v)", Count(got), Size(sent), ex.ReadErr)
	case got < sent && ex.ReadErr != nil:
		what = fmt.Sprintf("received %s of %s, then the read failed: %v", Count(got), Size(sent), ex.ReadErr)
	case got < sent:
		what = fmt.Sprintf("received %s of %s", Count(got), Size(sent))
	case ex.WriteErr != nil:
		what = fmt.Sprintf("the whole echo came back, but sending failed: %v", ex.WriteErr)
	case ex.Stalled > 0:
		what = fmt.Sprintf("received the whole echo (%s), then no EOF within %v", Size(sent), ex.Stalled)
	case ex.ReadErr != nil:
		what = fmt.Sprintf("received the whole echo (%s), then the read failed instead of EOF: %v", Size(sent), ex.ReadErr)
	default:
		what = fmt.Sprintf("received the whole echo (%s)", Size(sent))
	}
	if ex.WriteErr != nil && got < sent {
		what += fmt.Sprintf("; sending had stopped: %v", ex.WriteErr)
	}
	return what
}

// reset reports whether the read ended in a reset from the server: a
// close with data unread, SO_LINGER {1, 0}, or a crash with the client's
// bytes queued. The connection is closed either way, FIN or RST.
func (ex Exchange) reset() bool { return errors.Is(ex.ReadErr, syscall.ECONNRESET) }

// Describe renders the exchange: sent, received, first difference, end.
func (ex Exchange) Describe() string {
	var b strings.Builder
	how := ""
	if ex.How != "" {
		how = " " + ex.How
	}
	fmt.Fprintf(&b, "  sent:     %s%s\n", Size(len(ex.Sent)), how)
	fmt.Fprintf(&b, "  received: %s", Size(len(ex.Got)))
	switch {
	case ex.EOF && len(ex.Got) < len(ex.Sent):
		b.WriteString(", then the server closed the connection")
	case ex.EOF:
		b.WriteString(", then EOF")
	case ex.Stalled > 0 && len(ex.Got) < len(ex.Sent):
		fmt.Fprintf(&b, ", then nothing for %v (connection still open)", ex.Stalled)
	case ex.Stalled > 0:
		fmt.Fprintf(&b, ", then no EOF within %v (the server kept the connection open)", ex.Stalled)
	case ex.reset() && len(ex.Got) < len(ex.Sent):
		fmt.Fprintf(&b, ", then the server closed the connection with a reset (%v)", ex.ReadErr)
	case ex.ReadErr != nil:
		fmt.Fprintf(&b, ", then the read failed: %v", ex.ReadErr)
	}
	fmt.Fprintf(&b, " after %v\n", ex.Elapsed.Round(1e6))
	if ex.WriteErr != nil {
		fmt.Fprintf(&b, "  sending stopped: %v\n", ex.WriteErr)
	}
	if off := FirstDiff(ex.Sent, ex.Got); off >= 0 && off < len(ex.Got) {
		fmt.Fprintf(&b, "  first difference at offset %s:\n", Count(off))
		fmt.Fprintf(&b, "    sent:     %s\n", HexAt(ex.Sent, off))
		fmt.Fprintf(&b, "    received: %s\n", HexAt(ex.Got, off))
	} else if len(ex.Got) > len(ex.Sent) {
		fmt.Fprintf(&b, "  %s extra bytes after the echo: %s\n", Count(len(ex.Got)-len(ex.Sent)), HexAt(ex.Got, len(ex.Sent)))
	}
	return strings.TrimRight(b.String(), "\n")
}

// FirstDiff is the first offset where a and b differ, or -1 if one is a
// prefix of the other and they are the same length.
func FirstDiff(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) == len(b) {
		return -1
	}
	return n
}

// HexAt renders up to 16 bytes of p starting a little before off, marking
// the byte at off.
func HexAt(p []byte, off int) string {
	if off >= len(p) {
		return fmt.Sprintf("(ends at %s)", Count(len(p)))
	}
	start := max(0, off-4)
	end := min(len(p), start+16)
	var b strings.Builder
	fmt.Fprintf(&b, "[%d] ", start)
	for i := start; i < end; i++ {
		if i == off {
			fmt.Fprintf(&b, ">%02x< ", p[i])
		} else {
			fmt.Fprintf(&b, "%02x ", p[i])
		}
	}
	fmt.Fprintf(&b, " %q", p[start:end])
	return b.String()
}

// Size renders a byte count for people: "65,536 bytes (64 KiB)".
func Size(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%s bytes (%d MiB)", Count(n), n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%s bytes (%d KiB)", Count(n), n>>10)
	case n == 1:
		return "1 byte"
	}
	return Count(n) + " bytes"
}

// Count renders n with thousands separators.
func Count(n int) string {
	if n < 0 {
		return "-" + Count(-n)
	}
	s := fmt.Sprint(n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
