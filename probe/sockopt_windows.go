package probe

import (
	"errors"

	"golang.org/x/sys/windows"
)

func setRcvbuf(fd uintptr, n int) error {
	return windows.SetsockoptInt(windows.Handle(fd), windows.SOL_SOCKET, windows.SO_RCVBUF, n)
}

// Pending is not available on windows.
func (c *Conn) Pending() (int, error) {
	return 0, errors.New("probe: FIONREAD is not available on windows")
}

// Unsent is not available on windows.
func (c *Conn) Unsent() (int, error) { return 0, errNoOutq }

// Peek is not available on windows.
func (c *Conn) Peek(int) ([]byte, error) {
	return nil, errors.New("probe: MSG_PEEK is not used on windows")
}
