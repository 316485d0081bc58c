package mailimport_test

import (
	"errors"
	"testing"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store/storetest"
)

// A run that stops after a commit, before the move, reports the mails it
// committed although it moved (and so accounted) none of them.
func TestCommittedCountsARunStoppedBeforeItsMove(t *testing.T) {
	e := newEnv(t, storetest.Open(t), mailtest.IMAPOptions{})
	e.appendRaw(numberedMails(5)...)
	deps := e.deps()
	deps.Fault = func(point string) error {
		if point == mailimport.FaultAfterCommit {
			return errCrash
		}
		return nil
	}
	p := &mailimport.Pipeline{Deps: deps, Mapper: mailimport.IncomingMapper{}}
	res, err := p.Run(e.ctx, mailimport.Request{Config: e.cfg, RunAs: e.emp, BatchSize: 3})
	if !errors.Is(err, errCrash) {
		t.Fatalf("run: %v", err)
	}
	if res.Committed != 3 || res.Imported != 0 || res.Moved != 0 || len(e.activities()) != 3 {
		t.Fatalf("committed %d, imported %d, moved %d, %d activities; want 3, 0, 0, 3", res.Committed, res.Imported, res.Moved, len(e.activities()))
	}
	p.Deps.Fault = nil
	res, err = p.Run(e.ctx, mailimport.Request{Config: e.cfg, RunAs: e.emp, BatchSize: 3})
	if err != nil || res.Committed != 2 || res.Imported != 2 || res.Recovered != 3 {
		t.Fatalf("next run: %v %+v", err, res)
	}
}
