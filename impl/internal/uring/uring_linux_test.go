package uring

import (
	"errors"
	"fmt"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The structures must match the kernel's byte for byte.
func TestABISizes(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"io_uring_params", unsafe.Sizeof(Params{}), 120},
		{"io_uring_sqe", unsafe.Sizeof(SQE{}), 64},
		{"io_uring_cqe", unsafe.Sizeof(CQE{}), 16},
		{"io_uring_getevents_arg", unsafe.Sizeof(getEventsArg{}), getEventsArgSize},
		{"io_uring_buf_reg", unsafe.Sizeof(bufReg{}), 40},
		{"io_uring_probe", unsafe.Sizeof(probe{}), 16 + 8*probeOps},
	} {
		if c.got != c.want {
			t.Errorf("sizeof(%s) = %d; want %d", c.name, c.got, c.want)
		}
	}
}

func ring(t *testing.T) *Ring {
	t.Helper()
	if err := Unavailable(); err != nil {
		t.Skip(err)
	}
	r, err := New(Options{Entries: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// A NOP goes round: submitted, completed with its user data, reaped.
func TestNop(t *testing.T) {
	r := ring(t)
	for i := range 20 { // more than the ring holds, so the indices wrap
		e := r.SQE()
		e.Opcode, e.UserData = OpNop, uint64(i)+1
		if _, err := r.Enter(-1, 1); err != nil {
			t.Fatalf("io_uring_enter = %v", err)
		}
		a, b := r.Peek()
		cqes := append(a, b...)
		if len(cqes) != 1 || cqes[0].UserData != uint64(i)+1 || cqes[0].Res != 0 {
			t.Fatalf("completions %+v; want one with user data %d and result 0", cqes, i+1)
		}
		r.Advance(1)
	}
	if !r.Supports(OpPollAdd) || !r.Supports(OpNop) {
		t.Errorf("the probe says NOP or POLL_ADD is not supported")
	}
}

// A timed wait with nothing to complete ends with ETIME.
func TestTimedWait(t *testing.T) {
	r := ring(t)
	if _, err := r.Enter(2_000_000, 1); !errors.Is(err, unix.ETIME) {
		t.Fatalf("a 2 ms wait on an empty ring = %v; want ETIME", err)
	}
}

// A multishot receive into a buffer ring gets the bytes written to a
// socket pair.
func TestBufRingRecv(t *testing.T) {
	r := ring(t)
	br, err := r.NewBufRing(1, 4, 64, false)
	if err != nil {
		t.Skipf("no provided buffer rings here: %v", err)
	}
	defer br.Close()
	fds := socketPair(t)
	r.SQE().PrepRecvMultishot(fds[0], br.Group(), 0, 7)
	for round, msg := range []string{"hello", "again", "third", "fourth", "fifth", "sixth"} {
		unix.Write(fds[1], []byte(msg))
		if _, err := r.Enter(-1, 1); err != nil {
			t.Fatal(err)
		}
		a, _ := r.Peek()
		if len(a) == 0 {
			t.Fatalf("round %d: no completion", round)
		}
		c := a[0]
		if c.Res < 0 || c.Flags&CQEFBuffer == 0 || c.Flags&CQEFMore == 0 {
			t.Fatalf("round %d: completion %+v; want bytes in a provided buffer, still armed", round, c)
		}
		id := uint16(c.Flags >> CQEBufShift)
		if got := string(br.Consume(id, int(c.Res), c.Flags)); got != msg {
			t.Fatalf("round %d: buffer %d holds %q; want %q", round, id, got, msg)
		}
		r.Advance(1)
		br.Publish()
	}
}

// With incremental consumption, receives share one buffer until it is
// full; the bytes of each are where Consume says.
func TestBufRingIncremental(t *testing.T) {
	r := ring(t)
	br, err := r.NewBufRing(1, 2, 16, true)
	if err != nil {
		t.Skipf("no incremental buffer rings here (Linux 6.12): %v", err)
	}
	defer br.Close()
	fds := socketPair(t)
	r.SQE().PrepRecvMultishot(fds[0], br.Group(), 0, 7)
	ids := map[uint16]int{}
	for round, msg := range []string{"abcde", "fghij", "klmno", "pqrst", "uvwxy", "z0123", "45678"} {
		unix.Write(fds[1], []byte(msg))
		// A buffer's last bytes may take only part of a message: the rest
		// comes in the next buffer, in a completion of its own.
		got := ""
		for len(got) < len(msg) {
			if _, err := r.Enter(-1, 1); err != nil {
				t.Fatal(err)
			}
			a, _ := r.Peek()
			if len(a) == 0 || a[0].Res < 0 || a[0].Flags&CQEFBuffer == 0 {
				t.Fatalf("round %d: completions %+v; want bytes in a provided buffer", round, a)
			}
			c := a[0]
			id := uint16(c.Flags >> CQEBufShift)
			ids[id]++
			got += string(br.Consume(id, int(c.Res), c.Flags))
			r.Advance(1)
			br.Publish()
		}
		if got != msg {
			t.Fatalf("round %d: received %q from the buffers; want %q", round, got, msg)
		}
	}
	if len(ids) > 3 {
		t.Errorf("35 bytes took %d buffers of 16 bytes (%v); want them filled in turn, 3 at most", len(ids), ids)
	}
}

// RecvLimitWorks finds the byte limit of a multishot receive on a kernel
// that has it (6.17 on), and leaves the ring as it found it either way: no
// completion pending, and every buffer back with the kernel, so that a
// multishot receive then fills each of them in turn.
func TestRecvLimit(t *testing.T) {
	r := ring(t)
	const count = 4
	br, err := r.NewBufRing(1, count, 64, false)
	if err != nil {
		t.Skipf("no provided buffer rings here: %v", err)
	}
	defer br.Close()
	works := br.RecvLimitWorks()
	if major, minor, ok := kernelVersion(); ok && (major > 6 || major == 6 && minor >= 17) && !works {
		t.Errorf("RecvLimitWorks() = false on Linux %d.%d; want true (the limit came in 6.17)", major, minor)
	}
	if a, b := r.Peek(); len(a)+len(b) != 0 {
		t.Fatalf("after RecvLimitWorks, completions %+v %+v are pending; want none", a, b)
	}
	fds := socketPair(t)
	r.SQE().PrepRecvMultishot(fds[0], br.Group(), 0, 7)
	ids := map[uint16]bool{}
	for round := range count {
		msg := fmt.Sprintf("message %d", round)
		if _, err := unix.Write(fds[1], []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Enter(5*time.Second, 1); err != nil {
			t.Fatalf("round %d: io_uring_enter = %v; want a completion", round, err)
		}
		a, _ := r.Peek()
		if len(a) == 0 {
			t.Fatalf("round %d: no completion", round)
		}
		c := a[0]
		if c.Res < 0 || c.Flags&CQEFBuffer == 0 {
			t.Fatalf("buffer %d of %d: completion %+v; want bytes in a provided buffer (-ENOBUFS is %d: one the probe kept)", round+1, count, c, -int32(unix.ENOBUFS))
		}
		id := uint16(c.Flags >> CQEBufShift)
		ids[id] = true
		// Consume without Publish: the buffer stays out of the kernel's
		// hands, so the next receive needs another.
		if got := string(br.Consume(id, int(c.Res), c.Flags)); got != msg {
			t.Fatalf("round %d: buffer %d holds %q; want %q", round, id, got, msg)
		}
		r.Advance(1)
	}
	if len(ids) != count {
		t.Errorf("%d receives used buffers %v; want %d different ones", count, ids, count)
	}
}

// kernelVersion is the running kernel's major and minor version.
func kernelVersion() (major, minor int, ok bool) {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return 0, 0, false
	}
	n, err := fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &major, &minor)
	return major, minor, err == nil && n == 2
}

// socketPair is a connected pair of stream sockets, closed when t ends.
func socketPair(t *testing.T) [2]int {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds
}
