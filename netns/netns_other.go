//go:build !linux

package netns

// NS is a network namespace; never made off Linux.
type NS struct{ inode uint64 }

// New fails off Linux: there are no network namespaces, so servers share the kit's network and targets with a fixed port run one at a time.
func New() (*NS, error) { return nil, ErrUnsupported }

// Available reports why New cannot work here.
func Available() error { return ErrUnsupported }

// Of is not available off Linux.
func Of(int) (uint64, error) { return 0, ErrUnsupported }

func (n *NS) do(f func() error) error { return f() }
func (n *NS) close() error            { return nil }
