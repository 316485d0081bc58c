// Package pacer retries remote calls the way a server asks: a connector
// gives every call to Pacer.Do together with its own decision function,
// which looks at the response alone (status, Retry-After, transport error)
// and says whether to retry and how long the server asked to wait. The
// pacer waits that long (capped), or backs off exponentially with full
// jitter when the server named no time, and gives up after MaxAttempts.
package pacer

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Decision is a connector's verdict on one response.
type Decision struct {
	Retry bool
	// Wait is how long the server asked to wait (Retry-After); zero means
	// "back off by the pacer's own schedule".
	Wait time.Duration
}

// ShouldRetry decides from one call's outcome whether to try again.
type ShouldRetry func(resp *http.Response, err error) Decision

// Pacer paces the calls of one connector. The zero value is not usable;
// use New.
type Pacer struct {
	MinBackoff  time.Duration // first backoff without Retry-After
	MaxBackoff  time.Duration // cap of the exponential backoff
	MaxWait     time.Duration // cap of a server-named wait
	MaxAttempts int           // calls in all, the first included
	// Sleep waits d or until ctx ends; tests replace it to record waits.
	Sleep func(ctx context.Context, d time.Duration) error
}

// New returns a pacer with the defaults: 200 ms first backoff, 30 s
// backoff cap, 2 minutes at most for a Retry-After, 8 attempts.
func New() *Pacer {
	return &Pacer{
		MinBackoff:  200 * time.Millisecond,
		MaxBackoff:  30 * time.Second,
		MaxWait:     2 * time.Minute,
		MaxAttempts: 8,
		Sleep:       SleepContext,
	}
}

// SleepContext waits d or until ctx is done.
func SleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Do calls call until should says no retry or the attempts are used up,
// and returns the last outcome. A response that is retried has its body
// drained and closed; the returned one is the caller's to close. A call
// that builds a request must build it afresh each time (bodies are read).
func (p *Pacer) Do(ctx context.Context, should ShouldRetry, call func() (*http.Response, error)) (*http.Response, error) {
	for attempt := 1; ; attempt++ {
		resp, err := call()
		d := should(resp, err)
		if !d.Retry || attempt >= p.MaxAttempts || ctx.Err() != nil {
			return resp, err
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if err := p.Sleep(ctx, p.wait(d, attempt)); err != nil {
			return nil, err
		}
	}
}

// Pause waits before attempt+1 of a call whose attempt-th try the server
// answered with d; connectors that retry parts of a request (the
// sub-requests of a batch) use it between their own tries.
func (p *Pacer) Pause(ctx context.Context, d Decision, attempt int) error {
	return p.Sleep(ctx, p.wait(d, attempt))
}

// wait is the pause before the next attempt: the server's wait capped by
// MaxWait, or an exponential backoff with full jitter capped by MaxBackoff.
func (p *Pacer) wait(d Decision, attempt int) time.Duration {
	if d.Wait > 0 {
		return min(d.Wait, p.MaxWait)
	}
	backoff := p.MinBackoff << min(attempt-1, 20)
	if backoff <= 0 || backoff > p.MaxBackoff {
		backoff = p.MaxBackoff
	}
	return backoff/2 + rand.N(backoff/2+1)
}

// RetryAfter reads a Retry-After header (seconds or an HTTP date) as a
// duration from now; zero when absent or unreadable.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
