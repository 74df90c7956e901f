package uring

import (
	"os"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// BufRing is a provided buffer ring (IORING_REGISTER_PBUF_RING, 5.19): a
// ring of buffers the kernel picks from for each receive, so that a
// multishot receive needs no buffer per connection. The buffers and the
// ring live in anonymous mappings, outside the Go heap, because the kernel
// writes to them at any time.
type BufRing struct {
	r     *Ring
	group uint16
	mem   []byte // the ring of io_uring_buf entries
	data  []byte // count buffers of size bytes each
	size  int
	mask  uint16
	tail  uint16
	// Incremental is set if the kernel consumes each buffer a receive at
	// a time (IOU_PBUF_RING_INC, 6.12); used[id] is how much of buffer id
	// it has filled so far.
	Incremental bool
	used        []int
}

// NewBufRing registers count buffers (a power of 2, at most 32768) of size
// bytes as group, and hands them all to the kernel. With incremental, it
// asks for IOU_PBUF_RING_INC: a receive takes only the bytes it needs and
// the next one goes on in the same buffer, so big buffers cost nothing to
// small messages. A kernel before 6.12 refuses that with EINVAL.
func (r *Ring) NewBufRing(group uint16, count, size int, incremental bool) (*BufRing, error) {
	if count <= 0 || count > maxBufRingEntries || count&(count-1) != 0 {
		return nil, os.NewSyscallError("io_uring_register(PBUF_RING)", unix.EINVAL)
	}
	mem, err := unix.Mmap(-1, 0, count*bufRingEntrySize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANONYMOUS|unix.MAP_PRIVATE)
	if err != nil {
		return nil, os.NewSyscallError("mmap of a buffer ring", err)
	}
	data, err := unix.Mmap(-1, 0, count*size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANONYMOUS|unix.MAP_PRIVATE)
	if err != nil {
		unix.Munmap(mem)
		return nil, os.NewSyscallError("mmap of buffers", err)
	}
	reg := bufReg{ringAddr: uint64(uintptr(unsafe.Pointer(&mem[0]))), ringEntries: uint32(count), bgid: group}
	if incremental {
		reg.flags = pbufRingInc
	}
	_, _, e := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), registerPbufRing, uintptr(unsafe.Pointer(&reg)), 1, 0, 0)
	if e != 0 {
		unix.Munmap(mem)
		unix.Munmap(data)
		return nil, os.NewSyscallError("io_uring_register(PBUF_RING)", e)
	}
	b := &BufRing{r: r, group: group, mem: mem, data: data, size: size, mask: uint16(count - 1),
		Incremental: incremental, used: make([]int, count)}
	for id := range count {
		b.put(uint16(id))
	}
	b.Publish()
	return b, nil
}

// Group is the buffer group id to receive with.
func (b *BufRing) Group() uint16 { return b.group }

// Consume returns the n bytes a completion received into buffer id (its
// flags have CQEFBuffer), valid until the next Publish, and gives the
// buffer back to the kernel once the kernel is done with it: at once, or,
// incremental, once a completion comes without CQEFBufMore.
func (b *BufRing) Consume(id uint16, n int, flags uint32) []byte {
	off := int(id)*b.size + b.used[id]
	p := b.data[off : off+max(n, 0)]
	if b.Incremental && flags&CQEFBufMore != 0 {
		b.used[id] += max(n, 0)
		return p
	}
	b.used[id] = 0
	b.put(id)
	return p
}

// put queues buffer id for the kernel; Publish hands over what is queued.
func (b *BufRing) put(id uint16) {
	e := unsafe.Pointer(&b.mem[int(b.tail&b.mask)*bufRingEntrySize])
	// Field by field: entry 0's last two bytes are the ring's tail.
	*(*uint64)(e) = uint64(uintptr(unsafe.Pointer(&b.data[int(id)*b.size])))
	*(*uint32)(unsafe.Add(e, 8)) = uint32(b.size)
	*(*uint16)(unsafe.Add(e, 12)) = id
	b.tail++
}

// Publish makes the buffers given back visible to the kernel.
func (b *BufRing) Publish() {
	// The tail is a 16-bit word with release semantics; Go has no 16-bit
	// atomics, so store the aligned 32 bits holding it (entry 0's id, which
	// only this side writes, and the tail), patched in memory order so that
	// it is right on either endianness.
	w := (*uint32)(unsafe.Pointer(&b.mem[bufRingTailOffset-2]))
	v := atomic.LoadUint32(w)
	*(*uint16)(unsafe.Add(unsafe.Pointer(&v), 2)) = b.tail
	atomic.StoreUint32(w, v)
}

// Close unregisters the group and unmaps its memory.
func (b *BufRing) Close() error {
	reg := bufReg{bgid: b.group}
	_, _, e := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(b.r.fd), unregisterPbufRing, uintptr(unsafe.Pointer(&reg)), 1, 0, 0)
	unix.Munmap(b.mem)
	unix.Munmap(b.data)
	if e != 0 {
		return os.NewSyscallError("io_uring_register(UNREGISTER_PBUF_RING)", e)
	}
	return nil
}

// RecvLimitWorks reports whether this kernel ends a multishot receive at
// the byte limit of PrepRecvMultishot (6.17), by trying one on a socket
// pair with a limit of one byte. It uses the ring, so call it before
// anything else is in flight.
func (b *BufRing) RecvLimitWorks() bool {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	if _, err := unix.Write(fds[1], []byte("ab")); err != nil {
		return false
	}
	e := b.r.SQE()
	if e == nil {
		return false
	}
	const probeTag = 1<<64 - 1
	e.PrepRecvMultishot(fds[0], b.group, 1, probeTag)
	works := false
	for done := false; !done; {
		if _, err := b.r.Enter(time.Second, 1); err != nil && err != unix.EINTR {
			return false
		}
		first, second := b.r.Peek()
		cqes := append(first, second...)
		if len(cqes) == 0 {
			return false // nothing within a second: count it as refused
		}
		for _, c := range cqes {
			if c.UserData != probeTag {
				continue
			}
			if c.Flags&CQEFBuffer != 0 {
				b.Consume(uint16(c.Flags>>CQEBufShift), int(c.Res), c.Flags)
			}
			// Works: bytes came, and the request ended with them
			// (no CQEFMore) although a second byte was waiting.
			works = c.Res > 0 && c.Flags&CQEFMore == 0
			if c.Flags&CQEFMore == 0 {
				done = true
			}
		}
		b.r.Advance(len(cqes))
		b.Publish()
	}
	return works
}
