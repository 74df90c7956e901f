package procfs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The kernel's sock_diag netlink interface answers "which TCP sockets are
// listening on port P" from the listening hash alone, and filters by port
// in the kernel. /proc/net/tcp walks the whole established hash (262,144
// buckets on a machine with a few GiB of memory) twice per read and once
// more per file, so polling it every 10 ms while a server starts cost
// about half of a Python fixture's CPU time. /proc stays the fallback
// where sock_diag is refused (some sandboxes and seccomp filters).

// TCP state bits for a sock_diag request (include/net/tcp_states.h).
const (
	allStates      = ^uint32(0)
	listenStates   = 1 << tcpListen
	timeWaitStates = 1 << tcpTimeWait
)

const (
	diagReqLen = 56 // struct inet_diag_req_v2
	diagMsgLen = 72 // struct inet_diag_msg
)

var (
	diagOnce    sync.Once
	diagRefused error // why sock_diag cannot be used here; nil when it can
)

// tcpSockets lists the TCP sockets (IPv4 and IPv6) of the calling
// thread's network namespace whose state is in the mask states (bit
// 1<<state), whose local port is sport and whose remote port is dport
// (0: any).
func tcpSockets(states uint32, sport, dport int) ([]Socket, error) {
	diagOnce.Do(func() { _, diagRefused = diagTCP(listenStates, 0, 0) })
	if diagRefused == nil {
		return diagTCP(states, sport, dport)
	}
	all, err := netTCP("/proc/thread-self")
	if err != nil {
		return nil, err
	}
	var out []Socket
	for _, s := range all {
		if states&(1<<s.State) != 0 && (sport == 0 || s.LocalPort == sport) && (dport == 0 || s.RemotePort == dport) {
			out = append(out, s)
		}
	}
	return out, nil
}

// diagTCP asks sock_diag for the sockets tcpSockets describes.
func diagTCP(states uint32, sport, dport int) ([]Socket, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, fmt.Errorf("procfs: a sock_diag socket: %w", err)
	}
	defer unix.Close(fd)
	// A dump is answered at once; the timeout only keeps a broken
	// kernel or sandbox from hanging the kit.
	tv := unix.NsecToTimeval(int64(5 * time.Second))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return nil, fmt.Errorf("procfs: sock_diag timeout: %w", err)
	}
	var out []Socket
	buf := make([]byte, 64<<10)
	for i, family := range []uint8{unix.AF_INET, unix.AF_INET6} {
		if err := unix.Sendto(fd, diagRequest(uint32(i+1), family, states, sport, dport), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
			return nil, fmt.Errorf("procfs: sock_diag request: %w", err)
		}
		socks, err := diagReceive(fd, buf, uint32(i+1))
		if err != nil {
			return nil, err
		}
		out = append(out, socks...)
	}
	return out, nil
}

// diagRequest is a netlink message holding one inet_diag_req_v2 dump
// request for TCP sockets of family.
func diagRequest(seq uint32, family uint8, states uint32, sport, dport int) []byte {
	b := make([]byte, unix.SizeofNlMsghdr+diagReqLen)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], uint32(len(b)))
	ne.PutUint16(b[4:], unix.SOCK_DIAG_BY_FAMILY)
	ne.PutUint16(b[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	ne.PutUint32(b[8:], seq)
	r := b[unix.SizeofNlMsghdr:]
	r[0], r[1] = family, unix.IPPROTO_TCP
	ne.PutUint32(r[4:], states)
	// inet_diag_sockid: ports in network byte order.
	binary.BigEndian.PutUint16(r[8:], uint16(sport))
	binary.BigEndian.PutUint16(r[10:], uint16(dport))
	return b
}

// diagReceive reads the answer to request seq, into buf, up to its
// NLMSG_DONE.
func diagReceive(fd int, buf []byte, seq uint32) ([]Socket, error) {
	var out []Socket
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return nil, fmt.Errorf("procfs: sock_diag answer: %w", err)
		}
		b, ne := buf[:n], binary.NativeEndian
		for len(b) >= unix.SizeofNlMsghdr {
			l, typ, s := int(ne.Uint32(b[0:])), ne.Uint16(b[4:]), ne.Uint32(b[8:])
			if l < unix.SizeofNlMsghdr || l > len(b) {
				return nil, errors.New("procfs: sock_diag answer: a message longer than what arrived")
			}
			msg := b[unix.SizeofNlMsghdr:l]
			b = b[min(nlmAlign(l), len(b)):]
			if s != seq {
				continue
			}
			switch typ {
			case unix.NLMSG_DONE:
				return out, nil
			case unix.NLMSG_ERROR:
				if len(msg) >= 4 {
					if errno := -int32(ne.Uint32(msg)); errno != 0 {
						return nil, fmt.Errorf("procfs: sock_diag: %w", unix.Errno(errno))
					}
				}
				return out, nil
			case unix.SOCK_DIAG_BY_FAMILY:
				if len(msg) < diagMsgLen {
					return nil, fmt.Errorf("procfs: sock_diag answer: a %d-byte inet_diag_msg", len(msg))
				}
				sock := Socket{
					State:      int(msg[1]),
					LocalPort:  int(binary.BigEndian.Uint16(msg[4:])),
					RemotePort: int(binary.BigEndian.Uint16(msg[6:])),
					RxQueue:    int(ne.Uint32(msg[56:])),
					TxQueue:    int(ne.Uint32(msg[60:])),
					Inode:      uint64(ne.Uint32(msg[68:])),
					LocalAddr:  diagAddr(msg[0], msg[8:24]),
				}
				if sock.Listening() {
					sock.TxQueue = 0 // sock_diag gives the backlog's limit here; /proc and Socket mean bytes unsent
				}
				out = append(out, sock)
			}
		}
	}
}

func nlmAlign(n int) int { return (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1) }

// diagAddr is the address in an inet_diag_sockid's 16-byte field, of
// which an IPv4 address uses the first 4.
func diagAddr(family uint8, b []byte) netip.Addr {
	if family == unix.AF_INET {
		return netip.AddrFrom4([4]byte(b[:4]))
	}
	return netip.AddrFrom16([16]byte(b[:16]))
}
