package check

import (
	"fmt"
	"io"
	"sync"

	"github.com/echospec/echospec/detail"
	"github.com/echospec/echospec/launch"
	"github.com/echospec/echospec/props"
)

var sandboxSaid sync.Once

// sandboxNote says, once per run of check, which of the sandbox's layers
// this machine cannot give and what that means for the server.
func sandboxNote(w io.Writer, l props.Lang) {
	sandboxSaid.Do(func() {
		for _, layer := range launch.Layers() {
			if layer.Missing != "" {
				fmt.Fprintln(w, msg(l, "sandbox-missing", msg(l, "layer-"+layer.Name), detail.Line(layer.Missing, l)))
			}
		}
	})
}
