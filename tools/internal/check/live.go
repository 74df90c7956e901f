package check

import (
	"fmt"
	"io"
	"sync"
	"time"
	"unicode"

	"github.com/echospec/echospec/props"
)

// live shows a run as it goes: on a terminal one line redrawn in place
// (spec i of N, its family, its ID, the time so far), with a line kept
// for each failure; elsewhere one plain line per spec as it ends.
type live struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	width int
	lang  props.Lang
	began time.Time
	state string // what the line says now, without the clock
	drawn bool
	every string // the reason that fails every spec, once said
	stop  chan struct{}
	done  chan struct{}
}

func newLive(w io.Writer, tty bool, width int, l props.Lang) *live {
	v := &live{w: w, tty: tty, width: width, lang: l, began: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(v.done)
		if !tty {
			return
		}
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-v.stop:
				return
			case <-tick.C:
				v.mu.Lock()
				v.draw()
				v.mu.Unlock()
			}
		}
	}()
	return v
}

// phase says what check is doing before the specs start.
func (v *live) phase(s string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.state = s
	if v.tty {
		v.draw()
		return
	}
	fmt.Fprintln(v.w, s)
}

// event takes one progress event of the suite.
func (v *live) event(e event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch e.Event {
	case "start":
		v.state = msg(v.lang, "live", e.Index, e.Total, props.FamilyTitle(e.Family, v.lang), e.ID, "%s")
		v.draw()
	case "end":
		if e.Every != "" && stateKey(e.State) == "failed" {
			// One reason fails every spec: said once, not once a spec.
			if v.every != e.Every {
				v.every = e.Every
				v.clear()
				fmt.Fprintln(v.w, msg(v.lang, "live-every", e.Total))
				v.draw()
			}
			return
		}
		state := msg(v.lang, stateKey(e.State))
		took := (time.Duration(e.Seconds*1000) * time.Millisecond).Round(100 * time.Millisecond).String()
		line := msg(v.lang, "spec-end", e.Index, e.Total, e.ID, state, took)
		if v.tty {
			if k := stateKey(e.State); k != "failed" && k != "not-judged" {
				return
			}
			v.clear()
			mark := "✗ "
			if p, ok := props.Lookup(e.ID); ok && p.Advisory() {
				mark = "i " // beyond the course: advice, not a failure of the check
			}
			line = mark + line
		}
		fmt.Fprintln(v.w, line)
		v.draw()
	}
}

func stateKey(s string) string {
	switch s {
	case "passed":
		return "passed"
	case "skipped":
		return "skipped"
	case "not judged":
		return "not-judged"
	}
	return "failed"
}

// end clears the line for good.
func (v *live) end() {
	close(v.stop)
	<-v.done
	v.mu.Lock()
	defer v.mu.Unlock()
	v.clear()
	v.tty = false
}

func (v *live) clear() {
	if v.tty && v.drawn {
		fmt.Fprint(v.w, "\r\033[K")
		v.drawn = false
	}
}

// draw redraws the line: the state, with the time so far in place of its
// %s, or after it; cut to the terminal's width.
func (v *live) draw() {
	if !v.tty || v.state == "" {
		return
	}
	clock := time.Since(v.began).Round(time.Second).String()
	s := v.state
	if n := len(s); n >= 2 && s[n-2:] == "%s" {
		s = s[:n-2] + clock
	} else {
		s += " · " + clock
	}
	fmt.Fprint(v.w, "\r\033[K"+fit(s, v.width-1))
	v.drawn = true
}

// fit cuts s to at most cols terminal columns, counting East Asian wide
// characters as two.
func fit(s string, cols int) string {
	w := 0
	for i, r := range s {
		rw := 1
		if unicode.Is(unicode.Han, r) || (r >= 0xFF00 && r <= 0xFFEF) || (r >= 0x3000 && r <= 0x303F) {
			rw = 2
		}
		if w+rw > cols {
			return s[:i]
		}
		w += rw
	}
	return s
}
