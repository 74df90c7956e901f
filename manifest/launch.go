package manifest

import (
	"strconv"

	"github.com/echospec/echospec/launch"
)

// The one place a target becomes a start of its server: the suite and
// tools/bench both launch what LaunchOptions describes.

// BuildArgv is t's build command with {builddir} expanded, or nil if it
// declares none.
func (t *Target) BuildArgv(builddir string) []string {
	if len(t.Build) == 0 {
		return nil
	}
	return launch.Expand(t.Build, map[string]string{"builddir": builddir})
}

// LaunchOptions describes one start of t on port, built into builddir:
// its command with {port} and {builddir} expanded, $PORT set (and Python
// unbuffered, so its output reaches the report), run in the manifest's
// folder under the manifest's limits, with its ready timeout. The timeout
// is the manifest's, before any patience factor: the caller scales it.
func (t *Target) LaunchOptions(builddir string, port int) launch.Options {
	p := strconv.Itoa(port)
	return launch.Options{
		Name:         t.Name,
		Dir:          t.Dir,
		Argv:         launch.Expand(t.Command, map[string]string{"port": p, "builddir": builddir}),
		Env:          []string{"PORT=" + p, "PYTHONUNBUFFERED=1"},
		Host:         "127.0.0.1",
		Port:         port,
		ReadyTimeout: t.ReadyTimeout,
		Source:       "command in " + t.File,
		Manifest:     t.File,
		Limits:       t.Limits,
	}
}
