package wfecmd

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// signalContext is cancelled on SIGINT or SIGTERM. SIGPIPE is ignored, so
// a write to a closed pipe (`wfe demo | head -1`) fails with an error the
// command sees, instead of killing the process before it cleans up.
func signalContext(parent context.Context) (context.Context, context.CancelFunc) {
	signal.Ignore(syscall.SIGPIPE)
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}
