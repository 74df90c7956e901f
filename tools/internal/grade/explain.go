package grade

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/echospec/echospec/diagnose"
)

// Explanation says how one submission's score came about: what each
// property that cost points cost, why each property that was not counted
// was left out, and the root causes the diagnosis found behind its
// failures. report.html and summary.md show it per submission.
type Explanation struct {
	// Losses are the properties that cost points, in catalogue order;
	// their Cents add up to max_points minus the score, exactly.
	Losses []Loss
	// Scored is how many properties carry points: the score is over them.
	Scored int
	// NotCounted are the properties left out of the score, grouped by
	// why: n.a. for the model, skipped with a reason, not judged (under
	// not_judged = "not_counted"), advisory (weighing 0 in the rubric).
	NotCounted []NotCounted
	// Causes are the root causes named in the failures' headlines, once
	// each, with the IDs each explains; CauseOf is an ID's cause number
	// (from 1) in Causes.
	Causes  []Cause
	CauseOf map[string]int
}

// Loss is what one property cost a submission. ID is "" for a submission
// of which nothing was counted (its manifest did not load): the whole of
// max_points is then lost to Why.
type Loss struct {
	ID          string
	Requirement string
	Outcome     Outcome
	// Why is the failure's headline without its cause, the setup's words
	// (not judged), the runs (unstable) or the time-out.
	Why string
	// Cents is the points lost in hundredths, rounded so that the
	// submission's losses add up to what it lost.
	Cents int64
	// Cause is the number (from 1) of the root cause in
	// Explanation.Causes behind this loss; 0 for none.
	Cause int
}

// Points is the points lost, as every output shows them.
func (l Loss) Points() string { return points(float64(l.Cents) / 100) }

// NotCounted is a group of properties left out of a submission's score
// for one reason.
type NotCounted struct {
	Kind string // "n.a.", "skipped", "not judged", "advisory" (or another outcome the rubric leaves out)
	Why  string // the reason, in words
	IDs  []string
}

// Cause is one root cause behind a submission's failures.
type Cause struct {
	Line string   // what was seen, in the rubric's language
	Hint string   // what to do, for the submission's model; "" if none
	IDs  []string // the failures it explains, catalogue order
}

// The kinds of NotCounted, in the order the outputs list them; a kind not
// listed (an outcome the rubric leaves out) comes last.
var notCountedKinds = []string{"n.a.", "skipped", string(NotJudged), "advisory"}

// explain works out g's Explanation under r.
func explain(r *Rubric, g Grade) Explanation {
	var e Explanation
	var raw []float64 // each loss's points lost, unrounded
	groups := map[string]*NotCounted{}
	var order []string // the groups' keys, in the order first seen
	causeNo := map[string]int{}
	for _, l := range g.Lines {
		// The cause of every failure shown, advisory ones included: the
		// report points each at its cause.
		head, _, _ := strings.Cut(orText(l.Detail, l.Why), "\n")
		head, cause := diagnose.SplitCause(g.Sub.unprefixed(head))
		if cause != "" && l.Outcome != Passed && l.Outcome != NA && l.Outcome != Skipped {
			key := diagnose.Group(cause)
			if causeNo[key] == 0 {
				e.Causes = append(e.Causes, Cause{Line: diagnose.Translate(cause, r.Lang), Hint: diagnose.HintOf(cause, g.Sub.Model, r.Lang)})
				causeNo[key] = len(e.Causes)
			}
			c := &e.Causes[causeNo[key]-1]
			c.IDs = append(c.IDs, l.Prop.ID)
			if e.CauseOf == nil {
				e.CauseOf = map[string]int{}
			}
			e.CauseOf[l.Prop.ID] = causeNo[key]
		}
		kind, why := "", ""
		switch {
		case g.Sub.Model == "":
			continue // nothing applies: one loss below says why
		case l.Outcome == NA:
			kind, why = "n.a.", fmt.Sprintf("does not apply to the %s model", describeModel(g.Sub))
		case l.Outcome == Skipped:
			kind, why = "skipped", g.Sub.unprefixed(l.Why)
		case r.Weight(l.Prop) == 0:
			kind, why = "advisory", fmt.Sprintf("weighs 0 in the rubric; %s", l.Outcome)
		case !l.Outcome.counted(r):
			kind, why = string(l.Outcome), g.Sub.unprefixed(l.Why)
		}
		if kind != "" {
			k := kind + "\x00" + why
			if groups[k] == nil {
				groups[k] = &NotCounted{Kind: kind, Why: why}
				order = append(order, k)
			}
			groups[k].IDs = append(groups[k].IDs, l.Prop.ID)
			continue
		}
		if l.Max > 0 {
			e.Scored++
		}
		lost := l.Max - l.Points
		if l.Outcome == Passed || lost <= 0 {
			continue // passed, or unstable and scored as passed
		}
		loss := Loss{ID: l.Prop.ID, Requirement: l.Prop.Requirement, Outcome: l.Outcome, Why: head, Cause: e.CauseOf[l.Prop.ID]}
		switch l.Outcome {
		case Unstable:
			loss.Why = l.Runs.String() + "; a failing run said: " + head
		case TimedOut:
			loss.Why = l.Why
		}
		raw = append(raw, lost)
		e.Losses = append(e.Losses, loss)
	}
	for _, k := range order {
		e.NotCounted = append(e.NotCounted, *groups[k])
	}
	rank := func(kind string) int {
		if i := slices.Index(notCountedKinds, kind); i >= 0 {
			return i
		}
		return len(notCountedKinds)
	}
	slices.SortStableFunc(e.NotCounted, func(a, b NotCounted) int { return cmp.Compare(rank(a.Kind), rank(b.Kind)) })
	if e.Scored == 0 {
		// Nothing carries points, so the score is 0 and no property
		// explains it: the submission's own reason does.
		why := g.Sub.Reason()
		if why == "" {
			why = "no property was counted, so nothing could earn points"
		}
		e.Losses = []Loss{{Outcome: Failed, Why: why}}
		raw = []float64{g.MaxPoints}
	}
	distributeCents(e.Losses, raw, cents(g.MaxPoints)-cents(g.Score))
	return e
}

