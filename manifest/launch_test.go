package manifest

import (
	"slices"
	"testing"
	"time"
)

func TestLaunchOptions(t *testing.T) {
	dir := write(t, `
model = "single"
command = ["{builddir}/server", "-port", "{port}", "-dir={builddir}"]
build = ["go", "build", "-o", "{builddir}/server", "."]
ready_timeout = "3s"

[limits]
open_files = 64
`)
	tg, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	o := tg.LaunchOptions("/b", 4242)
	if want := []string{"/b/server", "-port", "4242", "-dir=/b"}; !slices.Equal(o.Argv, want) {
		t.Errorf("Argv = %q, want %q", o.Argv, want)
	}
	if !slices.Contains(o.Env, "PORT=4242") {
		t.Errorf("Env = %q, want PORT=4242 in it", o.Env)
	}
	if o.Port != 4242 || o.Host != "127.0.0.1" || o.Dir != tg.Dir || o.Name != tg.Name {
		t.Errorf("Port, Host, Dir, Name = %d, %q, %q, %q", o.Port, o.Host, o.Dir, o.Name)
	}
	if o.ReadyTimeout != 3*time.Second {
		t.Errorf("ReadyTimeout = %v, want the manifest's 3s", o.ReadyTimeout)
	}
	if o.Limits != tg.Limits || o.Limits.OpenFiles != 64 {
		t.Errorf("Limits = %+v, want the manifest's (open_files 64)", o.Limits)
	}
	if o.Source != "command in "+tg.File {
		t.Errorf("Source = %q", o.Source)
	}
	if want := []string{"go", "build", "-o", "/b/server", "."}; !slices.Equal(tg.BuildArgv("/b"), want) {
		t.Errorf("BuildArgv = %q, want %q", tg.BuildArgv("/b"), want)
	}
	if (&Target{}).BuildArgv("/b") != nil {
		t.Error("BuildArgv of a target without a build is not nil")
	}
}
