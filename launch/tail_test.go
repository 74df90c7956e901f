package launch

import (
	"bytes"
	"strings"
	"testing"
)

func TestTailKeepsLastBytes(t *testing.T) {
	var all bytes.Buffer
	tl := NewTail(10)
	for i, chunk := range []string{"abc", "defgh", "ij", "klmnopq", "r", "0123456789abcdef", "xyz"} {
		tl.Write([]byte(chunk))
		all.WriteString(chunk)
		want := all.Bytes()
		if len(want) > 10 {
			want = want[len(want)-10:]
		}
		if got := tl.Bytes(); !bytes.Equal(got, want) {
			t.Fatalf("after write %d: Bytes() = %q; want %q", i, got, want)
		}
	}
	if tl.Total() != int64(all.Len()) {
		t.Fatalf("Total() = %d; want %d", tl.Total(), all.Len())
	}
	if s := tl.String(); !strings.HasPrefix(s, "[") {
		t.Fatalf("String() = %q; want a note of dropped bytes", s)
	}
}
