package uring

import (
	"os"
	"sync/atomic"
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
}

// NewBufRing registers count buffers (a power of 2, at most 32768) of size
// bytes as group, and hands them all to the kernel.
func (r *Ring) NewBufRing(group uint16, count, size int) (*BufRing, error) {
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
	_, _, e := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), registerPbufRing, uintptr(unsafe.Pointer(&reg)), 1, 0, 0)
	if e != 0 {
		unix.Munmap(mem)
		unix.Munmap(data)
		return nil, os.NewSyscallError("io_uring_register(PBUF_RING)", e)
	}
	b := &BufRing{r: r, group: group, mem: mem, data: data, size: size, mask: uint16(count - 1)}
	for id := range count {
		b.put(uint16(id))
	}
	b.Publish()
	return b, nil
}

// Group is the buffer group id to receive with.
func (b *BufRing) Group() uint16 { return b.group }

// Buffer is the buffer id's first n bytes, valid until it is Recycled.
func (b *BufRing) Buffer(id uint16, n int) []byte {
	off := int(id) * b.size
	return b.data[off : off+n : off+b.size]
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

// Recycle gives buffer id back to the kernel (after Publish).
func (b *BufRing) Recycle(id uint16) { b.put(id) }

// Publish makes the recycled buffers visible to the kernel.
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
