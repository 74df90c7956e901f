package selectorspec

// Property is one checked behaviour of a selector backend.
type Property struct {
	// ID is stable ("SEL-1"): reports, labels and docs refer to it, and it
	// is never reused for another behaviour.
	ID string
	// Requirement is what a correct backend does, in one sentence.
	Requirement string
	// Informational is set for SEL-12: it records how the backend behaves
	// where platforms legitimately differ, and fails only if the backend
	// panics, hangs, or cannot be recovered with Unregister.
	Informational bool
}

// catalogue is the list of properties in report order, and the one place
// the SEL properties are written: docs/catalogue.md is generated from it
// (make docs), and props' test keeps its IDs apart from the suite's.
var catalogue = []Property{
	{ID: "SEL-1", Requirement: "a registered socket with room in its send buffer is reported writable on every Select, again and again (level-triggered)"},
	{ID: "SEL-2", Requirement: "write-readiness stops once the send buffer is full (the peer does not read) and returns after the peer drains it"},
	{ID: "SEL-3", Requirement: "read-readiness appears when data arrives and persists until the data is consumed"},
	{ID: "SEL-4", Requirement: "a peer's close is reported as readable, and the read then returns 0 bytes"},
	{ID: "SEL-5", Requirement: "a listening socket is readable when a connection waits to be accepted"},
	{ID: "SEL-6", Requirement: "the data given at Register comes back with each event; Modify changes events and data"},
	{ID: "SEL-7", Requirement: "Unregister stops events for that descriptor; unregistering an unknown descriptor, registering one twice, or registering with no events is an error, not a panic"},
	{ID: "SEL-8", Requirement: "timeouts: zero returns at once, a positive timeout waits about that long when nothing is ready, a negative one blocks until something is"},
	{ID: "SEL-9", Requirement: "Close releases the OS resources; every call after Close is an error"},
	{ID: "SEL-10", Requirement: "a descriptor beyond a backend's limit (select: FD_SETSIZE) is refused at Register"},
	{ID: "SEL-11", Requirement: "with 1,000 registered sockets, exactly the ready ones are reported"},
	{ID: "SEL-12", Requirement: "platform differences (a descriptor closed without Unregister, hang-up flags) are recorded per backend as informational results, not hidden", Informational: true},
}

// Properties lists the properties Check covers, in the order it checks
// and reports them. The slice is a copy: changing it changes nothing.
func Properties() []Property {
	return append([]Property(nil), catalogue...)
}

// lookup returns the property called id.
func lookup(id string) (Property, bool) {
	for _, p := range catalogue {
		if p.ID == id {
			return p, true
		}
	}
	return Property{}, false
}
