package procfs

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// readNetTCP parses one /proc/.../net/tcp or tcp6 file, where sock_diag
// is refused (tcpSockets). procfs's NetTCP does the same but is
// deprecated.
func readNetTCP(path string) ([]Socket, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Socket
	sc := bufio.NewScanner(f)
	sc.Scan() // header: "sl local_address rem_address st tx_queue rx_queue tr tm->when retrnsmt uid timeout inode"
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 {
			continue
		}
		laddr, err0 := hexAddr(fields[1])
		lport, err1 := hexPort(fields[1])
		rport, err2 := hexPort(fields[2])
		st, err3 := strconv.ParseUint(fields[3], 16, 8)
		inode, err4 := strconv.ParseUint(fields[9], 10, 64)
		txs, rxs, _ := strings.Cut(fields[4], ":")
		tx, err5 := strconv.ParseUint(txs, 16, 32)
		rx, err6 := strconv.ParseUint(rxs, 16, 32)
		if err := firstErr(err0, err1, err2, err3, err4, err5, err6); err != nil {
			return nil, fmt.Errorf("procfs: %s: line %q: %w", path, sc.Text(), err)
		}
		out = append(out, Socket{Inode: inode, LocalAddr: laddr, LocalPort: lport, RemotePort: rport, State: int(st), TxQueue: int(tx), RxQueue: int(rx)})
	}
	return out, sc.Err()
}

// hexAddr takes the address from "0100007F:1F90": 4 or 16 bytes, each
// 32-bit word in the kernel's byte order.
func hexAddr(addr string) (netip.Addr, error) {
	h, _, _ := strings.Cut(addr, ":")
	b, err := hex.DecodeString(h)
	if err != nil || (len(b) != 4 && len(b) != 16) {
		return netip.Addr{}, fmt.Errorf("%q has no address", addr)
	}
	for i := 0; i < len(b); i += 4 {
		binary.BigEndian.PutUint32(b[i:], binary.NativeEndian.Uint32(b[i:]))
	}
	if len(b) == 4 {
		return netip.AddrFrom4([4]byte(b)), nil
	}
	return netip.AddrFrom16([16]byte(b)), nil
}

// hexPort takes the port from "0100007F:1F90".
func hexPort(addr string) (int, error) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return 0, fmt.Errorf("%q has no port", addr)
	}
	p, err := strconv.ParseUint(addr[i+1:], 16, 16)
	return int(p), err
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// netTCP lists the TCP sockets of the network namespace seen at root
// ("/proc" or "/proc/PID").
func netTCP(root string) ([]Socket, error) {
	var out []Socket
	for _, name := range []string{"tcp", "tcp6"} {
		socks, err := readNetTCP(root + "/net/" + name)
		if err != nil {
			if os.IsNotExist(err) && name == "tcp6" {
				continue // no IPv6
			}
			return nil, err
		}
		out = append(out, socks...)
	}
	return out, nil
}

// Connection finds the TCP socket from localPort to remotePort in the
// calling thread's network namespace (see netns.NS.Do).
func Connection(localPort, remotePort int) (Socket, bool, error) {
	socks, err := tcpSockets(allStates, localPort, remotePort)
	if err != nil || len(socks) == 0 {
		return Socket{}, false, err
	}
	return socks[0], true, nil
}

// Listens reports whether a socket in the calling thread's network
// namespace (see netns.NS.Do) listens on port. Asking the kernel, unlike
// connecting, hands the server no connection.
func Listens(port int) bool {
	socks, err := tcpSockets(listenStates, port, 0)
	return err == nil && len(socks) > 0
}
