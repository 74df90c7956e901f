package check

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
)

// list writes the catalogue: per family, each property's ID, the models
// it applies to (and when: with or without a pool, with one mechanism)
// and its requirement, in l.
func list(w io.Writer, l props.Lang) {
	for _, f := range props.Families {
		fmt.Fprintf(w, "%s — %s\n", f.Name, props.FamilyTitle(f.Name, l))
		for _, p := range props.All() {
			if p.Family != f.Name {
				continue
			}
			q := p.In(l)
			fmt.Fprintf(w, "  %-9s %s\n", p.ID, q.Requirement)
			fmt.Fprintf(w, "  %-9s %s%s\n", "", label(l, "list-applies"), applies(l, p))
			if p.Advisory() {
				fmt.Fprintf(w, "  %-9s %s\n", "", msg(l, "list-advisory"))
			}
		}
		fmt.Fprintln(w)
	}
}

// applies names the models p applies to, with its conditions.
func applies(l props.Lang, p props.Property) string {
	names := strings.Split(msg(l, "model-names"), "|")
	var ms []string
	for _, m := range p.Models {
		if i := slices.Index(manifest.Models, m); i >= 0 && i < len(names) {
			m = names[i]
		}
		ms = append(ms, m)
	}
	s := strings.Join(ms, ", ")
	if len(p.Models) == len(manifest.Models) {
		s = msg(l, "list-every")
	}
	var cond []string
	switch p.Pooled {
	case "only":
		cond = append(cond, msg(l, "list-pool-only"))
	case "none":
		cond = append(cond, msg(l, "list-no-pool"))
	}
	if m := p.Mechanism(); m != "" {
		cond = append(cond, msg(l, "list-mech", m))
	}
	if len(cond) > 0 {
		s += "; " + strings.Join(cond, ", ")
	}
	return s
}
