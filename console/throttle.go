package console

import (
	"sync"
	"time"
)

// ThrottleConfig bounds failed sign-ins: after Failures failures within
// Window for one user name, or for one client address, further attempts
// are refused until the window has passed.
type ThrottleConfig struct {
	Failures int           // default 5
	Window   time.Duration // default 15 minutes
}

// throttle counts failed sign-ins per key ("user:NAME", "addr:IP") in
// memory. Every node throttles on its own; with several nodes an attacker
// gets Failures tries per node, still far too few to guess a password.
type throttle struct {
	cfg ThrottleConfig
	now func() time.Time

	mu       sync.Mutex
	failures map[string][]time.Time
}

func newThrottle(cfg ThrottleConfig, now func() time.Time) *throttle {
	if cfg.Failures <= 0 {
		cfg.Failures = 5
	}
	if cfg.Window <= 0 {
		cfg.Window = 15 * time.Minute
	}
	return &throttle{cfg: cfg, now: now, failures: map[string][]time.Time{}}
}

// blocked reports whether any key has used up its failures, and how long
// until the oldest of them leaves the window.
func (t *throttle) blocked(keys ...string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var wait time.Duration
	for _, k := range keys {
		recent := t.recent(k, now)
		if len(recent) >= t.cfg.Failures {
			wait = max(wait, recent[0].Add(t.cfg.Window).Sub(now))
		}
	}
	return wait > 0, wait
}

// fail notes a failed sign-in for every key.
func (t *throttle) fail(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, k := range keys {
		t.failures[k] = append(t.recent(k, now), now)
	}
	if len(t.failures) > 10000 { // forget idle keys
		for k := range t.failures {
			if len(t.recent(k, now)) == 0 {
				delete(t.failures, k)
			}
		}
	}
}

// succeed forgets the failures of the user name that signed in.
func (t *throttle) succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, key)
}

// recent is a key's failures inside the window (t.mu held).
func (t *throttle) recent(key string, now time.Time) []time.Time {
	fs := t.failures[key]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= t.cfg.Window {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(t.failures, key)
		return nil
	}
	t.failures[key] = fs
	return fs
}
