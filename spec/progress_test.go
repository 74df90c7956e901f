package spec_test

import (
	"encoding/json"
	"flag"
	"os"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/echospec/echospec/props"
)

// progressFD, if set, is a descriptor the suite writes its progress to,
// one JSON object a line: how many specs will run, then each spec as it
// starts and ends. tools/check draws its live line from it.
var progressFD = flag.Int("progress-fd", 0, "write progress events, one JSON line each, to this open file descriptor (tools/check reads them)")

// Progress is one event on --progress-fd. Event is "suite" (Total specs
// will run), "start" or "end" (Index of Total, with State at the end:
// Ginkgo's state, or "not judged" for a spec whose setup failed).
type Progress struct {
	Event   string  `json:"event"`
	Total   int     `json:"total,omitempty"`
	Index   int     `json:"index,omitempty"`
	Target  string  `json:"target,omitempty"`
	ID      string  `json:"id,omitempty"`
	Family  string  `json:"family,omitempty"`
	State   string  `json:"state,omitempty"`
	Seconds float64 `json:"seconds,omitempty"`
	// Every, at an end, is the one reason that fails every spec of the
	// target (its build, its start, or a root cause seen before any spec):
	// a reader says it once instead of once per spec.
	Every string `json:"every,omitempty"`
}

var progress struct {
	sync.Mutex
	enc          *json.Encoder
	total, index int
}

func emit(p Progress) {
	progress.Lock()
	defer progress.Unlock()
	if *progressFD <= 0 {
		return
	}
	if progress.enc == nil {
		// Not handed on to the servers the suite starts: one of them
		// holding it would keep check's reader waiting, and count
		// against a server's descriptor limit.
		closeOnExec(*progressFD)
		progress.enc = json.NewEncoder(os.NewFile(uintptr(*progressFD), "progress"))
	}
	_ = progress.enc.Encode(p) // a reader that went away costs the run nothing
}

var _ = ReportBeforeSuite(func(r Report) {
	progress.total = r.PreRunStats.SpecsThatWillRun
	emit(Progress{Event: "suite", Total: progress.total})
})

var _ = ReportBeforeEach(func(s SpecReport) {
	if s.State.Is(types.SpecStateSkipped | types.SpecStatePending) {
		return // filtered out: it will not run
	}
	progress.index++
	emit(Progress{Event: "start", Total: progress.total, Index: progress.index, Target: labelValue(s.Labels(), "target:"),
		ID: props.IDFromLabels(s.Labels()), Family: labelValue(s.Labels(), "family:")})
})

var _ = ReportAfterEach(func(s SpecReport) {
	if s.StartTime.IsZero() || s.State.Is(types.SpecStatePending) {
		return
	}
	if s.State.Is(types.SpecStateSkipped) && s.Failure.Message == "" {
		return // filtered out
	}
	state := s.State.String()
	if s.State.Is(types.SpecStateFailureStates) && notJudged(s) {
		state = "not judged" // its setup failed
	}
	emit(Progress{Event: "end", Total: progress.total, Index: progress.index, Target: labelValue(s.Labels(), "target:"),
		ID: props.IDFromLabels(s.Labels()), Family: labelValue(s.Labels(), "family:"), State: state,
		Seconds: s.RunTime.Round(time.Millisecond).Seconds(), Every: builds[labelValue(s.Labels(), "target:")].Reason})
})
