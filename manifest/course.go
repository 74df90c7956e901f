package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/BurntSushi/toml"
)

// Course is a teacher's manifest for a whole class (grade --manifest, the
// Gradescope bundle's echospec.toml): it decides what every submission is
// judged against — model, pool, mechanism, limits — and a student's own
// echospec.toml may set only the keys of MaySet, how the server is built
// and started. A student who could set the model could pick the one whose
// specs their server passes (a serial server declared a coroutine pool of
// one passed every spec).
type Course struct {
	// File is the teacher's manifest, for messages.
	File string
	// MaySet are the keys a student's own echospec.toml may set.
	MaySet []string
	keys   map[string]any
}

// StudentMaySet is what a student's own echospec.toml may set unless the
// teacher says otherwise: how the server is built and started, and its
// greeting. The greeting describes bytes the server sends, not what it is
// judged against: every spec still judges the echo after it, and a
// greeting declared but not sent (or sent but not declared) fails. A
// course whose assignment fixes the protocol leaves greeting out.
var StudentMaySet = []string{"build", "command", "port", "greeting", "ready_timeout", "description"}

// CourseOnly are the keys only a course's manifest sets: with any of them
// a student could change which specs run, or how hard they are.
var CourseOnly = []string{"model", "pool", "mechanism", "limits"}

// studentOwn are the keys that describe one submission and are always the
// student's: its name, and a fixture's [expect] (which grades nothing).
var studentOwn = []string{"name", "expect"}

// LoadCourse reads a teacher's manifest. It must be a whole manifest
// (model and a default command) with no [expect], which describes one
// fixture; its name, if any, names the assignment, not the submissions. maySet are the keys a student may set, none of
// CourseOnly.
func LoadCourse(file string, maySet []string) (*Course, error) {
	if st, err := os.Stat(file); err == nil && st.IsDir() {
		file = filepath.Join(file, FileName)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("the course's manifest %w", err)
	}
	if _, err := parse(file, "", data); err != nil {
		return nil, err
	}
	c := &Course{File: file, keys: map[string]any{}}
	if _, err := toml.Decode(string(data), &c.keys); err != nil {
		return nil, syntaxError(file, err)
	}
	// Its name names the assignment; each submission's is its own.
	delete(c.keys, "name")
	if _, ok := c.keys["expect"]; ok {
		return nil, fmt.Errorf("%s: key \"expect\" says what one fixture must fail, but this is the course's manifest, for every submission: remove [expect]", file)
	}
	for _, k := range maySet {
		switch {
		case slices.Contains(CourseOnly, k):
			return nil, fmt.Errorf("student-may-set: %q is the course's to set: a student who sets it could change which specs run; the keys a student may set are among %s", k, quoteList(StudentMaySet))
		case slices.Contains(studentOwn, k):
			// always the student's
		case keyHelp[k] == "":
			return nil, fmt.Errorf("student-may-set: %q is not a manifest key; the keys are %s", k, quoteList(sortedKeys()))
		default:
			c.MaySet = append(c.MaySet, k)
		}
	}
	return c, nil
}

// Model is the model the course judges every submission against.
func (c *Course) Model() string { return fmt.Sprint(c.keys["model"]) }

// Apply reads the submission in dir as the course sees it: the course's
// manifest, with the keys of MaySet (and name, expect) that the student's
// own dir/echospec.toml sets, if there is one. notes say, one sentence
// each, which keys of the student's were not used. A student's file that
// is not TOML is not used at all, with a note; one with a key of the
// wrong type or unknown is an error naming that file.
func (c *Course) Apply(dir string) (tg *Target, notes []string, err error) {
	studentFile := filepath.Join(dir, FileName)
	merged := maps.Clone(c.keys)
	data, err := os.ReadFile(studentFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		data = nil
	case err != nil:
		return nil, nil, fmt.Errorf("%s: %w", studentFile, err)
	}
	student := map[string]any{}
	if _, err := toml.Decode(string(data), &student); err != nil {
		notes = append(notes, fmt.Sprintf("%s is not valid TOML (%v), so the course's manifest is used as it is.", FileName, syntaxError(FileName, err)))
		student = map[string]any{}
	} else {
		// The student's own keys get the student's own file and line in
		// their errors.
		var m manifest
		md, err := toml.Decode(string(data), &m)
		if err != nil {
			return nil, nil, decodeError(studentFile, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			return nil, nil, fmt.Errorf("%s: unknown key %q; the keys are %s (check the spelling)", studentFile, und[0].String(), quoteList(sortedKeys()))
		}
	}
	for _, k := range sortedMapKeys(student) {
		v := student[k]
		switch {
		case slices.Contains(studentOwn, k), slices.Contains(c.MaySet, k):
			merged[k] = v
		case fmt.Sprint(c.keys[k]) != fmt.Sprint(v):
			course := "which leaves it unset"
			if cv, ok := c.keys[k]; ok {
				course = "which sets " + tomlText(cv)
			}
			notes = append(notes, fmt.Sprintf("%s sets %s = %s, but %s is the course's to decide (its manifest, %s), so it is not used.", FileName, k, tomlText(v), k, course))
		}
	}
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(merged); err != nil {
		return nil, nil, fmt.Errorf("%s with the course's %s: %w", studentFile, c.File, err)
	}
	tg, err = parse(fmt.Sprintf("%s (with the course's %s)", studentFile, c.File), dir, b.Bytes())
	return tg, notes, err
}

// Discover finds the submissions at or below root, as the course sees
// them: every folder holding an echospec.toml, or root itself if none
// does (a submission may bring no manifest of its own).
func (c *Course) Discover(root string) ([]*Target, error) {
	files, err := manifestFiles(root)
	if err != nil {
		return nil, err
	}
	dirs := []string{root}
	if len(files) > 0 {
		dirs = dirs[:0]
		for _, f := range files {
			dirs = append(dirs, filepath.Dir(f))
		}
	} else if st, err := os.Stat(root); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s: not a folder; give a submission's folder", root)
	}
	var out []*Target
	for _, d := range dirs {
		tg, _, err := c.Apply(d)
		if err != nil {
			return nil, err
		}
		out = append(out, tg)
	}
	return out, Unique(out)
}

// tomlText is a decoded TOML value as a manifest would spell it.
func tomlText(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case map[string]any:
		return "a table"
	}
	return fmt.Sprint(v)
}

func sortedMapKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
