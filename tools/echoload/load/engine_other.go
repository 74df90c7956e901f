//go:build !linux

package load

import (
	"fmt"
	"runtime"
)

// Run needs epoll: echoload runs on Linux only.
func Run(cfg *Config) (*Report, error) {
	return nil, fmt.Errorf("echoload: not supported on %s: the engine is an epoll loop (Linux only)", runtime.GOOS)
}
