package load

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
)

// Each connection's byte stream is a window sliding over one random
// pattern: byte j of connection i is pattern[(offset(i) + j) mod
// patternPeriod]. The pattern is stored with its first maxChunk bytes
// repeated at the end, so any chunk of up to maxChunk bytes of any stream
// is one contiguous slice: writes send straight from it and checks are one
// bytes.Equal (memcmp), with no copy and no per-byte work in Go.
const (
	// patternPeriod is odd and not a multiple of any message size, so a
	// message never equals the one before it on the same connection: an
	// echo of a stale message is a mismatch.
	patternPeriod = 1<<20 + 7
	// maxChunk is the most one read or write moves.
	maxChunk = 256 << 10
	// connStride spaces the connections' offsets: connections whose
	// streams were crossed by the server differ at once.
	connStride = 7919
)

// pattern is the random bytes every stream is cut from.
type pattern []byte

func newPattern(seed uint64) pattern {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	p := make([]byte, patternPeriod+maxChunk)
	for i := 0; i < patternPeriod; i += 8 {
		v := r.Uint64()
		for k := 0; k < 8 && i+k < patternPeriod; k++ {
			p[i+k] = byte(v >> (8 * k))
		}
	}
	copy(p[patternPeriod:], p[:maxChunk])
	return p
}

// streamOffset is where connection i's stream starts in the pattern.
func streamOffset(i int) int64 { return int64(i) * connStride % patternPeriod }

// chunk returns n bytes (n <= maxChunk) of the stream that starts at
// offset, from stream position pos.
func (p pattern) chunk(offset, pos int64, n int) []byte {
	at := (offset + pos) % patternPeriod
	return p[at : at+int64(n)]
}

// MismatchError is an echo that differs from what was sent.
type MismatchError struct {
	Conn    int   // connection index, from 0
	Message int64 // message index on that connection, from 0 (over all phases)
	Offset  int64 // byte offset within that message
	Stream  int64 // byte offset within the connection's stream
	Size    int   // the message size
	Want    []byte
	Got     []byte // up to 16 bytes each, from the first difference
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("echoload: connection %d, message %d (%d B): byte %d differs (stream offset %d): want %s, got %s",
		e.Conn, e.Message, e.Size, e.Offset, e.Stream, hex.EncodeToString(e.Want), hex.EncodeToString(e.Got))
}

// verify checks got against the stream starting at offset, from position
// pos. msgBase is the stream position and message index where the current
// run of msgSize-byte messages starts, for the error's message number.
func (p pattern) verify(conn int, offset, pos int64, got []byte, msgSize int, msgBase, msgIndex int64) error {
	want := p.chunk(offset, pos, len(got))
	if bytes.Equal(got, want) {
		return nil
	}
	i := 0
	for got[i] == want[i] {
		i++
	}
	at := pos + int64(i) - msgBase
	end := min(i+16, len(got))
	return &MismatchError{
		Conn:    conn,
		Message: msgIndex + at/int64(msgSize),
		Offset:  at % int64(msgSize),
		Stream:  pos + int64(i),
		Size:    msgSize,
		Want:    bytes.Clone(want[i:end]),
		Got:     bytes.Clone(got[i:end]),
	}
}
