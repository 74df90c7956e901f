package grade

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

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
	// may set (build, command, …); manifest.CourseOnly are never among
	// them: the teacher's manifest decides the model.
	StudentMaySet []string `json:"student_may_set"`
	Languages     []string `json:"languages"`
	Seed          int64    `json:"seed,omitempty"`
	Lang          string   `json:"lang,omitempty"` // en or zh: the tests' texts and hints
}

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
	course, err := manifest.LoadCourse(filepath.Join(src, manifest.FileName), cfg.StudentMaySet)
	if err != nil {
		return gradescope{}, fmt.Errorf("the teacher's manifest: %v", err)
	}
	s := load("submission", dir, course)
	// The bundle's zip may have lost the suite's mode on the way.
	if err := os.Chmod(filepath.Join(src, "spec.test"), 0o755); err != nil {
		return gradescope{}, fmt.Errorf("the bundle's spec.test: %v", err)
	}
	rn, err := newRunner(ctx, filepath.Join(src, "spec.test"), work, work, 1, timeout)
	if err != nil {
		return gradescope{}, err
	}
	if err := rn.judgeBy(course); err != nil {
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
	res.Output = strings.TrimSpace(res.Output + fmt.Sprintf("\nseed %d", rn.seed))
	// The suite's own output goes to stdout, which the rubric's
	// stdout_visibility shows or hides.
	os.Stdout.Write(log)
	return res, nil
}
