package grade

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/echospec/echospec/props"
)

// merge reads the grade.json of each shard output folder (or the files
// themselves) and returns the whole class, with the rubric to score it:
// r if given, else the one the shards were graded with, which must be the
// same for all. A shard given twice, a shard of n missing, or a
// submission in two shards is an error: the merged grades would be wrong.
func merge(shards []string, r *Rubric) (*Rubric, []*Submission, error) {
	var subs []*Submission
	var text, name, first, lang string
	seen := map[string]string{} // shard "i/n" → file
	n := 0
	for _, sh := range shards {
		file := sh
		if st, err := os.Stat(sh); err == nil && st.IsDir() {
			file = filepath.Join(sh, "grade.json")
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, nil, fmt.Errorf("grade merge: %w (give the --out folder of each shard)", err)
		}
		var gf gradeFile
		if err := json.Unmarshal(data, &gf); err != nil {
			return nil, nil, fmt.Errorf("grade merge: %s: %w", file, err)
		}
		key := gf.Shard
		if key == "" {
			key = "1/1"
		}
		var i, m int
		if i, m, err = parseShard(key); err != nil {
			return nil, nil, fmt.Errorf("grade merge: %s: %w", file, err)
		}
		if prev, ok := seen[key]; ok {
			return nil, nil, fmt.Errorf("grade merge: %s and %s are both shard %s", prev, file, key)
		}
		if first == "" {
			first, text, name, lang = file, gf.RubricText, gf.Rubric, gf.Lang
		}
		if m != n && n != 0 {
			return nil, nil, fmt.Errorf("grade merge: %s is shard %d/%d, but %s is one of %d shards", file, i, m, first, n)
		}
		if gf.RubricText != text && r == nil {
			return nil, nil, fmt.Errorf("grade merge: %s was graded with another rubric (%s) than %s (%s); give the one to use with --rubric", file, gf.Rubric, first, name)
		}
		seen[key], n = file, m
		subs = append(subs, gf.Submissions...)
	}
	for i := 1; i <= n; i++ {
		if _, ok := seen[fmt.Sprintf("%d/%d", i, n)]; !ok {
			return nil, nil, fmt.Errorf("grade merge: shard %d/%d is missing; give every shard's output folder", i, n)
		}
	}
	slices.SortFunc(subs, func(a, b *Submission) int { return strings.Compare(a.Name, b.Name) })
	for i := 1; i < len(subs); i++ {
		if subs[i].Name == subs[i-1].Name {
			return nil, nil, fmt.Errorf("grade merge: submission %q is in two shards", subs[i].Name)
		}
	}
	if r == nil {
		var err error
		if r, err = parseRubric(name, text); err != nil {
			return nil, nil, fmt.Errorf("grade merge: the shards' rubric: %w", err)
		}
	}
	r.Lang, _ = props.ParseLang(lang)
	return r, subs, nil
}
