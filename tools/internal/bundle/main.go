// Package bundle is the gradescope command: it builds a Gradescope autograder for one assignment:
//
//	make gradescope MANIFEST=teacher/echospec.toml [RUBRIC=rubric.toml] [LANGUAGES=python,c]
//	go run ./tools/gradescope --manifest teacher/echospec.toml --out out/gradescope
//
// It writes out/gradescope/autograder.zip, laid out as Gradescope's
// autograder contract wants: setup.sh and run_autograder at the top, next
// to a static grade binary, the compiled suite (spec.test), the teacher's
// echospec.toml, the rubric and gradescope.json. Gradescope's image needs
// no Go: setup.sh installs only the student languages listed.
// run_autograder honours $AUTOGRADER_ROOT (default /autograder), so a
// test can run the real script in a temporary root.
package bundle

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/tools/internal/grade"
	"github.com/echospec/echospec/tools/internal/suite"
)

// languages maps what a teacher lists to the Debian packages setup.sh
// installs (Gradescope's images are Ubuntu).
var languages = map[string][]string{
	"c":      {"gcc", "libc6-dev", "make"},
	"cpp":    {"g++", "make"},
	"python": {"python3"},
	"gevent": {"python3", "python3-gevent"},
	"java":   {"default-jdk-headless"},
	"node":   {"nodejs"},
	"rust":   {"rustc"},
	"go":     {"golang-go"},
}

// Main builds the bundle as args say and returns the exit status: 0, or
// 2 with the reason on stderr.
func Main(args []string) int {
	if err := run(context.Background(), args); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "gradescope:", err)
		}
		return 2
	}
	return 0
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("gradescope", flag.ContinueOnError)
	man := fs.String("manifest", "", "the assignment's echospec.toml: the model every submission is graded as, and how to build and start it (required)")
	rubric := fs.String("rubric", "", "the rubric TOML (default tools/grade/rubric.toml); [visibility] sets each test's Gradescope visibility")
	langs := fs.String("languages", "python", "comma-separated student languages setup.sh installs: "+strings.Join(slices.Sorted(maps.Keys(languages)), ", "))
	may := fs.String("student-may-set", strings.Join(manifest.StudentMaySet, ","), "manifest keys a student's own echospec.toml may set (never "+strings.Join(manifest.CourseOnly, ", ")+")")
	lang := fs.String("lang", "en", "the language of the tests' requirements and hints: en or zh")
	seed := fs.Int64("seed", 0, "a fixed suite seed for every submission (default: a new one each run, printed in the output)")
	out := fs.String("out", filepath.Join("out", "gradescope"), "the folder autograder.zip goes to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *man == "" {
		fs.Usage()
		return errors.New("--manifest is required: the assignment's echospec.toml (e.g. make gradescope MANIFEST=teacher/echospec.toml)")
	}
	var keys []string
	for _, k := range strings.Split(*may, ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	course, err := manifest.LoadCourse(*man, keys)
	if err != nil {
		return fmt.Errorf("--manifest: %w", err)
	}
	var pkgs, names []string
	for _, l := range strings.Split(*langs, ",") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		p, ok := languages[l]
		if !ok {
			return fmt.Errorf("--languages: %q is not one of %s", l, strings.Join(slices.Sorted(maps.Keys(languages)), ", "))
		}
		names = append(names, l)
		pkgs = append(pkgs, p...)
	}
	slices.Sort(pkgs)
	pkgs = slices.Compact(pkgs)
	if *lang != "en" && *lang != "zh" {
		return fmt.Errorf("--lang %q: the kit speaks en and zh", *lang)
	}
	cfg := map[string]any{"languages": names, "student_may_set": []string{}, "seed": *seed, "lang": *lang}
	cfg["student_may_set"] = course.MaySet

	root, err := suite.Root()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "echospec-bundle-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	files := map[string]string{} // name in the zip → file
	// Gradescope's machines are linux/amd64; static, so no libc to match;
	// stripped (no symbol table, no paths of this machine), which halves
	// the zip.
	target := suite.Build{Env: []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64"}, Flags: stripped}
	fmt.Fprintln(os.Stderr, "gradescope: building the suite and the grader (static, stripped, linux/amd64)")
	if files["spec.test"], err = suite.Cached(ctx, root, target, nil); err != nil {
		return err
	}
	grader := filepath.Join(work, "grade")
	goArgs := append([]string{"build", "-o", grader}, stripped...)
	cmd := exec.CommandContext(ctx, "go", append(goArgs, "./tools/grade")...)
	cmd.Env = append(os.Environ(), target.Env...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s ./tools/grade: %v\n%s", strings.Join(goArgs, " "), err, out)
	}
	files["grade"] = grader
	files[manifest.FileName] = course.File
	if *rubric != "" {
		files["rubric.toml"] = *rubric
	} else {
		files["rubric.toml"] = filepath.Join(root, grade.DefaultRubricFile)
	}
	write := func(name, text string) error {
		p := filepath.Join(work, name)
		files[name] = p
		return os.WriteFile(p, []byte(text), 0o755)
	}
	data, _ := json.MarshalIndent(cfg, "", "  ")
	if err := write("gradescope.json", string(data)+"\n"); err != nil {
		return err
	}
	if err := write("setup.sh", setupScript(pkgs)); err != nil {
		return err
	}
	if err := write("run_autograder", runScript); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	zipFile := filepath.Join(*out, "autograder.zip")
	if err := writeZip(zipFile, files); err != nil {
		return err
	}
	fmt.Printf("gradescope: wrote %s (model %s; setup.sh installs %s); upload it as the assignment's autograder\n", zipFile, course.Model(), orNone(pkgs))
	return nil
}

