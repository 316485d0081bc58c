package mailimport

import (
	"context"
	"errors"
	"time"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
)

// ErrNoImport is returned by Push without PushOptions.Import.
var ErrNoImport = errors.New("push: no import function given")

// Push watches, until ctx ends, the inbox of every usable configuration
// flagged both "import automatically" and "push" with IMAP IDLE (not those
// read over Microsoft Graph), and
// imports new mail within seconds (RFC 2177). The configurations are read
// again every opts.Reload: a new or changed one gets a new watcher, a
// removed, locked or unflagged one loses its watcher. A configuration
// whose server offers no IDLE, or whose connection dropped, is polled by
// the timer meanwhile; opts.State is told which. When ctx ends, every
// watcher stops and is reported polled.
func Push(ctx context.Context, deps Deps, opts PushOptions) error {
	if deps.Store == nil {
		return engine.Permanent(ErrNoStore)
	}
	if opts.Import == nil {
		return engine.Permanent(ErrNoImport)
	}
	running := map[int64]*watching{}
	defer func() {
		for _, r := range running {
			r.stop()
			if opts.State != nil {
				opts.State(r.cfg, store.PushPolled, "serve stopped")
			}
		}
	}()
	tick := time.NewTicker(orDefault(opts.Reload, DefaultPushReload))
	defer tick.Stop()
	for {
		if err := reconcile(ctx, deps, opts, running); err != nil {
			deps.logger().Warn("mail push: read the configurations to watch", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// watching is a running watcher.
type watching struct {
	cfg     *store.MailConfig
	updated time.Time
	cancel  context.CancelFunc
	done    chan struct{}
}

func (r *watching) stop() {
	r.cancel()
	<-r.done
}

// reconcile starts and stops watchers so that exactly the current push
// configurations are watched, each as it is stored now.
func reconcile(ctx context.Context, deps Deps, opts PushOptions, running map[int64]*watching) error {
	cfgs, err := deps.Store.AutoImportMailConfigs(ctx)
	if err != nil {
		return err
	}
	emp, err := ResolveEmployee(ctx, deps.Store, opts.RunAs)
	if err != nil {
		return err
	}
	want := map[int64]bool{}
	for i := range cfgs {
		cfg := &cfgs[i]
		// a mailbox read over Microsoft Graph has no IMAP IDLE: the
		// timer polls it
		if !cfg.Push || usesGraph(cfg) {
			continue
		}
		want[cfg.ID] = true
		if r, ok := running[cfg.ID]; ok && r.updated.Equal(cfg.UpdatedAt) {
			continue
		} else if ok {
			r.stop()
		}
		running[cfg.ID] = startWatcher(ctx, &watcher{deps: deps, cfg: cfg, emp: emp, opts: opts})
	}
	for id, r := range running {
		if !want[id] {
			r.stop()
			delete(running, id)
			if opts.State != nil {
				opts.State(r.cfg, store.PushPolled, "push is off for this configuration")
			}
		}
	}
	return nil
}

func startWatcher(ctx context.Context, w *watcher) *watching {
	wctx, cancel := context.WithCancel(ctx)
	r := &watching{cfg: w.cfg, updated: w.cfg.UpdatedAt, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		w.run(wctx)
	}()
	return r
}
