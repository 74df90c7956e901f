package props

import "testing"

// The course is the tutorial: what a server does past its descriptor
// limit (the cap family) is beyond it, and everything else is taught
// (../shared/PROPERTIES.md, "CAP — past the limit").
func TestAdvisoryIsWhatTheTutorialDoesNotTeach(t *testing.T) {
	for _, p := range All() {
		if want := p.Family == "cap"; p.Advisory() != want {
			t.Errorf("%s (family %s): Advisory() = %v; want %v", p.ID, p.Family, p.Advisory(), want)
		}
	}
}
