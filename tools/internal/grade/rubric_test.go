package grade

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/echospec/echospec/props"
)

func TestDefaultRubricParses(t *testing.T) {
	r, err := parseRubric(DefaultRubricFile, defaultRubric)
	if err != nil {
		t.Fatal(err)
	}
	if r.MaxPoints != 100 {
		t.Errorf("default max_points = %v; want 100", r.MaxPoints)
	}
	for _, f := range props.Families {
		advisory := true
		for _, p := range props.All() {
			if p.Family == f.Name && !p.Advisory() {
				advisory = false
			}
		}
		_, listed := r.Families[f.Name]
		switch {
		case advisory && listed:
			t.Errorf("the default rubric weighs family %q, which the tutorial does not teach (its properties are props.Advisory): leave it out, so it weighs 0 by default", f.Name)
		case advisory && !strings.Contains(defaultRubric, "# "+f.Name+":"):
			t.Errorf("the default rubric does not name the advisory family %q in a comment; a teacher must see how to turn it on", f.Name)
		case !advisory && !listed:
			t.Errorf("the default rubric gives family %q no weight; list every family the course teaches, so a teacher sees them all", f.Name)
		}
	}
	if w := r.Weight(props.Get("CAP-3")); w != 0 {
		t.Errorf("default Weight(CAP-3) = %v; want 0: an advisory property weighs nothing unless the rubric names it", w)
	}
	if w := r.Weight(props.Get("ECHO-4")); w != 4 {
		t.Errorf("default Weight(ECHO-4) = %v; want its [ids] override, 4", w)
	}
	if w := r.Weight(props.Get("ECHO-1")); w != 3 {
		t.Errorf("default Weight(ECHO-1) = %v; want the echo family's 3", w)
	}
}

func TestBadRubricNamesFileAndKey(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"unknown family", "[families]\nech = 2\n", `my.toml: key "families.ech"`},
		{"unknown id", "[ids]\n\"ECHO-99\" = 2\n", `my.toml: key "ids.ECHO-99"`},
		{"negative weight", "[ids]\n\"ECHO-1\" = -1\n", `my.toml: key "ids.ECHO-1" = -1`},
		{"wrong type", "[families]\necho = \"three\"\n", `my.toml:2: key "families.echo"`},
		{"unknown key", "max_point = 10\n", `my.toml: unknown key "max_point"`},
		{"zero max", "max_points = 0\n", `my.toml: key "max_points" = 0`},
		{"syntax", "[families\necho = 1\n", `my.toml:2:`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseRubric("my.toml", c.text)
			if err == nil {
				t.Fatalf("parseRubric(%q) = nil error; want one starting %q", c.text, c.want)
			}
			if !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("parseRubric(%q) = %q; want it to start %q", c.text, err, c.want)
			}
		})
	}
}

func TestIntegerWeightsAndDefaults(t *testing.T) {
	r, err := parseRubric("r.toml", "max_points = 10\n[families]\necho = 2\nlife = 0\n[ids]\n\"ECHO-2\" = 5.5\n")
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]float64{"ECHO-1": 2, "ECHO-2": 5.5, "LIFE-1": 0, "RESET-1": 1} {
		if got := r.Weight(props.Get(id)); got != want {
			t.Errorf("Weight(%s) = %v; want %v", id, got, want)
		}
	}
}

func byName(subs []*Submission, name string) *Submission {
	for _, s := range subs {
		if s.Name == name {
			return s
		}
	}
	panic("no canned submission " + name)
}

func lineOf(g Grade, id string) Line {
	for _, l := range g.Lines {
		if l.Prop.ID == id {
			return l
		}
	}
	panic("no line " + id)
}

