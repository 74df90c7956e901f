package grade

import (
	"fmt"
	"os"
	"strings"

	"github.com/echospec/echospec/launch"
)

// sandboxOK refuses to grade where a submission could reach beyond
// itself (no user, file or process layer), unless the teacher said they
// know (--unsandboxed); a missing memory or disk layer is said once.
func sandboxOK(unsandboxed bool) error {
	var missing []string
	for _, l := range launch.Layers() {
		if l.Missing == "" {
			continue
		}
		switch l.Name {
		case "user", "files", "processes":
			missing = append(missing, fmt.Sprintf("  %s: %s", l.Name, l.Missing))
		default:
			fmt.Fprintf(os.Stderr, "grade: no %s layer: %s\n", l.Name, l.Missing)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if unsandboxed {
		fmt.Fprintf(os.Stderr, "grade: --unsandboxed: every submission runs as your user and sees your files:\n%s\n", strings.Join(missing, "\n"))
		return nil
	}
	return fmt.Errorf("grade: this machine cannot keep each submission to itself:\n%s\nrun as root, or allow user namespaces; or, only where each submission is isolated already (a container per submission), pass --unsandboxed", strings.Join(missing, "\n"))
}
