package spec_test

import (
	"fmt"
	"sync"

	"github.com/echospec/echospec/impl/selector"
	"github.com/echospec/echospec/manifest"
)

// mechanismMissing says why a local target's declared mechanism cannot
// run on this system, or "" if it can. Only io_uring can be compiled in
// and still refused at run time: a kernel before 5.1 or without it,
// kernel.io_uring_disabled, a seccomp filter (Docker's default profile).
// Every spec of such a target is skipped with this reason instead of
// failing because the server could not start.
func mechanismMissing(tg *manifest.Target) string {
	if tg.Mechanism != "io_uring" || !tg.Local() {
		return ""
	}
	uringOnce.Do(func() {
		// The selector's io_uring backend makes the same check as the
		// servers of the kit: a one-entry ring, and the features they use.
		s, err := selector.Open("io_uring")
		if err != nil {
			uringMissing = fmt.Sprintf("the target declares mechanism = \"io_uring\", which this system cannot run: %v", err)
			return
		}
		s.Close()
	})
	return uringMissing
}

var (
	uringOnce    sync.Once
	uringMissing string
)
