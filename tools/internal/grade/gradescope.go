package grade

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
)

// Gradescope runs an autograder as /autograder/run_autograder, with the
// bundle unpacked in source/, the student's files in submission/, and
// wants results/results.json. `grade gradescope` is that script's body:
// it grades the submission with the teacher's manifest, and writes
// results.json whatever happens.
//
// The bundle (tools/gradescope) holds, in source/: this grade binary, the
// compiled suite (spec.test), the teacher's echospec.toml, the rubric,
// and gradescope.json: which manifest keys a student may set.

// bundleConfig is source/gradescope.json.
type bundleConfig struct {
	// StudentMaySet are the manifest keys a student's own echospec.toml
	// may set (build, command, …); model, pool and mechanism are never
	// among them: the teacher's manifest decides the model.
	StudentMaySet []string `json:"student_may_set"`
	Languages     []string `json:"languages"`
	Seed          int64    `json:"seed,omitempty"`
	Lang          string   `json:"lang,omitempty"` // en or zh: the tests' texts and hints
}

// neverStudent are the keys only the teacher sets: a student who could
// change them could switch models and dodge a family.
var neverStudent = []string{"model", "pool", "mechanism", "expect", "name"}

func gradescopeMain(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("grade gradescope", flag.ContinueOnError)
	root := fs.String("root", envOr("AUTOGRADER_ROOT", "/autograder"), "the autograder's root folder (also $AUTOGRADER_ROOT)")
	timeout := fs.Duration("timeout", 20*time.Minute, "how long the suite may run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	began := time.Now()
	results := filepath.Join(*root, "results", "results.json")
	res, err := gradescopeRun(ctx, *root, *timeout)
	if err != nil {
		// Gradescope shows a submission with no results.json as a broken
		// autograder: write one that says what went wrong.
		res = gradescope{Output: "The autograder could not grade this submission: " + err.Error(), StdoutVisibility: "visible", Tests: []gradescopeTest{}}
	}
	res.ExecutionTime = float64(time.Since(began).Round(time.Second) / time.Second)
	data, merr := json.MarshalIndent(res, "", "  ")
	if merr != nil {
		return merr
	}
	if werr := os.MkdirAll(filepath.Dir(results), 0o755); werr != nil {
		return werr
	}
	if werr := os.WriteFile(results, append(data, '\n'), 0o644); werr != nil {
		return werr
	}
	fmt.Printf("grade gradescope: %s/%s in %vs; %s\n", points(res.Score), points(res.MaxScore), res.ExecutionTime, results)
	return err
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// gradescopeRun grades root/submission and returns its results.
func gradescopeRun(ctx context.Context, root string, timeout time.Duration) (gradescope, error) {
	src := filepath.Join(root, "source")
	var cfg bundleConfig
	data, err := os.ReadFile(filepath.Join(src, "gradescope.json"))
	if err != nil {
		return gradescope{}, fmt.Errorf("the bundle has no gradescope.json (%v): build it with make gradescope", err)
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return gradescope{}, fmt.Errorf("the bundle's gradescope.json: %v", err)
	}
	r, err := loadRubric(filepath.Join(src, "rubric.toml"))
	if err != nil {
		return gradescope{}, err
	}
	work, err := os.MkdirTemp("", "echospec-gradescope-")
	if err != nil {
		return gradescope{}, err
	}
	defer os.RemoveAll(work)
	dir := filepath.Join(work, "submission")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "submission"))); err != nil {
		return gradescope{}, fmt.Errorf("copying the submission: %v", err)
	}
	notes, err := composeManifest(filepath.Join(src, manifest.FileName), dir, cfg.StudentMaySet)
	if err != nil {
		return gradescope{}, err
	}
	s := load("submission", dir)
	// The bundle's zip may have lost the suite's mode on the way.
	if err := os.Chmod(filepath.Join(src, "spec.test"), 0o755); err != nil {
		return gradescope{}, fmt.Errorf("the bundle's spec.test: %v", err)
	}
	rn, err := newRunner(ctx, filepath.Join(src, "spec.test"), work, work, 1, timeout)
	if err != nil {
		return gradescope{}, err
	}
	lang, ok := props.ParseLang(orText(cfg.Lang, "en"))
	if !ok {
		return gradescope{}, fmt.Errorf("the bundle's gradescope.json: lang %q: the kit speaks en and zh", cfg.Lang)
	}
	r.Lang = lang
	rn.configure(1, cfg.Seed, lang)
	log := rn.gradeOne(ctx, s)
	res := gradescopeResults(r, r.Grade(s))
	if len(notes) > 0 {
		res.Output = strings.TrimSpace(strings.Join(notes, "\n") + "\n" + res.Output)
	}
	res.Output = strings.TrimSpace(res.Output + fmt.Sprintf("\nseed %d", rn.seed))
	// The suite's own output goes to stdout, which the rubric's
	// stdout_visibility shows or hides.
	os.Stdout.Write(log)
	return res, nil
}

// composeManifest writes dir/echospec.toml: the teacher's manifest, with
// the keys of may a student's own echospec.toml in dir sets. It returns a
// note for each key of the student's that was not taken.
func composeManifest(teacherFile, dir string, may []string) ([]string, error) {
	teacher := map[string]any{}
	if _, err := toml.DecodeFile(teacherFile, &teacher); err != nil {
		return nil, fmt.Errorf("the teacher's manifest %s: %v", teacherFile, err)
	}
	var notes []string
	studentFile := filepath.Join(dir, manifest.FileName)
	student := map[string]any{}
	if _, err := os.Stat(studentFile); err == nil {
		if _, err := toml.DecodeFile(studentFile, &student); err != nil {
			notes = append(notes, fmt.Sprintf("Your echospec.toml is not valid TOML (%v); the course's manifest is used as it is.", err))
			student = map[string]any{}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, k := range sortedKeys(student) {
		v := student[k]
		switch {
		case harmless[k]:
			// Says nothing about how the server is graded: not worth a note.
		case slices.Contains(neverStudent, k) || !slices.Contains(may, k):
			if tv, ok := teacher[k]; !ok || tomlValue(tv) != tomlValue(v) {
				notes = append(notes, fmt.Sprintf("Your echospec.toml sets %s = %s; the course's manifest decides %s (%s), so yours is not used.", k, tomlValue(v), k, orText(tomlValue(teacher[k]), "not set")))
			}
		default:
			teacher[k] = v
		}
	}
	f, err := os.Create(studentFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return notes, toml.NewEncoder(f).Encode(teacher)
}

// harmless are the keys of a student's manifest that are not used and
// change nothing of the grading: the server's label and description, and
// the fixture bank's [expect] table.
var harmless = map[string]bool{"name": true, "description": true, "expect": true}

// tomlValue writes v as TOML would, for a student to read: "text",
// [1, 2], {key = value}; "" for nil.
func tomlValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return fmt.Sprintf("%q", v)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = tomlValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []map[string]any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = tomlValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		parts := make([]string, 0, len(v))
		for _, k := range sortedKeys(v) {
			parts = append(parts, k+" = "+tomlValue(v[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case time.Time:
		return v.Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}
