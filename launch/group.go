package launch

import (
	"os/exec"
	"sync"
)

// The process-group primitive, for the kit's tools as for its servers:
// OwnGroup and DieWithParent before a command starts, SignalGroup to stop
// its whole group, and, for a tool that runs commands which may be killed
// with what they started still running, Children: it becomes a subreaper
// and sweeps the orphans re-parented to it.

// BecomeSubreaper makes this process a child subreaper where the platform
// has one (Linux): processes orphaned below it are re-parented to it
// rather than to init, so it can find, stop and reap them.
func BecomeSubreaper() { prepare() }

// Children tracks the commands a tool is running, so that a sweep for
// orphaned processes (re-parented to the tool when a killed command
// leaves them) never touches a command that is still running.
type Children struct {
	mu   sync.Mutex
	pids map[int]bool
}

// NewChildren makes the tool a subreaper and returns an empty tracker.
func NewChildren() *Children {
	BecomeSubreaper()
	return &Children{pids: map[int]bool{}}
}

// Start starts cmd and tracks it until Done.
func (c *Children) Start(cmd *exec.Cmd) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	c.pids[cmd.Process.Pid] = true
	return nil
}

// Done stops tracking cmd, once it has been waited for.
func (c *Children) Done(cmd *exec.Cmd) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pids, cmd.Process.Pid)
}

// Sweep kills and reaps every child of the tool that is not a command
// still running (see SweepOrphans).
func (c *Children) Sweep() {
	c.mu.Lock()
	defer c.mu.Unlock()
	SweepOrphans(c.pids)
}
