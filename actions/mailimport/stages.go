package mailimport

import (
	"context"
	"fmt"

	"github.com/wfehq/wfe/actions/mailconn"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
)

// stages imports uids in batches with three stages: a goroutine fetches,
// spools and parses batch after batch (fetchBatches) on r.c; this one runs
// the Mapper and commits (commitBatch); and the batch committed before is
// moved meanwhile on a second connection (startMove), after which this
// goroutine accounts it and runs its follow-ups (finish). The fetched
// batches pass over an unbuffered channel, so at most three are held: one
// being fetched (or fetched and waiting to be handed on), one being
// committed and one being moved. The fetch stage starts the next batch
// when this one takes the fetched one, so fetching still overlaps the
// commit; a batch more in between held another 200 parsed mails (1-2 MiB
// of heap, doubled by the garbage collector's target: peak RSS at 10,000
// mails 53.0-53.7 MiB with one, 50.0-51.2 without) and gave no speed.
// Mapper, result and follow-ups stay in this goroutine, in UID order.
//
// When the commit stage fails, the move under way is finished, the fetch
// stage stopped and its batch discarded before stages returns. When the
// fetch stage fails, the batches it handed on are committed and moved
// first, as a failing batch of a sequential import would leave the
// earlier ones done.
func (r *run) stages(ctx context.Context, uids []uint32) error {
	fctx, stop := context.WithCancel(ctx)
	fetched := make(chan *batch)
	done := make(chan struct{})
	var fetchErr error
	go func() {
		defer close(done)
		fetchErr = r.fetchBatches(fctx, uids, fetched)
		close(fetched)
	}()
	defer func() {
		stop()
		<-done
		// batches fetched ahead and never committed
		for b := range fetched {
			b.discard()
		}
	}()
	var moving *moveJob
	finish := func() error {
		if moving == nil {
			return nil
		}
		err := r.finish(ctx, moving)
		if err == nil && r.p.Deps.Progress != nil {
			r.p.Deps.Progress(moving.b.end, len(uids))
		}
		moving = nil
		return err
	}
	for b := range fetched {
		move, err := r.commitBatch(ctx, b)
		// the batch before has moved meanwhile (or failed to)
		if ferr := finish(); err == nil {
			err = ferr
		}
		if err != nil {
			b.discard()
			return err
		}
		if !move {
			b.discard()
			if r.p.Deps.Progress != nil {
				r.p.Deps.Progress(b.end, len(uids))
			}
			continue
		}
		moving = r.startMove(ctx, b)
	}
	if err := finish(); err != nil {
		return err
	}
	// fetched is closed: fetchErr is set
	return fetchErr
}

// moveJob is a committed batch being moved by its own goroutine.
type moveJob struct {
	b    *batch
	done chan error
}

// startMove moves the committed batch b on the move connection while the
// caller commits the next one.
func (r *run) startMove(ctx context.Context, b *batch) *moveJob {
	j := &moveJob{b: b, done: make(chan error, 1)}
	go func() { j.done <- r.move(ctx, b.msgs) }()
	return j
}

// finish waits for j's move; once the batch has left the folder it is
// accounted and its follow-ups run. The batch is discarded either way.
func (r *run) finish(ctx context.Context, j *moveJob) error {
	defer j.b.discard()
	err := <-j.done
	if r.moveNote != "" {
		r.logf("warning: %s", r.moveNote)
		r.moveNote = ""
	}
	if err != nil {
		return err
	}
	for _, m := range j.b.msgs {
		r.account(m)
	}
	for _, m := range j.b.msgs {
		if m.dec.AfterCommit == nil || (m.out.Outcome != store.OutcomeImported && m.out.Outcome != OutcomeSkipped) {
			continue
		}
		if err := m.dec.AfterCommit(ctx, m.out.ActivityID); err != nil {
			r.logf("warning: UID %d (%s): follow-up after import failed: %v", m.uid, m.out.Subject, err)
			r.p.Deps.logger().Warn("mail import: follow-up failed", "match_code", r.req.Config.MatchCode, "uid", m.uid, "err", err)
		}
	}
	return nil
}

// move moves the batch's messages, one command per destination folder.
func (r *run) move(ctx context.Context, msgs []*msg) error {
	byDest := map[string][]uint32{}
	var dests []string
	for _, m := range msgs {
		if m.dest == "" || m.out.Outcome == OutcomeLeft {
			continue
		}
		if _, ok := byDest[m.dest]; !ok {
			dests = append(dests, m.dest)
		}
		byDest[m.dest] = append(byDest[m.dest], m.uid)
	}
	for _, d := range dests {
		c, shared, err := r.mover(ctx)
		if err == nil {
			if shared {
				r.connMu.Lock()
			}
			err = c.Move(ctx, byDest[d], d)
			if shared {
				r.connMu.Unlock()
			}
		}
		if err != nil {
			return fmt.Errorf("mail configuration %s: committed %d message(s) but could not move them from %q (the next run moves them): %w",
				r.req.Config.MatchCode, len(byDest[d]), r.req.Folder, err)
		}
	}
	for _, m := range msgs {
		if m.dest != "" && m.out.Outcome != OutcomeLeft {
			m.out.Folder = m.dest
		}
	}
	return nil
}

// mover returns the connection the batches' messages are moved on, opening
// it at the first move: a second connection, so that a move does not wait
// for the fetch of the next batch on the first. It must see the folder
// with the UIDVALIDITY the UIDs were read under; otherwise the UIDs name
// other messages, and nothing is moved (the next run finds what was
// committed in the ledger by content and moves it).
//
// A source that fetches and moves at the same time (Graph) moves on the
// fetch source. A server that refuses the second connection (a limit of connections per
// user, say) gets the moves on the fetch connection, between two fetches
// (shared): slower, but the run goes on. The refused login does not lock
// the configuration: the first one showed the credentials are good.
func (r *run) mover(ctx context.Context) (src Source, shared bool, err error) {
	if r.mc != nil {
		return r.mc, false, nil
	}
	if r.moveShared {
		return r.c, true, nil
	}
	if r.concurrent {
		return r.c, false, nil
	}
	dial := r.dial
	dial.NoLock = true
	c, err := mailconn.DialIMAP(ctx, r.st, r.req.Config, r.req.RunAs, dial)
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		r.moveShared = true
		r.moveNote = fmt.Sprintf("a second connection for moving was refused, the mails are moved on the fetch connection between fetches: %v", err)
		r.p.Deps.logger().Warn("mail import: moving on the fetch connection", "match_code", r.req.Config.MatchCode, "err", err)
		return r.c, true, nil
	}
	status, err := c.Select(ctx, r.req.Folder)
	if err == nil && status.UIDValidity != r.uidValidity {
		err = engine.Retryable(fmt.Errorf("the UIDVALIDITY of %q changed from %d to %d during the import", r.req.Folder, r.uidValidity, status.UIDValidity))
	}
	if err != nil {
		logout(ctx, imapSource{c})
		return nil, false, err
	}
	r.mc = imapSource{c}
	return r.mc, false, nil
}
