package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// docsPage is where the Slurm recipe is printed; the test runs it from
// there, so that the page cannot drift from what works.
const docsPage = "docs/grading-at-scale.md"

// recipe is the Slurm section of docsPage: the commands that build the
// grader once, the batch script, and the merge command.
type recipe struct {
	build  [][]string // e.g. go build -o bin/grade ./tools/grade
	script string     // the batch script, as printed
	grade  []string   // the script's grade command line, without exec
	merge  string     // the merge command, a shell line (it globs)
	first  int        // the array's task IDs: #SBATCH --array=first-last
	last   int
}

// readRecipe reads the Slurm section of the page at root/docsPage: its
// first three sh blocks are the build, the batch script (#!/bin/sh with
// #SBATCH lines, ending in exec of grade) and the merge.
func readRecipe(root string) (*recipe, error) {
	file := filepath.Join(root, docsPage)
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return parseRecipe(file, string(data))
}

func parseRecipe(file, page string) (*recipe, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s, section \"## Slurm\": %s; make cluster-test runs the recipe as printed there", file, fmt.Sprintf(format, args...))
	}
	_, section, ok := strings.Cut(page, "\n## Slurm")
	if !ok {
		return nil, bad("no such section")
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	var blocks []string
	for rest := section; ; {
		_, after, ok := strings.Cut(rest, "\n```sh\n")
		if !ok {
			break
		}
		body, tail, ok := strings.Cut(after, "\n```")
		if !ok {
			return nil, bad("a ```sh block is not closed")
		}
		blocks, rest = append(blocks, body+"\n"), tail
	}
	if len(blocks) < 3 {
		return nil, bad("want three ```sh blocks (build, batch script, merge), found %d", len(blocks))
	}
	r := &recipe{script: blocks[1], merge: strings.TrimSpace(blocks[2])}
	for _, line := range strings.Split(strings.TrimSpace(blocks[0]), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[0] != "go" || !slices.Contains(f, "-o") {
			return nil, bad("build line %q: want go build/test ... -o bin/NAME ./PACKAGE", line)
		}
		r.build = append(r.build, f)
	}
	if !strings.HasPrefix(r.script, "#!/bin/sh\n") || !strings.Contains(r.script, "\n#SBATCH --array=") {
		return nil, bad("the batch script must start with #!/bin/sh and set #SBATCH --array")
	}
	_, arr, _ := strings.Cut(r.script, "\n#SBATCH --array=")
	arr, _, _ = strings.Cut(arr, "\n")
	lo, hi, _ := strings.Cut(arr, "-")
	var err1, err2 error
	r.first, err1 = strconv.Atoi(lo)
	r.last, err2 = strconv.Atoi(hi)
	if err1 != nil || err2 != nil || r.last < r.first+2 {
		return nil, bad("#SBATCH --array=%s: want a range of three tasks or more, such as 1-4", arr)
	}
	lines := strings.Split(strings.TrimSpace(r.script), "\n")
	last := lines[len(lines)-1]
	if strings.ContainsAny(last, `"'\`) {
		return nil, bad("the script's last line %q: quotes are not read here; keep it to plain words", last)
	}
	f := strings.Fields(last)
	if len(f) < 2 || f[0] != "exec" {
		return nil, bad("the script's last line %q: want exec bin/grade ... (without exec, Slurm's SIGTERM at --time never reaches grade)", last)
	}
	r.grade = f[1:]
	if !strings.Contains(r.merge, " merge ") || strings.Contains(r.merge, "\n") {
		return nil, bad("the merge block %q: want one grade merge command", r.merge)
	}
	return r, nil
}

// unsharded is the script's grade command for one machine: without
// --shard auto, its outputs in out.
func (r *recipe) unsharded(out string) ([]string, error) {
	var args []string
	hasOut := false
	for i := 0; i < len(r.grade); i++ {
		switch a := r.grade[i]; {
		case a == "--shard" && i+1 < len(r.grade):
			i++
		case a == "--out" && i+1 < len(r.grade):
			args, hasOut = append(args, a, out), true
			i++
		default:
			args = append(args, a)
		}
	}
	if !hasOut {
		return nil, fmt.Errorf("%s: the batch script's grade command has no --out", docsPage)
	}
	return args, nil
}
