package procfs

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"

	pfs "github.com/prometheus/procfs"
)

// Socket is one TCP socket of a network namespace, as sock_diag or
// /proc/PID/net/tcp lists it.
type Socket struct {
	Inode                 uint64
	LocalPort, RemotePort int
	// LocalAddr is the address the socket is bound to (0.0.0.0 or :: for
	// every address).
	LocalAddr netip.Addr
	State     int // 0x01 ESTABLISHED, 0x06 TIME_WAIT, 0x08 CLOSE_WAIT, 0x0A LISTEN, ...
	// TxQueue is what the socket has yet to send or have acknowledged;
	// RxQueue what has arrived that its owner has not read.
	TxQueue, RxQueue int
}

// Listening reports whether s is a listening socket.
func (s Socket) Listening() bool { return s.State == tcpListen }

// CloseWait reports whether the peer has shut down its sending side and
// the owner has not closed the socket yet.
func (s Socket) CloseWait() bool { return s.State == tcpCloseWait }

// Established reports whether s is a connected socket.
func (s Socket) Established() bool { return s.State == tcpEstablished }

// Sockets lists the TCP sockets (IPv4 and IPv6) of the calling thread's
// network namespace (see netns.NS.Do).
func Sockets() ([]Socket, error) { return tcpSockets(allStates, 0, 0) }

// Listeners lists the listening TCP sockets of the calling thread's
// network namespace (see netns.NS.Do).
func Listeners() ([]Socket, error) { return tcpSockets(listenStates, 0, 0) }

// SocketInodes returns the inodes of the sockets pid has open.
func SocketInodes(pid int) (map[uint64]bool, error) {
	p, err := proc(pid)
	if err != nil {
		return nil, err
	}
	targets, err := p.FileDescriptorTargets()
	if err != nil {
		return nil, fmt.Errorf("procfs: descriptors of pid %d: %w", pid, err)
	}
	out := map[uint64]bool{}
	for _, t := range targets {
		if v, ok := strings.CutPrefix(t, "socket:["); ok {
			if n, err := strconv.ParseUint(strings.TrimSuffix(v, "]"), 10, 64); err == nil {
				out[n] = true
			}
		}
	}
	return out, nil
}

func proc(pid int) (pfs.Proc, error) {
	p, err := pfs.NewProc(pid)
	if err != nil {
		if os.IsNotExist(err) {
			return pfs.Proc{}, fmt.Errorf("procfs: pid %d is gone", pid)
		}
		return pfs.Proc{}, fmt.Errorf("procfs: pid %d: %w", pid, err)
	}
	return p, nil
}
