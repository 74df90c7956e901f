package diagnose

import (
	"regexp"
	"strings"
)

// Patterns of a crash line, by runtime. Each is matched against one line
// of the server's output; the last match in the output wins, as the most
// recent error is the one that ended the server or its worker.
var (
	pyTraceback = "Traceback (most recent call last):"
	// The exception line of a Python traceback, or of a Node error
	// before its stack: a class name, then its message.
	exceptionLine = regexp.MustCompile(`^((?:[A-Za-z_][\w.]*)?(?:Error|Exception|Exit|Interrupt|Warning))(?::\s.*)?$`)
	// Java: the thread line, or "Caused by:".
	javaException = regexp.MustCompile(`^(?:Exception in thread "[^"]*" |Caused by: )(\S+(?:Exception|Error)\b.*)$`)
	// Go and Rust panics and the Go runtime's fatal errors.
	panicLine = regexp.MustCompile(`^(?:panic: |fatal error: |thread '[^']*' panicked at ).*`)
	// A process killed by a signal that means a bug (launch's words).
	badSignal = regexp.MustCompile(`killed by signal (SIGSEGV|SIGBUS|SIGFPE|SIGILL|SIGABRT)\b`)
)

// Crash finds the error that a server printed or died of: the exception
// line of the last traceback in output (Python, Java, Node), a Go or Rust
// panic, or, from status (launch's "was killed by signal SIGSEGV (11)"),
// a fatal signal. The cause quotes it, and its hint follows from what it
// says: a UnicodeDecodeError is about decoding, not about byte streams.
func Crash(output, status string) (Cause, bool) {
	quote := ""
	lines := strings.Split(output, "\n")
	inTraceback := false
	for i, raw := range lines {
		line := strings.TrimRight(raw, "\r ")
		// Tails are indented by some reports: take the line's text.
		text := strings.TrimLeft(strings.TrimPrefix(strings.TrimSpace(line), "| "), " ")
		switch {
		case strings.HasSuffix(text, pyTraceback):
			inTraceback = true
		case javaException.MatchString(text):
			quote = javaException.FindStringSubmatch(text)[1]
		case panicLine.MatchString(text):
			quote = text
		case exceptionLine.MatchString(text) && (inTraceback || nextIsStack(lines, i)):
			quote, inTraceback = text, false
		}
	}
	hint := classify(quote)
	if m := badSignal.FindStringSubmatch(status); m != nil {
		if quote == "" {
			quote = "the server " + status
		}
		if hint == "crash" {
			hint = signalHint[m[1]]
		}
	}
	if quote == "" {
		return Cause{}, false
	}
	return Cause{Key: "crash", Line: crashLine(quote), hint: hint}, true
}

// nextIsStack reports whether the line after i is a Node or Java stack
// frame ("    at ...").
func nextIsStack(lines []string, i int) bool {
	return i+1 < len(lines) && strings.HasPrefix(strings.TrimLeft(strings.TrimPrefix(strings.TrimSpace(lines[i+1]), "| "), " "), "at ")
}

// crashWords open the line of a crash cause.
const crashWords = "the server's own error: "

func crashLine(quote string) string {
	const max = 200
	if len(quote) > max {
		quote = quote[:max] + "..."
	}
	return crashWords + quote
}

var signalHint = map[string]string{
	"SIGSEGV": "segv", "SIGBUS": "segv", "SIGILL": "segv", "SIGFPE": "segv", "SIGABRT": "abort",
}

// classes map what an error line says to its hint, the first match
// winning.
var classes = []struct {
	re   *regexp.Regexp
	hint string
}{
	{regexp.MustCompile(`Unicode(De|En)codeError|MalformedInput|[Ii]nvalid UTF-8|FromUtf8Error|utf-?8.* (decode|codec)`), "decode"},
	{regexp.MustCompile(`filedescriptor out of range in select|FD_SETSIZE`), "fdsetsize"},
	{regexp.MustCompile(`Too many open files|EMFILE`), "emfile"},
	{regexp.MustCompile(`ConnectionReset|BrokenPipe|ConnectionAborted|ECONNRESET|EPIPE|[Cc]onnection reset|[Bb]roken pipe`), "reset"},
	{regexp.MustCompile(`BlockingIOError|EAGAIN|EWOULDBLOCK|Resource temporarily unavailable`), "eagain"},
	{regexp.MustCompile(`RecursionError|maximum recursion depth|StackOverflowError|stack overflow`), "recursion"},
	{regexp.MustCompile(`MemoryError|OutOfMemoryError|out of memory|[Cc]annot allocate memory`), "memory"},
}

func classify(quote string) string {
	for _, c := range classes {
		if c.re.MatchString(quote) {
			return c.hint
		}
	}
	return "crash"
}
