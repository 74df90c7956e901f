package spec_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/diagnose"
	"github.com/echospec/echospec/props"
)

// A failure reads, top to bottom: what happened (got against want), what
// the client sent and received, a hint, and the server's state. It is
// rendered once, here: the spec files state facts in sentences and never
// hand a Go value to Gomega to print.

// failWithContext is the one way a spec fails (and Gomega's fail handler,
// for the matchers that remain). It puts a crash first, names a setup step
// that failed as such — with its own hint, not the property's — and adds
// the server's state.
func failWithContext(message string, callerSkip ...int) {
	skip := 1
	if len(callerSkip) > 0 {
		skip += callerSkip[0]
	}
	// The kit's messages, and Gomega's, put their headline first.
	head, more := message, ""
	if i := strings.IndexByte(message, '\n'); i >= 0 {
		head, more = message[:i], message[i:]
	}
	failWith(head, more, skip)
}

// failWith is failWithContext for a failure given as its headline and
// what follows it (a launch.Error's Ending, or the lines below): the
// verdict takes the headline as the failure's why (see failed). skip
// counts the callers above failWith's own to report the failure at.
func failWith(head, more string, skip int) {
	var b strings.Builder
	why := current.crashed()
	if why != "" {
		b.WriteString(why + ": ")
	}
	hint := ""
	if p, ok := props.Lookup(props.IDFromLabels(CurrentSpecReport().Labels())); ok {
		code := props.Unknown
		if current != nil {
			code = props.CodeOf(current.tg.Command, current.tg.Build)
		}
		hint = p.InCode(lang(), code).Hint
	}
	// A server that died during the spec failed it, whatever step the kit
	// was at: the crash is the headline, and the property's hint stands.
	setup := false
	if st := current.currentStage(); st != nil && why == "" {
		fmt.Fprintf(&b, "setup failed, the property was not judged: %s: ", st.what)
		hint, setup = props.SetupHint(st.hint, lang()), true
	}
	// A root cause the kit sees explains the failure better than the
	// property or the step: it ends the headline, and its hint is used.
	cause, found := current.diagnosis()
	if found {
		hint = cause.Hint(lang(), current.tg.Model)
	}
	b.WriteString(head)
	if found {
		b.WriteString(diagnose.HeadCause + cause.Line)
	}
	headline := b.String()
	b.WriteString(more)
	if hint != "" {
		fmt.Fprintf(&b, "\n  hint: %s", hint)
	}
	if current != nil {
		if r := current.report(); r != "" {
			b.WriteString("\n  " + r)
		}
	}
	failed(headline, b.String(), setup, skip+1)
}

// fail ends the spec with headline (and any lines below it).
func fail(format string, args ...any) {
	failWithContext(fmt.Sprintf(format, args...), 1)
}

// must fails the spec with what was being done and the error, in words.
func must(err error, format string, args ...any) {
	if err != nil {
		failWithContext(fmt.Sprintf(format, args...)+": "+err.Error(), 1)
	}
}

// check fails the spec with the headline made by msg unless ok.
func check(ok bool, msg func() string) {
	if !ok {
		failWithContext(msg(), 1)
	}
}

// poll is how often await and steady look at the state they watch.
const poll = 20 * time.Millisecond

// await polls cond until it returns nil, and fails with what was awaited
// and cond's last answer if that does not happen within d.
func await(ctx context.Context, d time.Duration, what string, cond func() error) {
	end := time.Now().Add(d)
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		err := cond()
		if err == nil {
			return
		}
		if !time.Now().Before(end) {
			failWithContext(fmt.Sprintf("%s: still not so after %v: %v", what, d, err), 1)
			return
		}
		select {
		case <-ctx.Done():
			failWithContext(fmt.Sprintf("%s: the spec ran out of time: %v", what, err), 1)
			return
		case <-tick.C:
		}
	}
}

// steady polls cond for d and fails at the first error it returns.
func steady(ctx context.Context, d time.Duration, cond func() error) {
	end := time.Now().Add(d)
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		if err := cond(); err != nil {
			failWithContext(err.Error(), 1)
			return
		}
		if !time.Now().Before(end) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// stage is a step that only sets a property up: connecting its clients,
// reading a greeting, bringing the server to a state. A failure there is
// reported as a setup failure, with the stage's own hint (a key of
// props.SetupHint).
type stage struct{ what, hint string }

// Hints of the setup steps: keys of props.SetupHint, which has each one's
// text in every language.
const (
	hintConnect  = props.SetupConnect
	hintGreeting = props.SetupGreeting
	hintState    = props.SetupState
)

// prepare runs f as a setup stage: By(what), and failures inside f are
// setup failures with hint: the spec ends not judged.
func (s *session) prepare(what, hint string, f func()) {
	By(what)
	prev := s.stage
	s.stage = &stage{what, hint}
	defer func() { s.stage = prev }()
	f()
}

// judge runs f as a step of the property itself, though it connects
// clients or reads greetings, which are setup steps elsewhere: By(what),
// and a failure inside f is the property's (CONC-1's 64 connections are
// what CONC-1 is about).
func (s *session) judge(what string, f func()) {
	By(what)
	prev := s.stage
	s.stage = &stage{} // the mark of the property's own step, see setupStep
	defer func() { s.stage = prev }()
	f()
}

func (s *session) currentStage() *stage {
	if s == nil || s.stage == nil || s.stage.what == "" {
		return nil // no stage, or dialNext's property step
	}
	return s.stage
}
