package launch

import (
	"fmt"
	"strings"
	"sync"
)

// Tail keeps the last bytes written to it and counts the rest. Write never
// blocks and never fails, so a server that floods its output can neither
// fill the kit's memory nor stall on a full pipe.
type Tail struct {
	mu    sync.Mutex
	buf   []byte // ring of len(buf) == capacity once full
	start int    // index of the oldest byte once full
	full  bool
	total int64
}

// NewTail returns a Tail that keeps the last n bytes.
func NewTail(n int) *Tail { return &Tail{buf: make([]byte, 0, n)} }

// Write implements io.Writer.
func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	t.total += int64(n)
	c := cap(t.buf)
	if len(p) >= c {
		t.buf = append(t.buf[:0], p[len(p)-c:]...)
		t.start, t.full = 0, true
		return n, nil
	}
	if !t.full {
		room := c - len(t.buf)
		if len(p) <= room {
			t.buf = append(t.buf, p...)
			return n, nil
		}
		t.buf = append(t.buf, p[:room]...)
		p = p[room:]
		t.full = true
	}
	for len(p) > 0 {
		k := copy(t.buf[t.start:], p)
		p = p[k:]
		t.start = (t.start + k) % c
	}
	return n, nil
}

// Bytes returns a copy of the bytes kept, oldest first.
func (t *Tail) Bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.full {
		return append([]byte(nil), t.buf...)
	}
	out := make([]byte, 0, len(t.buf))
	out = append(out, t.buf[t.start:]...)
	return append(out, t.buf[:t.start]...)
}

// Total is the number of bytes ever written.
func (t *Tail) Total() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.total
}

// String renders the tail for a report: the last lines, with a note of how
// much came before them.
func (t *Tail) String() string {
	b := t.Bytes()
	s := strings.TrimRight(string(b), "\n")
	if dropped := t.Total() - int64(len(b)); dropped > 0 {
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:] // the first line is cut; drop it
		}
		s = fmt.Sprintf("[%d earlier bytes not kept]\n%s", dropped, s)
	}
	return s
}
