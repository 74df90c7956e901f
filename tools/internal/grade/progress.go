package grade

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/echospec/echospec/detail"
	"github.com/echospec/echospec/props"
)

// progress tells the person waiting how far grading is: on a terminal a
// bar redrawn in place, elsewhere (CI logs) one line per submission.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	tty     bool
	total   int
	done    int
	running int
	zero    int // could not be built, started or run
	began   time.Time
	stop    chan struct{}
	lang    props.Lang // of the lines it prints
}

// newProgress starts the bar on a terminal, redrawn every second so that
// its clock shows grading is alive; end stops it.
func newProgress(w io.Writer, tty bool, total int) *progress {
	p := &progress{w: w, tty: tty, total: total, began: time.Now(), stop: make(chan struct{})}
	if tty {
		go func() {
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for {
				select {
				case <-p.stop:
					return
				case <-tick.C:
					p.mu.Lock()
					p.draw()
					p.mu.Unlock()
				}
			}
		}()
	}
	return p
}

// start notes that a submission's suite started.
func (p *progress) start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running++
	p.draw()
}

// finish notes a graded submission, with how long its suite took.
func (p *progress) finish(g Grade, took time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running--
	p.done++
	if g.Sub.Reason() != "" {
		p.zero++
	}
	if p.tty {
		p.draw()
		return
	}
	state := fmt.Sprintf("%s/%s", points(g.Score), points(g.MaxPoints))
	if ids, nj, adv := g.scoredIDs(Failed), g.scoredIDs(NotJudged), g.AdviceIDs(); g.Sub.Reason() == "" && len(ids)+len(nj)+len(adv) > 0 {
		if len(ids) > 0 {
			state += "  " + tr(p.lang, "p-failed", strings.Join(ids, " "))
		}
		if len(nj) > 0 {
			state += "  " + tr(p.lang, "p-notjudged", strings.Join(nj, " "))
		}
		if len(adv) > 0 {
			state += "  " + tr(p.lang, "advice-label") + " " + strings.Join(adv, " ")
		}
	} else if r := g.Sub.Reason(); r != "" {
		state += "  " + detail.Headline(r, p.lang)
	}
	fmt.Fprintln(p.w, tr(p.lang, "p-graded", p.done, p.total, g.Sub.Name, orDash(g.Sub.Model), took.Round(time.Second), firstOf(state)))
}

// end stops and clears the bar.
func (p *progress) end() {
	close(p.stop)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K")
	}
	p.tty = false // a late tick draws nothing
}

func (p *progress) draw() {
	if !p.tty {
		return
	}
	const width = 30
	filled := 0
	if p.total > 0 {
		filled = p.done * width / p.total
	}
	bar := strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
	fmt.Fprint(p.w, "\r\033[K"+tr(p.lang, "p-bar", bar, p.done, p.total, p.running, p.zero, time.Since(p.began).Round(time.Second)))
}

// firstOf cuts s to its first line and at most 160 characters.
func firstOf(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > 160 {
		s = string(r[:159]) + "…"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
