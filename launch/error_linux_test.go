package launch

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestStartErrorCarriesHeadlineAndTail(t *testing.T) {
	_, err := start(t, "import sys; print('line one', file=sys.stderr); print('boom: bad port', file=sys.stderr); sys.exit(3)", 5*time.Second)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Start = %#v; want a *launch.Error", err)
	}
	if want := "t: the server exited with status 3 before listening on port "; !strings.HasPrefix(e.Headline, want) ||
		!strings.HasSuffix(e.Headline, ` (last printed: "boom: bad port")`) || strings.Contains(e.Headline, "\n") {
		t.Errorf("Headline = %q; want one line, %q..., with the last line printed", e.Headline, want)
	}
	if e.Stream != "stderr" || e.Tail != "line one\nboom: bad port" {
		t.Errorf("Stream, Tail = %q, %q; want stderr and its two lines", e.Stream, e.Tail)
	}
	if want := e.Headline + "; its stderr ends with:\n    | line one\n    | boom: bad port"; err.Error() != want {
		t.Errorf("Error() = %q; want %q", err.Error(), want)
	}
}

func TestBuildErrorCarriesHeadlineAndTail(t *testing.T) {
	err := Build(context.Background(), "t", t.TempDir(), []string{"sh", "-c", "echo compiling; echo 'x.c:1: error' >&2; exit 2"}, nil, 10*time.Second, "build in x")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Build = %#v; want a *launch.Error", err)
	}
	if want := `t: the build "sh -c echo compiling; echo 'x.c:1: error' >&2; exit 2" failed (exited with status 2)`; e.Headline != want {
		t.Errorf("Headline = %q; want %q", e.Headline, want)
	}
	if e.Stream != "output" || !strings.Contains(e.Tail, "x.c:1: error") {
		t.Errorf("Stream, Tail = %q, %q; want the build's output", e.Stream, e.Tail)
	}
}

func TestInterruptedStartWrapsTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	_, err = Start(ctx, Options{Name: "t", Dir: t.TempDir(), Argv: []string{"sleep", "30"}, Host: "127.0.0.1", Port: port, ReadyTimeout: 5 * time.Second, Source: "test"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Start with a cancelled context = %v; want it to wrap context.Canceled", err)
	}
}
