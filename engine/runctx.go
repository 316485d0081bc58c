package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// runCtx is the context actions see: the caller's context with the run
// deadline. The timer behind the deadline is only set up when something
// asks for Done (any action doing I/O does); quick actions never pay for
// it. Err reports the deadline also without a timer.
type runCtx struct {
	parent   context.Context
	deadline time.Time
	once     sync.Once
	started  atomic.Bool
	inner    context.Context
	cancel   context.CancelFunc
}

var _ context.Context = (*runCtx)(nil)

func newRunCtx(parent context.Context, deadline time.Time) *runCtx {
	return &runCtx{parent: parent, deadline: deadline}
}

func (c *runCtx) start() {
	c.once.Do(func() {
		c.inner, c.cancel = context.WithDeadline(c.parent, c.deadline)
		c.started.Store(true)
	})
}

func (c *runCtx) Deadline() (time.Time, bool) {
	if d, ok := c.parent.Deadline(); ok && d.Before(c.deadline) {
		return d, true
	}
	return c.deadline, true
}

func (c *runCtx) Done() <-chan struct{} {
	c.start()
	return c.inner.Done()
}

func (c *runCtx) Err() error { return c.errAt(time.Now()) }

// errAt is Err with the clock read by the caller.
func (c *runCtx) errAt(now time.Time) error {
	if c.started.Load() {
		return c.inner.Err()
	}
	if err := c.parent.Err(); err != nil {
		return err
	}
	if !now.Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

func (c *runCtx) Value(key any) any {
	if c.started.Load() {
		return c.inner.Value(key)
	}
	return c.parent.Value(key)
}

// stop releases the timer, if one was set up.
func (c *runCtx) stop() {
	c.once.Do(func() {}) // no timer after this
	if c.cancel != nil {
		c.cancel()
	}
}
