package graph

import (
	"context"
	"strings"
	"sync"
)

// mailboxSlots limits the requests in flight for one mailbox. Graph
// refuses more than 4 concurrent requests per mailbox, whichever app
// object sends them, so every Connector of the process for the same
// mailbox shares one.
type mailboxSlots struct {
	mu   sync.Mutex
	free int
	wake chan struct{} // closed and replaced whenever slots are released
}

var (
	slotsMu   sync.Mutex
	slotsByMB = map[string]*mailboxSlots{}
)

// slotsFor returns the shared slots of a mailbox, or slots of its own for
// a Connector that does not name its mailbox.
func slotsFor(base, mailbox string) *mailboxSlots {
	if mailbox == "" {
		return &mailboxSlots{free: MaxInFlight, wake: make(chan struct{})}
	}
	key := base + "\x00" + strings.ToLower(mailbox)
	slotsMu.Lock()
	defer slotsMu.Unlock()
	s := slotsByMB[key]
	if s == nil {
		s = &mailboxSlots{free: MaxInFlight, wake: make(chan struct{})}
		slotsByMB[key] = s
	}
	return s
}

// acquire takes n slots at once (n ≤ MaxInFlight), waiting until they are
// free or ctx ends.
func (s *mailboxSlots) acquire(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		if s.free >= n {
			s.free -= n
			s.mu.Unlock()
			return nil
		}
		wake := s.wake
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		}
	}
}

func (s *mailboxSlots) release(n int) {
	s.mu.Lock()
	s.free += n
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
}
