package grade

import (
	"fmt"
	"strconv"
	"strings"
)

// shardEngines are the batch engines --shard auto reads its share from,
// in the order they are tried: each names the variables that give this
// worker's index and the number of workers.
var shardEngines = []struct {
	name          string
	index, count  string
	indexFrom     string // a variable holding the first index (Slurm arrays may start anywhere)
	oneBasedIndex bool
}{
	// A Kubernetes Indexed Job sets JOB_COMPLETION_INDEX (0-based); the
	// count is the Job's .spec.completions, which the Job passes on as
	// JOB_COMPLETIONS (docs/grading-at-scale.md) or --shards gives.
	{name: "a Kubernetes Indexed Job", index: "JOB_COMPLETION_INDEX", count: "JOB_COMPLETIONS"},
	// A GitHub Actions matrix job: strategy.job-index and job-total are
	// contexts, not variables; the workflow maps them (docs/).
	{name: "a GitHub Actions matrix", index: "STRATEGY_JOB_INDEX", count: "STRATEGY_JOB_TOTAL"},
	// A Slurm job array: --array=0-3 or 1-4; the task's ID less the
	// array's lowest.
	{name: "a Slurm array", index: "SLURM_ARRAY_TASK_ID", count: "SLURM_ARRAY_TASK_COUNT", indexFrom: "SLURM_ARRAY_TASK_MIN"},
}

// resolveShard turns --shard (i/n, or auto) and --shards into i and n
// (1-based i), and says where auto found them. An empty --shard is the
// whole class.
func resolveShard(spec string, shards int, env func(string) string) (i, n int, from string, err error) {
	switch spec {
	case "":
		return 1, 1, "", nil
	case "auto":
	default:
		i, n, err = parseShard(spec)
		return i, n, "--shard", err
	}
	for _, e := range shardEngines {
		raw := env(e.index)
		if raw == "" {
			continue
		}
		idx, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil {
			return 0, 0, "", fmt.Errorf("grade: --shard auto: %s=%q is not a number (%s)", e.index, raw, e.name)
		}
		if e.indexFrom != "" {
			if lo := env(e.indexFrom); lo != "" {
				first, err := strconv.Atoi(strings.TrimSpace(lo))
				if err != nil {
					return 0, 0, "", fmt.Errorf("grade: --shard auto: %s=%q is not a number (%s)", e.indexFrom, lo, e.name)
				}
				idx -= first
			}
		}
		count := shards
		if count == 0 {
			c := env(e.count)
			if c == "" {
				return 0, 0, "", fmt.Errorf("grade: --shard auto: %s is set (%s) but not how many shards there are: set %s or give --shards N", e.index, e.name, e.count)
			}
			if count, err = strconv.Atoi(strings.TrimSpace(c)); err != nil {
				return 0, 0, "", fmt.Errorf("grade: --shard auto: %s=%q is not a number (%s)", e.count, c, e.name)
			}
		}
		if count < 1 || idx < 0 || idx >= count {
			return 0, 0, "", fmt.Errorf("grade: --shard auto: index %d of %d shards from %s (%s): want 0 <= index < count", idx, count, e.index, e.name)
		}
		return idx + 1, count, fmt.Sprintf("%s (%s=%s)", e.name, e.index, raw), nil
	}
	var names []string
	for _, e := range shardEngines {
		names = append(names, e.index+" ("+e.name+")")
	}
	return 0, 0, "", fmt.Errorf("grade: --shard auto: none of %s is set; give --shard i/n instead", strings.Join(names, ", "))
}
