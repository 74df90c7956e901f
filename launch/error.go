package launch

// Error is why a server could not be built or started, as the launcher
// saw it: a one-line headline and, where the server or build printed
// anything, the end of that output. Error() renders both for a report;
// a verdict's one-line reason is the Headline, never cut from that text.
type Error struct {
	// Headline says what happened in one line, starting with the server's
	// name: "x: the server exited with status 1 before listening on port
	// 4242 (last printed: "...")".
	Headline string
	// Stream names the output Tail ends: "stderr", "stdout", or "output"
	// (a build's, both streams); "" when nothing was printed.
	Stream string
	// Tail is the last lines printed on Stream, "[... N lines above]"
	// first if some were left out.
	Tail string
	// Err is the cause, if another error is behind this one (the context's,
	// for an interrupted start).
	Err error
}

func (e *Error) Error() string { return e.Headline + e.Ending() }

// Ending is what Error() puts after the headline: "; its stderr ends
// with:" and the tail's lines, indented, or "" if there is no tail.
func (e *Error) Ending() string {
	if e.Tail == "" {
		return ""
	}
	return "; its " + e.Stream + " ends with:\n" + indent(e.Tail, "    | ")
}

func (e *Error) Unwrap() error { return e.Err }
