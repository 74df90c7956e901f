package selectorspec_test

import (
	"fmt"
	"testing"

	"github.com/echospec/echospec/impl/selector"
	"github.com/echospec/echospec/selectorspec"
)

// The plain-testing helper, as a backend's own package would call it.
func TestWithTestingHelper(t *testing.T) {
	selectorspec.Test(t, selector.New, selectorspec.WithPatience(patience))
}

// Check works outside tests too, e.g. in a tool that vets a port: here it
// checks the select backend, whose descriptor limit (FD_SETSIZE) it knows
// by the backend's name. A backend that misbehaves prints one line per
// misbehaviour instead, each starting with its ID. res.Info holds the
// SEL-12 observations, which differ from one OS to another.
func ExampleCheck() {
	open := func() (selector.Selector, error) { return selector.Open("select") }
	res, err := selectorspec.Check(open, selectorspec.WithPatience(patience))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Backend + ": no misbehaviour")
	// Output: select: no misbehaviour
}
