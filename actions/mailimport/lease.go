package mailimport

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
)

// Import lease: runs against one mail configuration never overlap, on any
// node and from any workflow. Before it connects, the pipeline takes the
// lease "mailconfig:<id>" in the database, renews it while it works and
// gives it up at the end; the lease of a node that died expires after
// LeaseTTL. A dry run changes nothing and takes no lease.
const (
	// LeaseTTL is how long a lease lasts without renewal.
	LeaseTTL = 60 * time.Second
	// leaseRenewEvery is how often a running import renews its lease.
	leaseRenewEvery = LeaseTTL / 3
)

// ErrImportBusy is wrapped (as a retryable error) when another run holds
// the configuration's lease, or when a running import lost it.
var ErrImportBusy = errors.New("mail configuration is being imported elsewhere")

// LeaseKey is the lease key of the mail configuration id.
func LeaseKey(mailConfigID int64) string { return fmt.Sprintf("mailconfig:%d", mailConfigID) }

// node names this process in leases ("" = hostname:pid).
func (d Deps) node() string {
	if d.Node != "" {
		return d.Node
	}
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "localhost"
	}
	return fmt.Sprintf("%s:%d", h, os.Getpid())
}

// leaseHolderSep separates the node from the run part of a lease holder:
// two runs on one node are distinct holders, so they exclude each other.
const leaseHolderSep = " run "

// LeaseNode returns the node part of a lease holder.
func LeaseNode(holder string) string {
	n, _, _ := strings.Cut(holder, leaseHolderSep)
	return n
}

// takeLease takes the import lease of cfg. It returns a context that is
// cancelled when the lease is lost, and release, which stops the renewal
// and gives the lease up. A lease held elsewhere is a retryable
// ErrImportBusy naming the holder's node.
func (d Deps) takeLease(ctx context.Context, cfg *store.MailConfig) (context.Context, func(), error) {
	st, key := d.Store, LeaseKey(cfg.ID)
	holder := d.node() + leaseHolderSep + store.NewID()[:8]
	ok, err := st.AcquireLease(ctx, key, holder, LeaseTTL)
	if err != nil {
		return nil, nil, engine.Retryable(fmt.Errorf("mail configuration %s: take the import lease: %w", cfg.MatchCode, err))
	}
	if !ok {
		other, until, herr := st.LeaseHolder(ctx, key)
		if herr != nil { // released or expired just now: the next run gets it
			other, until = "another node", d.now()
		}
		return nil, nil, engine.Retryable(fmt.Errorf("mail configuration %s is being imported by node %s (lease until %s); the next run picks it up: %w",
			cfg.MatchCode, LeaseNode(other), until.Format(time.RFC3339), ErrImportBusy))
	}
	lctx, cancel := context.WithCancelCause(ctx)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tk := time.NewTicker(leaseRenewEvery)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
			}
			rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), leaseRenewEvery)
			ok, err := st.RenewLease(rctx, key, holder, LeaseTTL)
			rcancel()
			switch {
			case err != nil: // the database may come back before the lease expires
				d.logger().Warn("mail import: renew the import lease", "match_code", cfg.MatchCode, "err", err)
			case !ok:
				cancel(engine.Retryable(fmt.Errorf("mail configuration %s: the import lease expired and may be held by another node now: %w",
					cfg.MatchCode, ErrImportBusy)))
				return
			}
		}
	}()
	release := func() {
		close(stop)
		<-stopped
		cancel(nil)
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer rcancel()
		if err := st.ReleaseLease(rctx, key, holder); err != nil {
			d.logger().Warn("mail import: release the import lease (it expires by itself)", "match_code", cfg.MatchCode, "err", err)
		}
	}
	return lctx, release, nil
}

// leaseLost returns the reason a lease context ended because the lease was
// lost, or err unchanged.
func leaseLost(lctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if cause := context.Cause(lctx); cause != nil && errors.Is(cause, ErrImportBusy) {
		return errors.Join(cause, err)
	}
	return err
}
