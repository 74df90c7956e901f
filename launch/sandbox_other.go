//go:build !linux

package launch

import (
	"os/exec"
	"runtime"

	"github.com/echospec/echospec/rlimit"
)

// SandboxFacts say that this platform has no sandbox (see Facts).
var SandboxFacts = Facts{
	SandboxUser: "None here: a server runs as the kit's own user " +
		"(Layers says so; grade refuses to grade without --unsandboxed).",
	SandboxFiles: "None here: a server sees and may change what the " +
		"kit's user may, its folder included.",
	SandboxProcesses: "None here: a server sees every process and may " +
		"signal the kit's.",
	SandboxMemory: "None here: only RLIMIT_AS bounds a server's memory, " +
		"and nothing bounds what it writes in all.",
}

// box is the kit's side of a sandbox; there is none on this platform.
type box struct{}

// sandbox runs the server unconfined here: Layers names what is missing.
func sandbox(*exec.Cmd, *Sandbox, string, string, []string, string, rlimit.Set, string, bool) (*box, error) {
	return nil, nil
}

func (*box) started(*exec.Cmd)      {}
func (*box) serverPID() (int, bool) { return 0, false }
func (*box) exit() (int, bool)      { return 0, false }
func (*box) describe(int) string    { return "" }
func (*box) succeeded(int) bool     { return false }
func (*box) release()               {}
func (*box) drained()               {}

// Layers says which of the sandbox's layers this platform gives: none.
func Layers() []Layer {
	why := "no sandbox on " + runtime.GOOS + ": the server runs as the kit's own user and sees what the kit sees"
	return []Layer{
		{Name: "user", Missing: why}, {Name: "files", Missing: why}, {Name: "processes", Missing: why},
		{Name: "memory", Missing: why}, {Name: "disk", Missing: why},
	}
}
