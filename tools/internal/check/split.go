package check

import (
	"context"
	"strings"
	"sync"

	"github.com/echospec/echospec/props"
)

// splitMin is the fewest properties worth two suites at once: each
// starts its own process and builds the server once.
const splitMin = 4

// idFilter is the label filter that runs exactly ids.
func idFilter(ids []string) string {
	terms := make([]string, len(ids))
	for i, id := range ids {
		terms[i] = "id:" + id
	}
	return strings.Join(terms, " || ")
}

// ids are the IDs of ps.
func ids(ps []props.Property) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// runSplit runs the properties of ids as two suites at once when there
// are enough of them and the server takes the port it is given (two
// servers on one fixed port would take it from each other), and merges
// their verdicts; otherwise as one. The specs mostly wait (idle windows,
// timeouts a server must survive), so two at a time on two cores take
// about half as long; each spec still has a server of its own.
func (j job) runSplit(ctx context.Context, ids []string, split bool, on func(event)) result {
	if !split || len(ids) < splitMin {
		one := j
		one.filter = idFilter(ids)
		return one.run(ctx, on)
	}
	// Dealt in catalogue order, so that each half gets its share of every
	// family (the slow ones, IDLE, RESET and CAP, are families).
	var halves [2][]string
	for i, id := range ids {
		halves[i%2] = append(halves[i%2], id)
	}
	var mu sync.Mutex
	started := 0
	totals := [2]int{len(halves[0]), len(halves[1])}
	index := map[[2]int]int{} // (half, its spec's index) → the run's
	var rs [2]result
	var wg sync.WaitGroup
	for k := range halves {
		half := j
		half.filter = idFilter(halves[k])
		wg.Go(func() {
			rs[k] = half.run(ctx, func(e event) {
				mu.Lock()
				defer mu.Unlock()
				totals[k] = e.Total
				key := [2]int{k, e.Index}
				if _, ok := index[key]; !ok {
					started++
					index[key] = started
				}
				e.Index, e.Total = index[key], totals[0]+totals[1]
				on(e)
			})
		})
	}
	wg.Wait()
	a, b := rs[0], rs[1]
	elapsed := max(a.elapsed, b.elapsed)
	switch {
	case a.v == nil:
		return a
	case b.v == nil:
		return b
	case a.v.Reason != "":
		return a
	case b.v.Reason != "":
		return b
	}
	return result{v: mergeVerdicts(a.v, b.v), log: a.log + b.log, elapsed: elapsed}
}