func orNone(pkgs []string) string {
	if len(pkgs) == 0 {
		return "nothing"
	}
	return strings.Join(pkgs, " ")
}

func setupScript(pkgs []string) string {
	install := "# no student language to install\n"
	if len(pkgs) > 0 {
		install = "apt-get update\nDEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends " + strings.Join(pkgs, " ") + "\n"
	}
	return "#!/bin/sh\n# Gradescope runs this once, as root, when it builds the autograder image.\n# The grader and the suite are static binaries: only the languages the\n# students write their servers in are installed.\nset -eu\n# An unzip that drops the files' modes must not break the grader.\ncd \"$(dirname \"$0\")\"\nchmod +x grade spec.test run_autograder\n" + install
}

// stripped are the go flags of the bundle's binaries: no symbol table or
// DWARF, no file paths of the machine that built them.
var stripped = []string{"-trimpath", "-ldflags=-s -w"}

// runScript is run_autograder: Gradescope copies it to /autograder.
const runScript = `#!/bin/sh
# Gradescope runs this for every submission; AUTOGRADER_ROOT moves the
# root (tests run it in a temporary folder laid out like /autograder).
ROOT="${AUTOGRADER_ROOT:-/autograder}"
# An unzip that drops the files' modes must not break the grader.
chmod +x "$ROOT/source/grade" "$ROOT/source/spec.test"
exec "$ROOT/source/grade" gradescope --root "$ROOT"
`

// writeZip writes files (zip name → path) in name order, executables kept
// executable.
func writeZip(zipFile string, files map[string]string) error {
	f, err := os.Create(zipFile)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		src, err := os.Open(files[name])
		if err != nil {
			return err
		}
		st, err := src.Stat()
		if err != nil {
			src.Close()
			return err
		}
		h, err := zip.FileInfoHeader(st)
		if err != nil {
			src.Close()
			return err
		}
		h.Name, h.Method = name, zip.Deflate
		if name == "grade" || name == "spec.test" || strings.HasSuffix(name, ".sh") || name == "run_autograder" {
			h.SetMode(0o755)
		} else {
			h.SetMode(0o644)
		}
		w, err := zw.CreateHeader(h)
		if err == nil {
			_, err = io.Copy(w, src)
		}
		src.Close()
		if err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}
