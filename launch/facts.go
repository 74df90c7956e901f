package launch

// Facts say, in sentences, what the kit does on one platform to start a
// server and watch it. Each build-tagged file of this package that is
// about one of them declares those facts in one exported value of this
// type (Platform in launch_GOOS.go, LimitFacts in rlimit_*.go, StrayFacts
// in strays_*.go); tools/platforms reads the values compiled for every
// platform from the source into docs/platforms.md, so that a fact stands
// next to the code it describes and nothing reads function names.
//
// Each field is named after the function whose behaviour it describes
// there, and its text starts with that function's name.
type Facts struct {
	// Unsupported is why Start fails on this platform; "" where the kit
	// starts servers.
	Unsupported string
	// Prepare: what becomes of a server's orphaned processes.
	Prepare string
	// SelfExe: the executable the kit runs as the pre-exec shim.
	SelfExe string
	// Listening: how the kit sees that the server listens.
	Listening string
	// Resources: which limits bound the server.
	Resources string
	// NewCgroup: the pids cgroup a server gets, if any.
	NewCgroup string
	// Strays: how processes that left the server's group are found.
	Strays string
	// SandboxUser: the user a sandboxed server runs as.
	SandboxUser string
	// SandboxFiles: what a sandboxed server sees of the files.
	SandboxFiles string
	// SandboxProcesses: what a sandboxed server sees of the processes.
	SandboxProcesses string
	// SandboxMemory: how a sandboxed server's memory is bounded.
	SandboxMemory string
}
