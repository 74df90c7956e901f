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

// Check works outside tests too, e.g. in a tool that vets a port.
func ExampleCheck() {
	open := func() (selector.Selector, error) { return selector.Open("select") }
	res, err := selectorspec.Check(open) // select's limit, FD_SETSIZE, is known by name
	if err != nil {
		fmt.Println(err) // one line per misbehaviour, each starting with its ID
	}
	fmt.Println(res.Backend, "passed", res.Passed, "skipped", res.Skipped)
	for _, line := range res.Info {
		fmt.Println(line) // SEL-12: how this backend reports closed descriptors and hang-ups
	}
}
