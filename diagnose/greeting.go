package diagnose

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Reply is one exchange of a client: what it sent and what came back.
type Reply struct{ Sent, Got []byte }

// Greeting finds bytes the server put before every echo: when each reply
// is those same bytes followed by exactly what its client sent, it returns
// them. It needs two replies at least (one could be chance) and no reply
// may be an exact echo.
func Greeting(replies []Reply) ([]byte, bool) {
	if len(replies) < 2 {
		return nil, false
	}
	var prefix []byte
	for i, r := range replies {
		if len(r.Sent) == 0 || len(r.Got) <= len(r.Sent) || !bytes.HasSuffix(r.Got, r.Sent) {
			return nil, false
		}
		p := r.Got[:len(r.Got)-len(r.Sent)]
		if i > 0 && !bytes.Equal(p, prefix) {
			return nil, false
		}
		prefix = p
	}
	return prefix, true
}

// GreetingLine is the cause's line for a greeting the manifest, file,
// does not declare.
func GreetingLine(greeting []byte, file string) string {
	return fmt.Sprintf("every reply began with %q (%s) that the client did not send: declare greeting = %s in %s",
		greeting, bytesCount(len(greeting)), TOMLString(greeting), file)
}

// UndeclaredGreeting is the cause of failures that an undeclared
// greeting explains.
func UndeclaredGreeting(greeting []byte, file string) Cause {
	return Cause{Key: "greeting", Line: GreetingLine(greeting, file), hint: "greeting"}
}

func bytesCount(n int) string {
	if n == 1 {
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

// TOMLString writes b as a TOML basic string, as a manifest's greeting
// would be written; bytes that are not UTF-8 cannot be, and come out as
// U+FFFD (the line quotes them exactly beside it).
func TOMLString(b []byte) string {
	var s strings.Builder
	s.WriteByte('"')
	for _, r := range strings.ToValidUTF8(string(b), string(utf8.RuneError)) {
		switch {
		case r == '"' || r == '\\':
			s.WriteByte('\\')
			s.WriteRune(r)
		case r == '\n':
			s.WriteString(`\n`)
		case r == '\r':
			s.WriteString(`\r`)
		case r == '\t':
			s.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&s, `\u%04X`, r)
		default:
			s.WriteRune(r)
		}
	}
	s.WriteByte('"')
	return s.String()
}
