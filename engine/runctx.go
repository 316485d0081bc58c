package engine

import (
	"context"
	"errors"
	"sync"
	"time"
)

// errRunEnded is the cause of a run context once its run has returned.
var errRunEnded = errors.New("the run has ended")

// runCtx is the context actions see: the caller's context with the run
// deadline, ended when the run ends. It is a complete context.Context
// (also after the run: Done is then closed and Err is context.Canceled,
// with errRunEnded as cause). The timer behind the deadline is only set up
// when something asks for Done or Value (any action doing I/O does); quick
// actions never pay for it. Err reports the deadline also without a timer.
type runCtx struct {
	parent   context.Context
	deadline time.Time

	mu     sync.Mutex
	inner  context.Context // nil until Done or Value is asked
	cancel context.CancelCauseFunc
	cause  error // why the run context ended early (nil while it runs)
}

var _ context.Context = (*runCtx)(nil)

func newRunCtx(parent context.Context, deadline time.Time) *runCtx {
	return &runCtx{parent: parent, deadline: deadline}
}

// ctx returns the context behind c, setting it up at the first call.
func (c *runCtx) ctx() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inner == nil {
		d, stopTimer := context.WithDeadline(c.parent, c.deadline)
		inner, cancel := context.WithCancelCause(d)
		c.inner = inner
		c.cancel = func(cause error) { cancel(cause); stopTimer() }
		if c.cause != nil {
			c.cancel(c.cause)
		}
	}
	return c.inner
}

func (c *runCtx) Deadline() (time.Time, bool) {
	if d, ok := c.parent.Deadline(); ok && d.Before(c.deadline) {
		return d, true
	}
	return c.deadline, true
}

func (c *runCtx) Done() <-chan struct{} { return c.ctx().Done() }

func (c *runCtx) Value(key any) any { return c.ctx().Value(key) }

func (c *runCtx) Err() error { return c.errAt(time.Now()) }

// errAt is Err with the clock read by the caller.
func (c *runCtx) errAt(now time.Time) error {
	c.mu.Lock()
	inner, cause := c.inner, c.cause
	c.mu.Unlock()
	if inner != nil {
		return inner.Err()
	}
	if err := c.parent.Err(); err != nil {
		return err
	}
	if !now.Before(c.deadline) {
		return context.DeadlineExceeded
	}
	if cause != nil {
		return context.Canceled
	}
	return nil
}

// end ends the context with cause (the first cause given wins) and
// releases its timer, if one was set up.
func (c *runCtx) end(cause error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cause == nil {
		c.cause = cause
	}
	if c.cancel != nil {
		c.cancel(c.cause)
	}
}

// endedEarly returns the cause given to end, or nil.
func (c *runCtx) endedEarly() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cause
}

// stop ends the context when the run returns.
func (c *runCtx) stop() { c.end(errRunEnded) }