func TestScoring(t *testing.T) {
	r, err := parseRubric("r.toml", "max_points = 100\n[families]\necho = 2\nlife = 1\nreset = 1\nserial = 1\nconc = 1\npool = 1\nmodel = 1\nidle = 1\nproc = 1\n")
	if err != nil {
		t.Fatal(err)
	}
	subs := canned()

	t.Run("correct", func(t *testing.T) {
		g := r.Grade(byName(subs, "alice"))
		if g.Score != 100 {
			t.Errorf("alice: score %v; want 100", g.Score)
		}
		if l := lineOf(g, "SERIAL-1"); l.Outcome != NA || l.Max != 0 {
			t.Errorf("alice SERIAL-1 = %s worth %v; a multithread server is not checked for it: want n.a., worth 0", l.Outcome, l.Max)
		}
	})
	t.Run("n.a. not counted", func(t *testing.T) {
		// bob (multiplex, select) fails ECHO-4 only. Counted, by this
		// rubric's weights: ECHO 5×2, LIFE 4×1, RESET 4×1, CONC 5×1,
		// MODEL-6 1, IDLE 2×1, PROC 2×1 = 28; CAP 4×0, advisory and not
		// named. SERIAL, POOL and the other MODEL properties do not apply
		// and must not dilute the loss.
		g := r.Grade(byName(subs, "bob"))
		want := round2(100 * 26.0 / 28.0)
		if g.Score != want {
			t.Errorf("bob: score %v; want 100×26/28 = %v", g.Score, want)
		}
		l := lineOf(g, "ECHO-4")
		if l.Outcome != Failed || l.Points != 0 || math.Abs(l.Max-100*2.0/28) > 1e-9 {
			t.Errorf("bob ECHO-4 = %s, %v of %v; want failed, 0 of %v", l.Outcome, l.Points, l.Max, 100*2.0/28)
		}
		if l := lineOf(g, "CAP-1"); l.Outcome != Passed || l.Max != 0 || !l.Advice {
			t.Errorf("bob CAP-1 = %s worth %v (advice %v); want passed, shown, worth 0 as advice", l.Outcome, l.Max, l.Advice)
		}
	})
	t.Run("skipped not counted", func(t *testing.T) {
		g := r.Grade(byName(subs, "dave"))
		if g.Score != 100 {
			t.Errorf("dave: score %v; IDLE-1 was skipped for a reason and must not cost points: want 100", g.Score)
		}
		if l := lineOf(g, "IDLE-1"); l.Outcome != Skipped || l.Why == "" || l.Max != 0 {
			t.Errorf("dave IDLE-1 = %s (%q) worth %v; want skipped with its reason, worth 0", l.Outcome, l.Why, l.Max)
		}
	})
	t.Run("could not start", func(t *testing.T) {
		n := len(applicable("single", 0, ""))
		if g := r.Grade(byName(subs, "erin")); g.Score != 0 || g.Counts("")[Failed] != n {
			t.Errorf("erin: score %v with %d failed; want 0 with all %d single-model properties failed", g.Score, g.Counts("")[Failed], n)
		}
	})
	t.Run("manifest does not load", func(t *testing.T) {
		g := r.Grade(byName(subs, "frank"))
		if g.Score != 0 || g.MaxPoints != 100 || g.Counts("")[NA] != len(props.All()) {
			t.Errorf("frank: %v/%v, counts %v; want 0/100 with nothing counted", g.Score, g.MaxPoints, g.Counts(""))
		}
	})
	t.Run("missing outcome fails", func(t *testing.T) {
		s := *byName(subs, "alice")
		s.Verdict.Passed = s.Verdict.Passed[1:] // ECHO-1 has no outcome
		if l := lineOf(r.Grade(&s), "ECHO-1"); l.Outcome != Failed {
			t.Errorf("a property with no outcome is %s; want failed: zero for what could not run", l.Outcome)
		}
	})
	t.Run("weights sum to max", func(t *testing.T) {
		for _, s := range subs[:5] {
			sum := 0.0
			for _, l := range r.Grade(s).Lines {
				sum += l.Max
			}
			if math.Abs(sum-100) > 1e-9 {
				t.Errorf("%s: counted properties are worth %v together; want max_points, 100", s.Name, sum)
			}
		}
	})
}

func TestPoints(t *testing.T) {
	for x, want := range map[float64]string{100: "100", 92.3076923: "92.31", 0: "0", 87.5: "87.5", -0.0001: "0"} {
		if got := points(x); got != want {
			t.Errorf("points(%v) = %q; want %q", x, got, want)
		}
	}
}

// An advisory property (beyond the course) weighs 0 unless the rubric
// names it, by ID or family; then it scores like any other.
func TestAdvisoryWeighsNothingUntilNamed(t *testing.T) {
	s := *byName(canned(), "alice")
	s.Verdict.Passed = slices.DeleteFunc(slices.Clone(s.Verdict.Passed), func(id string) bool { return id == "CAP-3" })
	s.Verdict.Failed = []string{"CAP-3"}
	s.Verdict.Why = map[string]string{"CAP-3": "the server ended during this spec"}
	for _, c := range []struct {
		rubric string
		full   bool
	}{
		{"", true},
		{"[families]\nlife = 0\n", true},
		{"[families]\ncap = 2\n", false},
		{"[ids]\n\"CAP-3\" = 1\n", false},
		{"[families]\ncap = 0\n", true},
	} {
		r, err := parseRubric("r.toml", c.rubric)
		if err != nil {
			t.Fatal(err)
		}
		g := r.Grade(&s)
		l := lineOf(g, "CAP-3")
		if c.full {
			if g.Score != 100 || !l.Advised() || g.Faults() != "" || g.Issues() != "advice (no points): CAP-3" {
				t.Errorf("rubric %q: %v/100, CAP-3 advised %v, faults %q, issues %q; want 100, CAP-3 as advice only", c.rubric, g.Score, l.Advised(), g.Faults(), g.Issues())
			}
			continue
		}
		if g.Score >= 100 || l.Advice || g.Faults() != "CAP-3" {
			t.Errorf("rubric %q: %v/100, CAP-3 advice %v, faults %q; want CAP-3 to cost points", c.rubric, g.Score, l.Advice, g.Faults())
		}
	}
}
