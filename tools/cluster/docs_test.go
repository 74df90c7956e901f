package main

import (
	"slices"
	"strings"
	"testing"
)

// TestRecipeOfThePage reads the Slurm recipe from the page itself: what
// make cluster-test will run.
func TestRecipeOfThePage(t *testing.T) {
	r, err := readRecipe("../..")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.build) != 2 || !strings.Contains(r.script, "#SBATCH --array=1-4\n") || !strings.HasPrefix(r.merge, "bin/grade merge ") {
		t.Errorf("build %q, script %q, merge %q; want two build lines, the array script and bin/grade merge", r.build, r.script, r.merge)
	}
	one, err := r.unsharded("single")
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(one, "--shard") || !slices.Contains(one, "single") || one[0] != "bin/grade" {
		t.Errorf("unsharded: %q; want bin/grade without --shard, --out single", one)
	}
}

func TestRecipeRefusesAScriptWithoutExec(t *testing.T) {
	page := "# x\n## Slurm: a job array\n\n```sh\ngo build -o bin/grade ./tools/grade\n```\n\n```sh\n#!/bin/sh\n#SBATCH --array=1-4\nbin/grade --shard auto --out results/shard-1 class/\n```\n\n```sh\nbin/grade merge --out results/class results/shard-*\n```\n"
	_, err := parseRecipe("page.md", page)
	if err == nil || !strings.Contains(err.Error(), "want exec bin/grade") || !strings.Contains(err.Error(), "page.md") {
		t.Errorf("err %v; want one naming the page and asking for exec", err)
	}
	if _, err := parseRecipe("page.md", strings.Replace(page, "bin/grade --shard", "exec bin/grade --shard", 1)); err != nil {
		t.Errorf("with exec: %v", err)
	}
}
