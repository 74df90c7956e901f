//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/echospec/echospec/tools/echoload/report"
)

// loadSpec is one echoload invocation.
type loadSpec struct {
	Conns   int
	Sizes   []int
	Window  time.Duration
	Warmup  time.Duration
	Count   int64 // -n; 0: by duration
	Depth   int
	Observe bool // pass -server
}

// args is the echoload command line for spec against s.
func (l loadSpec) args(s *server) []string {
	sizes := make([]string, len(l.Sizes))
	for i, n := range l.Sizes {
		sizes[i] = strconv.Itoa(n)
	}
	a := []string{"-addr", s.addr(), "-c", strconv.Itoa(l.Conns), "-size", strings.Join(sizes, ","),
		"-d", l.Window.String(), "-depth", strconv.Itoa(max(l.Depth, 1))}
	if l.Warmup > 0 {
		a = append(a, "-warmup", l.Warmup.String())
	}
	if l.Count > 0 {
		a = append(a, "-n", strconv.FormatInt(l.Count, 10))
	}
	if l.Observe {
		a = append(a, "-server", strconv.Itoa(s.srv.PID))
	}
	return a
}

// display is the echoload command as a person would type it.
func (l loadSpec) display(s *server) string {
	a := l.args(s)
	for i := range a {
		if a[i] == "-server" {
			a[i+1] = "$SERVER_PID"
		}
		if a[i] == "-addr" {
			a[i+1] = "127.0.0.1:9090"
		}
	}
	return "GOMAXPROCS=1 taskset -c " + clientCPU + " echoload " + strings.Join(a, " ")
}

// runEchoload runs echoload, pinned to the client CPU, against s. A run
// that the server fails still returns what echoload measured, with the
// error.
func runEchoload(ctx context.Context, exe string, s *server, l loadSpec) (*report.Output, error) {
	if err := s.alive(); err != nil {
		return nil, err
	}
	// Generous: dialing, each size's warm-up, window and drain.
	limit := 30*time.Second + time.Duration(len(l.Sizes))*(l.Warmup+l.Window+20*time.Second)
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	argv := append([]string{"-c", clientCPU, exe}, l.args(s)...)
	argv = append(argv, "--json", "-progress", "off")
	cmd := exec.CommandContext(ctx, "taskset", argv...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var out report.Output
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("%s: echoload %s: %v; %s", s.Name, strings.Join(l.args(s), " "), runErr, lastLine(stderr.String()))
	}
	if out.Error != "" {
		return &out, fmt.Errorf("%s: %s", s.Name, out.Error)
	}
	if runErr != nil {
		return &out, fmt.Errorf("%s: echoload: %v; %s", s.Name, runErr, lastLine(stderr.String()))
	}
	return &out, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
