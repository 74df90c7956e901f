// Package netns gives each server under test a network of its own: a
// fresh network namespace holding nothing but loopback. Servers that all
// want port 9090 can then run side by side, and a server can reach nothing
// outside its namespace.
//
// A namespace is entered per OS thread, so the kit never moves itself into
// one: NS.Do runs a function on a thread switched into the namespace, and
// whatever that function creates there (a socket, a child process) stays
// in it. A nil *NS is the kit's own network, so callers need no special
// case where namespaces are not available.
package netns

import "errors"

// ErrUnsupported is returned where the platform has no network namespaces.
var ErrUnsupported = errors.New("network namespaces are Linux-only")

// Do runs f in n, or in the kit's own network if n is nil.
func (n *NS) Do(f func() error) error {
	if n == nil {
		return f()
	}
	return n.do(f)
}

// Close releases the kit's handle; the namespace ends with the last
// process and socket in it.
func (n *NS) Close() error {
	if n == nil {
		return nil
	}
	return n.close()
}

// Inode identifies the namespace, as /proc/PID/ns/net names it
// ("net:[INODE]"); 0 for a nil *NS.
func (n *NS) Inode() uint64 {
	if n == nil {
		return 0
	}
	return n.inode
}
