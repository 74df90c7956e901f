package grade

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A student's manifest: the model is the teacher's, a key the student may
// set is taken, harmless keys draw no note, and every note is text a
// student reads (TOML, never a Go value).
func TestComposeManifestNotes(t *testing.T) {
	dir := t.TempDir()
	teacher := filepath.Join(t.TempDir(), "echospec.toml")
	if err := os.WriteFile(teacher, []byte("name = \"a1\"\nmodel = \"single\"\ncommand = [\"python3\", \"server.py\", \"{port}\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	student := `name = "mine"
description = "my threaded server"
model = "multithread"
command = ["python3", "-u", "server.py", "{port}"]
[expect]
fail = ["ECHO-4"]
[limits]
processes = 64
`
	if err := os.WriteFile(filepath.Join(dir, "echospec.toml"), []byte(student), 0o644); err != nil {
		t.Fatal(err)
	}
	notes, err := composeManifest(teacher, dir, []string{"build", "command", "port", "greeting", "ready_timeout"})
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(notes, "\n")
	for _, want := range []string{
		`Your echospec.toml sets model = "multithread"; the course's manifest decides model ("single"), so yours is not used.`,
		`Your echospec.toml sets limits = {processes = 64}; the course's manifest decides limits (not set), so yours is not used.`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the notes lack %q; they are:\n%s", want, text)
		}
	}
	for _, bad := range []string{"map[", "sets name", "sets description", "sets expect", "sets command"} {
		if strings.Contains(text, bad) {
			t.Errorf("the notes hold %q:\n%s", bad, text)
		}
	}
	if len(notes) != 2 {
		t.Errorf("%d notes, want 2:\n%s", len(notes), text)
	}
	data, err := os.ReadFile(filepath.Join(dir, "echospec.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(data); !strings.Contains(got, `"-u"`) || !strings.Contains(got, `model = "single"`) {
		t.Errorf("the composed manifest does not take the student's command and the teacher's model:\n%s", got)
	}
}
