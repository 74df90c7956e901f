package grade

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

// errStopped is the cause of a run cancelled by SIGTERM. A batch engine
// sends SIGTERM when a worker's time is up or it is cancelled (Slurm at
// --time and on scancel, Kubernetes at activeDeadlineSeconds or when the
// pod is deleted), then SIGKILL after a grace period (Slurm's KillWait,
// Kubernetes' terminationGracePeriodSeconds; 30 s by default in both).
// Unlike Ctrl-C, which writes nothing, grade then keeps what it reached:
// the suites running are stopped as at their own time limit, every
// verdict they reached stands, the rest is timed out, and the outputs are
// written before the SIGKILL.
var errStopped = errors.New("grade: stopped by SIGTERM")

// signalContext is cancelled by Ctrl-C or a closed terminal (SIGINT,
// SIGHUP: context.Canceled) or
// SIGTERM (errStopped, see context.Cause).
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		sig, ok := <-sigs
		switch {
		case !ok:
		case sig == syscall.SIGTERM:
			cancel(errStopped)
		default:
			cancel(context.Canceled)
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(sigs)
		cancel(nil)
	}
}

// stopped says whether ctx was cancelled by SIGTERM.
func stopped(ctx context.Context) bool { return errors.Is(context.Cause(ctx), errStopped) }
