//go:build linux

package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/echospec/echospec/detail"
	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
)

// TestChineseHasNoEnglishSentence runs check --lang zh as a student does,
// on a server that fails a property, on one that never listens, on one
// that exits at once, on one whose build fails, on a manifest with a bad
// value and with --help, and fails on any English sentence in what it
// prints: code, numbers, IDs, paths and the server's own output may stay.
func TestChineseHasNoEnglishSentence(t *testing.T) {
	_, suite := binaries(t)
	bad := t.TempDir()
	must(t, os.WriteFile(filepath.Join(bad, manifest.FileName), []byte("model = \"threads\"\ncommand = [\"python3\", \"server.py\"]\n"), 0o644))
	broken := t.TempDir()
	must(t, os.WriteFile(filepath.Join(broken, "server.c"), []byte("int main( {\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(broken, manifest.FileName), []byte(`model = "single"
build = ["gcc", "-o", "{builddir}/server", "server.c"]
command = ["{builddir}/server", "{port}"]
`), 0o644))
	hostile := filepath.Join("..", "..", "..", "fixtures", "hostile")
	for _, args := range [][]string{
		{"--only", "ECHO-4", fixture("py-send-ignored")},
		{"--family", "cap", fixture("py-send-ignored")},
		{"--only", "ECHO-1", filepath.Join(hostile, "never-listens")},
		{"--only", "ECHO-1", filepath.Join(hostile, "exits-at-once")},
		{"--only", "ECHO-1", broken},
		{bad},
		{"--help"},
	} {
		out, _ := runPiped(t, nil, append([]string{"--suite", suite, "--lang", "zh"}, args...)...)
		for _, line := range strings.Split(out, "\n") {
			if e := detail.English(line); e != "" {
				t.Errorf("check --lang zh %s: English (%q) in the line\n%s\nof\n%s", strings.Join(args, " "), e, line, out)
			}
		}
	}
}

// TestHintsNameTheServersCode: a failure's hint names the fix in the
// language the manifest's build or command names: goto and waitpid's
// loop for C, with/finally for Python, in each language of the kit.
func TestHintsNameTheServersCode(t *testing.T) {
	_, suite := binaries(t)
	for _, c := range []struct {
		lang, id, dir string
		want, not     []string
	}{
		{"en", "MODEL-3", fixture("c-fork-noreap"), []string{"waitpid(-1, NULL, WNOHANG)", "sigaction"}, []string{"os.waitpid"}},
		{"zh", "MODEL-3", fixture("c-fork-noreap"), []string{"waitpid(-1, NULL, WNOHANG)", "SA_RESTART"}, []string{"os.waitpid"}},
		{"en", "RESET-3", fixture("py-leak-on-reset"), []string{"with conn:", "finally"}, []string{"goto", "MSG_NOSIGNAL"}},
		{"zh", "RESET-3", fixture("py-leak-on-reset"), []string{"with conn:", "finally"}, []string{"goto", "MSG_NOSIGNAL"}},
	} {
		out, code := runPiped(t, nil, "--suite", suite, "--lang", c.lang, "--only", c.id, c.dir)
		if code != exitFail {
			t.Errorf("check --lang %s --only %s %s: exit %d, want 1:\n%s", c.lang, c.id, c.dir, code, out)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("check --lang %s --only %s %s: no %q in the hint:\n%s", c.lang, c.id, c.dir, w, out)
			}
		}
		for _, n := range c.not {
			if strings.Contains(out, n) {
				t.Errorf("check --lang %s --only %s %s: %q, another language's construct, in:\n%s", c.lang, c.id, c.dir, n, out)
			}
		}
	}
}

// TestCatalogueOrderWording: "in catalogue order" reads 按属性目录中的顺序 in
// every sentence of the catalogue, never the bare 目录顺序 (folder order).
func TestCatalogueOrderWording(t *testing.T) {
	for key, byLang := range msgs {
		if zh := byLang[props.Zh]; strings.Contains(zh, "目录顺序") {
			t.Errorf("%s: %q says 目录顺序; write 按属性目录中的顺序", key, zh)
		}
	}
}
