package check

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// A burst of saves is one change, named by the last file that counts;
// swap files, bytecode and a compiled server that a build leaves in the
// folder are not changes.
func TestSettledDebouncesAndIgnoresBuildOutput(t *testing.T) {
	dir := t.TempDir()
	must(t, os.Mkdir(filepath.Join(dir, "__pycache__"), 0o755))
	fw, err := fsnotify.NewWatcher()
	must(t, err)
	defer fw.Close()
	must(t, addTree(fw, dir))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	changes := settled(ctx, fw, dir)
	for range 5 {
		must(t, os.WriteFile(filepath.Join(dir, "server.py"), []byte("print('hi')\n"), 0o644))
	}
	must(t, os.WriteFile(filepath.Join(dir, ".server.py.swp"), []byte("x"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "server"), []byte("\x7fELF"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "server.o"), []byte("x"), 0o644))
	select {
	case name, ok := <-changes:
		if !ok || name != "server.py" {
			t.Errorf("settled sent %q (open %v), want server.py", name, ok)
		}
	case <-ctx.Done():
		t.Fatal("no change within 20s")
	}
	for _, p := range []string{"a/.git/HEAD", "__pycache__/server.cpython-311.pyc", "node_modules/x/index.js", "server.py~", "target/release/server"} {
		if !ignored(dir, filepath.Join(dir, p)) {
			t.Errorf("a change to %s counts", p)
		}
	}
	for _, p := range []string{"server.py", "src/main.rs", "echospec.toml", "Server.java"} {
		if ignored(dir, filepath.Join(dir, p)) {
			t.Errorf("a change to %s does not count", p)
		}
	}
}
