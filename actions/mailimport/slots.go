package mailimport

import (
	"context"
	"net"
	"runtime"
	"strings"
	"sync"

	"github.com/wfehq/wfe/store"
)

// DefaultPerServer is the number of configurations of one IMAP server
// imported at the same time unless told otherwise. Each import uses up to
// two connections (fetch and move); servers commonly allow 10-20 per
// client address.
const DefaultPerServer = 4

// DefaultParallel is the number of configurations imported at the same
// time unless told otherwise: an import mostly waits for the network and
// the database, so twice the CPUs, at least 4.
func DefaultParallel() int {
	return max(4, 2*runtime.NumCPU())
}

func (o ImportOptions) parallel() int {
	if o.Parallel > 0 {
		return o.Parallel
	}
	return DefaultParallel()
}

func (o ImportOptions) perServer() int {
	if o.PerServer > 0 {
		return o.PerServer
	}
	return DefaultPerServer
}

// ServerKey names the IMAP server of a configuration for the per-server
// limit: its host and port, lower case.
func ServerKey(cfg *store.MailConfig) string {
	addr := strings.ToLower(strings.TrimSpace(cfg.IMAPAddr))
	if host, port, err := net.SplitHostPort(addr); err == nil {
		return net.JoinHostPort(host, port)
	}
	return addr
}

// slots bounds concurrent imports: a global limit and one per server.
// A configuration first waits for its server's slot, then for a global
// one, so that configurations queued behind a busy server hold no global
// slot while they wait.
type slots struct {
	global    chan struct{}
	perServer int

	mu      sync.Mutex
	servers map[string]chan struct{}
}

func newSlots(global, perServer int) *slots {
	return &slots{global: make(chan struct{}, global), perServer: perServer, servers: map[string]chan struct{}{}}
}

func (s *slots) server(key string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.servers[key]
	if !ok {
		ch = make(chan struct{}, s.perServer)
		s.servers[key] = ch
	}
	return ch
}

// acquire waits for a slot of server key and a global one; release gives
// both back. It fails only when ctx ends first.
func (s *slots) acquire(ctx context.Context, key string) (release func(), err error) {
	srv := s.server(key)
	select {
	case srv <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case s.global <- struct{}{}:
	case <-ctx.Done():
		<-srv
		return nil, ctx.Err()
	}
	return func() {
		<-s.global
		<-srv
	}, nil
}

// progressSum turns the progress of concurrent imports into one:
// done and total summed over the configurations that reported so far.
type progressSum struct {
	report func(done, total int)

	mu          sync.Mutex
	done, total []int
}

func newProgressSum(report func(done, total int), n int) *progressSum {
	return &progressSum{report: report, done: make([]int, n), total: make([]int, n)}
}

// slot is the progress callback of configuration i (nil when nobody
// listens).
func (p *progressSum) slot(i int) func(done, total int) {
	if p.report == nil {
		return nil
	}
	return func(done, total int) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.done[i], p.total[i] = done, total
		var d, t int
		for j := range p.done {
			d += p.done[j]
			t += p.total[j]
		}
		p.report(d, t)
	}
}
