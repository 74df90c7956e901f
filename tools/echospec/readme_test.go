//go:build linux

package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/echospec/echospec/manifest"
)

// The README's student commands, as printed: go install gives an
// echospec that exits 0, 1 and 2 itself (a correct server, a failing one,
// a broken manifest), and so does action.yml's entry point, which GitHub
// runs as two bash steps.

// readmeBlock is the first ```sh block after heading in README.md.
func readmeBlock(t *testing.T, heading string) []string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README.md has no %q", heading)
	}
	text = text[i:]
	start := strings.Index(text, "```sh\n")
	end := strings.Index(text[start+6:], "```")
	if start < 0 || end < 0 {
		t.Fatalf("README.md has no sh block after %q", heading)
	}
	var lines []string
	for _, line := range strings.Split(text[start+6:start+6+end], "\n") {
		if cmd, _, _ := strings.Cut(line, "#"); strings.TrimSpace(cmd) != "" {
			lines = append(lines, strings.TrimSpace(cmd))
		}
	}
	return lines
}

// brokenManifest is a folder whose echospec.toml names no model.
func brokenManifest(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "echospec.toml"), []byte("model = \"threads\"\ncommand = [\"python3\", \"server.py\", \"{port}\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func status(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

func TestReadmeCommands(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("needs python3: make deps")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	lines := readmeBlock(t, "## Check your own server")
	if len(lines) != 2 || lines[0] != "go install ./tools/echospec" || lines[1] != "echospec check path/to/folder" {
		t.Fatalf("the README's commands are %q: update this test", lines)
	}
	bin := t.TempDir()
	install := exec.Command("sh", "-c", lines[0])
	install.Dir, install.Env = root, append(os.Environ(), "GOBIN="+bin)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", lines[0], err, out)
	}
	path := "PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")
	students := filepath.Join(root, "fixtures", "students")
	for _, c := range []struct {
		dir, only string
		want      int
	}{
		{filepath.Join(students, "py-single"), "ECHO-1", 0},
		{filepath.Join(students, "py-send-ignored"), "ECHO-4", 1},
		{brokenManifest(t), "ECHO-1", 2},
	} {
		// As printed, with the folder filled in and one property, to keep
		// each run to seconds.
		line := strings.Replace(lines[1], "path/to/folder", c.dir, 1) + " --only " + c.only
		cmd := exec.Command("sh", "-c", line)
		cmd.Env = append(os.Environ(), path, "LANG=C.UTF-8", "LC_ALL=")
		out, err := cmd.CombinedOutput()
		if got := status(t, err); got != c.want {
			t.Errorf("%s: exit %d, want %d; output:\n%s", line, got, c.want, out)
		}
	}
}

// actionSteps are the bash scripts of action.yml's steps named names, in
// order: what GitHub runs.
func actionSteps(t *testing.T, names ...string) []string {
	t.Helper()
	f, err := os.Open("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	scripts := map[string]string{}
	step, inRun, indent := "", false, ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if inRun {
			if strings.HasPrefix(line, indent) {
				scripts[step] += strings.TrimPrefix(line, indent) + "\n"
				continue
			}
			inRun = false
		}
		switch {
		case strings.HasPrefix(trimmed, "- name: "), strings.HasPrefix(trimmed, "- uses: "):
			step = strings.TrimPrefix(strings.TrimPrefix(trimmed, "- name: "), "- uses: ")
		case trimmed == "run: |":
			inRun, indent = true, line[:strings.Index(line, "run:")]+"  "
		}
	}
	var out []string
	for _, n := range names {
		s, ok := scripts[n]
		if !ok {
			t.Fatalf("action.yml has no step %q with a run: | script (has %v)", n, scripts)
		}
		out = append(out, s)
	}
	return out
}

func TestActionEntryPoint(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("needs python3: make deps")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	steps := actionSteps(t, "build echospec", "echospec")
	runner := t.TempDir()
	env := append(os.Environ(), "RUNNER_TEMP="+runner, "GITHUB_ACTION_PATH="+root, "GITHUB_WORKSPACE="+root,
		"GITHUB_STEP_SUMMARY="+filepath.Join(runner, "summary.md"), "ECHOSPEC_PATIENCE=2", "ECHOSPEC_SEED=0", "ECHOSPEC_LANG_INPUT=en")
	build := exec.Command("bash", "-e", "-c", steps[0])
	build.Dir, build.Env = root, env
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the build step: %v\n%s", err, out)
	}
	students := filepath.Join(root, "fixtures", "students")
	for _, c := range []struct {
		dir  string
		want int
	}{
		{filepath.Join(students, "py-single"), 0},
		{filepath.Join(students, "py-single-crash-on-empty"), 1},
		{brokenManifest(t), 2},
	} {
		cmd := exec.Command("bash", "-e", "-c", steps[1])
		cmd.Dir, cmd.Env = root, append(env, "ECHOSPEC_DIR="+c.dir)
		out, err := cmd.CombinedOutput()
		if got := status(t, err); got != c.want {
			t.Errorf("action.yml on %s: the step exits %d, want %d; output:\n%s", c.dir, got, c.want, out)
		}
	}
}

// The README's Gradescope example names files the kit ships.
func TestReadmeGradescopeExample(t *testing.T) {
	lines := readmeBlock(t, "### On Gradescope")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "make gradescope ") {
		t.Fatalf("the README's Gradescope commands are %q: update this test", lines)
	}
	vars := map[string]string{}
	for _, f := range strings.Fields(lines[0])[2:] {
		k, v, _ := strings.Cut(f, "=")
		vars[k] = v
	}
	if _, err := manifest.Load(filepath.Join("../..", vars["MANIFEST"])); err != nil {
		t.Errorf("MANIFEST=%s: %v", vars["MANIFEST"], err)
	}
	var rubric map[string]any
	if _, err := toml.DecodeFile(filepath.Join("../..", vars["RUBRIC"]), &rubric); err != nil {
		t.Errorf("RUBRIC=%s: %v", vars["RUBRIC"], err)
	}
	if vars["LANGUAGES"] == "" {
		t.Errorf("the example sets no LANGUAGES: %s", lines[0])
	}
}
