//go:build !linux

package observe

// Group is a process group to sample.
type Group struct{ PGID int }

// Open fails: there is no /proc here.
func Open(int) (*Group, error) { return nil, ErrUnsupported }

// CPU fails: there is no /proc here.
func (g *Group) CPU() (Sample, error) { return Sample{}, ErrUnsupported }

// Full fails: there is no /proc here.
func (g *Group) Full() (Sample, error) { return Sample{}, ErrUnsupported }

// Self fails: there is no /proc here.
func Self() (Sample, error) { return Sample{}, ErrUnsupported }
