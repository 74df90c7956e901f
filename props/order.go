package props

import (
	"slices"
	"strings"
)

// InOrder returns ids sorted as the catalogue lists them (ECHO-2 before
// ECHO-5 before LIFE-1, whatever the numbers' digits), unknown IDs last
// by name.
func InOrder(ids []string) []string {
	rank := map[string]int{}
	for i, p := range catalogue {
		rank[p.ID] = i
	}
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b string) int {
		ra, oka := rank[a]
		rb, okb := rank[b]
		switch {
		case oka && okb:
			return ra - rb
		case oka:
			return -1
		case okb:
			return 1
		}
		return strings.Compare(a, b)
	})
	return out
}
