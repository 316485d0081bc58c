package mailimport

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
)

// Import lease: runs against one mail configuration never overlap, on any
// node and from any workflow. Before it connects, the pipeline takes the
// lease "mailconfig:<id>" in the database, renews it while it works (its
// heartbeat) and gives it up at the end. A dry run changes nothing and
// takes no lease.
//
// The holder names its node, its run and its process (pid and host). A
// lease whose holder is gone is taken over at once instead of after
// LeaseTTL: when the holder's process ran on this host and is no longer
// alive, or when its heartbeat is stale (two renewals missed, whatever
// the host). A lease whose holder renews it still excludes, also when the
// holder runs on another node.
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
	return fmt.Sprintf("%s:%d", hostname(), os.Getpid())
}

// leaseHolderSep separates the node from the run part of a lease holder:
// two runs on one node are distinct holders, so they exclude each other.
const leaseHolderSep = " run "

// leaseProcSep separates the run from the holder's process, written as
// "pid@host".
const leaseProcSep = " pid "

// LeaseNode returns the node part of a lease holder.
func LeaseNode(holder string) string {
	n, _, _ := strings.Cut(holder, leaseHolderSep)
	return n
}

// LeaseHolderName is the holder text of a run: node, run id, and the
// process that holds the lease (pid on host).
func LeaseHolderName(node, runID string, pid int, host string) string {
	return fmt.Sprintf("%s%s%s%s%d@%s", node, leaseHolderSep, runID, leaseProcSep, pid, host)
}

// leaseProcess returns the pid and host a holder names; ok is false for a
// holder without them (written by an earlier wfe, or by hand).
func leaseProcess(holder string) (pid int, host string, ok bool) {
	_, proc, found := strings.Cut(holder, leaseProcSep)
	if !found {
		return 0, "", false
	}
	p, h, found := strings.Cut(proc, "@")
	pid, err := strconv.Atoi(p)
	if !found || err != nil || pid <= 0 || h == "" {
		return 0, "", false
	}
	return pid, h, true
}

// holderGone reports why the holder of a lease that expires at until is
// gone ("" when it may still be working): its process ran on this host
// and is dead, or it missed two renewals.
func holderGone(holder string, until time.Time) string {
	if pid, host, ok := leaseProcess(holder); ok && host == hostname() && pid != os.Getpid() && !processAlive(pid) {
		return fmt.Sprintf("process %d on this host is gone", pid)
	}
	if time.Until(until) < LeaseTTL-2*leaseRenewEvery {
		return "it stopped renewing the lease"
	}
	return ""
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "localhost"
	}
	return h
}

// takeLease takes the import lease of cfg. It returns a context that is
// cancelled when the lease is lost, and release, which stops the renewal
// and gives the lease up. A lease held elsewhere is a retryable
// ErrImportBusy naming the holder's node.
func (d Deps) takeLease(ctx context.Context, cfg *store.MailConfig) (context.Context, func(), error) {
	st, key := d.Store, LeaseKey(cfg.ID)
	holder := LeaseHolderName(d.node(), store.NewID()[:8], os.Getpid(), hostname())
	if err := d.acquireLease(ctx, cfg, key, holder); err != nil {
		return nil, nil, err
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

// acquireLease takes the lease key for holder, taking it over from a
// holder that is gone; a retryable ErrImportBusy naming the holder's node
// when another holder has it.
func (d Deps) acquireLease(ctx context.Context, cfg *store.MailConfig, key, holder string) error {
	st := d.Store
	ok, err := st.AcquireLease(ctx, key, holder, LeaseTTL)
	if err != nil {
		return engine.Retryable(fmt.Errorf("mail configuration %s: take the import lease: %w", cfg.MatchCode, err))
	}
	if ok {
		return nil
	}
	other, until, herr := st.LeaseHolder(ctx, key)
	if herr != nil { // released or expired just now: the next run gets it
		other, until = "another node", d.now()
	} else if why := holderGone(other, until); why != "" {
		ok, err := st.TakeOverLease(ctx, key, other, holder, LeaseTTL)
		if err != nil {
			return engine.Retryable(fmt.Errorf("mail configuration %s: take over the import lease: %w", cfg.MatchCode, err))
		}
		if ok {
			d.logger().Warn("mail import: took over the import lease of a holder that is gone",
				"match_code", cfg.MatchCode, "holder", other, "reason", why)
			return nil
		}
	}
	return engine.Retryable(fmt.Errorf("mail configuration %s is being imported by node %s (lease until %s); the next run picks it up: %w",
		cfg.MatchCode, LeaseNode(other), until.Format(time.RFC3339), ErrImportBusy))
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
