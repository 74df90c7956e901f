package netns

import (
	"fmt"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

// NS is a network namespace made by New.
type NS struct {
	fd    int
	inode uint64
}

var (
	hostOnce sync.Once
	hostFD   int
	hostErr  error
)

// host is the kit's own namespace, to which Do returns its thread.
func host() (int, error) {
	hostOnce.Do(func() {
		hostFD, hostErr = unix.Open("/proc/self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if hostErr != nil {
			hostErr = fmt.Errorf("netns: opening the kit's own namespace: %w", hostErr)
		}
	})
	return hostFD, hostErr
}

// New makes a network namespace with loopback up (127.0.0.1 and ::1) and
// nothing else. It needs CAP_SYS_ADMIN (root, or a user namespace).
func New() (*NS, error) {
	hfd, err := host()
	if err != nil {
		return nil, err
	}
	type result struct {
		ns  *NS
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		ns, err := unshareLoopback()
		// Return the thread to the kit's namespace before unlocking it. A
		// thread is never left to die with its goroutine: a child forked
		// from it with Pdeathsig would be killed when it ends (go.dev/issue/27505).
		if err := unix.Setns(hfd, unix.CLONE_NEWNET); err != nil {
			if ns != nil {
				ns.close()
			}
			ch <- result{err: fmt.Errorf("netns: returning to the kit's namespace: %w", err)}
			return // the thread stays locked and ends: it is in the wrong namespace
		}
		runtime.UnlockOSThread()
		ch <- result{ns, err}
	}()
	r := <-ch
	return r.ns, r.err
}

// unshareLoopback moves the calling thread into a new network namespace
// with loopback up and returns a handle on it.
func unshareLoopback() (*NS, error) {
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return nil, fmt.Errorf("netns: unshare(CLONE_NEWNET): %w", err)
	}
	if err := loopbackUp(); err != nil {
		return nil, err
	}
	fd, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("netns: opening the new namespace: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netns: fstat: %w", err)
	}
	return &NS{fd: fd, inode: st.Ino}, nil
}

// loopbackUp sets IFF_UP on lo, which also gives it 127.0.0.1/8 and ::1.
func loopbackUp() error {
	s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("netns: socket for ioctl: %w", err)
	}
	defer unix.Close(s)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(s, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("netns: SIOCGIFFLAGS lo: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(s, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("netns: bringing lo up: %w", err)
	}
	return nil
}

func (n *NS) do(f func() error) error {
	hfd, err := host()
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Setns(n.fd, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- fmt.Errorf("netns: entering namespace %d: %w", n.inode, err)
			return
		}
		ferr := f()
		if err := unix.Setns(hfd, unix.CLONE_NEWNET); err != nil {
			// Stay locked: the thread ends with this goroutine. (A
			// server forked here with Pdeathsig dies with it.)
			done <- fmt.Errorf("netns: leaving namespace %d: %w", n.inode, err)
			return
		}
		runtime.UnlockOSThread()
		done <- ferr
	}()
	return <-done
}

func (n *NS) close() error { return unix.Close(n.fd) }

// Available reports whether New can work here, and why not.
func Available() error {
	availOnce.Do(func() {
		ns, err := New()
		if err != nil {
			availErr = err
			return
		}
		ns.Close()
	})
	return availErr
}

var (
	availOnce sync.Once
	availErr  error
)

// Of returns the inode of pid's network namespace.
func Of(pid int) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}
