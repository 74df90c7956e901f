package selectorspec_test

import (
	"os"
	"strconv"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/impl/selector"
	"github.com/echospec/echospec/selectorspec"
)

// TestSelectorspec runs the SEL properties against every backend of this
// platform; all must pass SEL-1 to SEL-11, and SEL-12's observations are
// shown as report entries. ECHOSPEC_PATIENCE scales the deadlines.
func TestSelectorspec(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "selectorspec")
}

var patience = func() float64 {
	f, err := strconv.ParseFloat(os.Getenv("ECHOSPEC_PATIENCE"), 64)
	if err != nil || f <= 0 {
		return 1
	}
	return f
}()

var _ = Describe("selectorspec", func() {
	It("has a backend to check on this platform", func() {
		Expect(selector.Backends()).NotTo(BeEmpty())
	})
	It("lists SEL-1 to SEL-12 in order", func() {
		ids := []string{}
		for _, p := range selectorspec.Properties() {
			ids = append(ids, p.ID)
			Expect(p.Requirement).NotTo(BeEmpty())
		}
		Expect(ids).To(Equal([]string{"SEL-1", "SEL-2", "SEL-3", "SEL-4", "SEL-5", "SEL-6",
			"SEL-7", "SEL-8", "SEL-9", "SEL-10", "SEL-11", "SEL-12"}))
	})

	for _, name := range selector.Backends() {
		selectorspec.DescribeBackend(name, func() (selector.Selector, error) { return selector.Open(name) },
			selectorspec.WithPatience(patience))
	}
})