// NotCountedIDs is how many properties e leaves out.
func (e Explanation) NotCountedIDs() int {
	n := 0
	for _, nc := range e.NotCounted {
		n += len(nc.IDs)
	}
	return n
}

// LostCents is the sum of e's losses, in hundredths.
func (e Explanation) LostCents() int64 {
	var sum int64
	for _, l := range e.Losses {
		sum += l.Cents
	}
	return sum
}

// cents is x in hundredths, rounded.
func cents(x float64) int64 { return int64(math.Round(x * 100)) }

// distributeCents sets each loss's Cents from raw (its points lost,
// unrounded) so that they add up to want: each rounded down, then the
// cents still missing go to the largest remainders (or, if rounding the
// score went the other way, come off the smallest), as the largest
// remainder method apportions seats.
func distributeCents(losses []Loss, raw []float64, want int64) {
	if len(losses) == 0 {
		return
	}
	frac := make([]float64, len(losses))
	var sum int64
	for i := range losses {
		c := raw[i] * 100
		losses[i].Cents = int64(math.Floor(c + 1e-6))
		frac[i] = c - float64(losses[i].Cents)
		sum += losses[i].Cents
	}
	order := make([]int, len(losses))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(frac[b], frac[a]) })
	for k := 0; sum < want; k = (k + 1) % len(order) {
		losses[order[k]].Cents++
		sum++
	}
	for k := len(order) - 1; sum > want && k >= 0; k-- {
		if losses[order[k]].Cents > 0 {
			losses[order[k]].Cents--
			sum--
		}
	}
}

// Bin is one bar of the class's histogram: the submissions whose score
// is at least Low and below High (at most High for the last bin).
type Bin struct {
	Low, High float64
	Names     []string
}

// Label is the bin's range in words: "90–100".
func (b Bin) Label() string { return points(b.Low) + "–" + points(b.High) }

// histogramBins is the number of bars: tenths of max_points.
const histogramBins = 10

// histogram sorts the class's scores into tenths of max, lowest first;
// a full score goes into the last bin.
func histogram(maxPoints float64, gs []Grade) []Bin {
	bins := make([]Bin, histogramBins)
	for i := range bins {
		bins[i].Low = maxPoints * float64(i) / histogramBins
		bins[i].High = maxPoints * float64(i+1) / histogramBins
	}
	whole := cents(maxPoints)
	for _, g := range gs {
		i := 0
		if whole > 0 {
			i = int(cents(g.Score) * histogramBins / whole)
		}
		i = min(max(i, 0), histogramBins-1)
		bins[i].Names = append(bins[i].Names, g.Sub.Name)
	}
	return bins
}
