package mailimport_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// A committed batch is moved while the next batch is mapped: the Mapper of
// the second batch's first mail waits until the first batch has left the
// inbox, which happens only if the move runs on its own, and sees that the
// first batch is not yet accounted (its progress comes after the move).
func TestMoveOverlapsNextBatch(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{})
	raws := numberedMails(6)
	e.appendRaw(raws...)
	var mu sync.Mutex
	var progress []int
	mapper := mailimport.MapperFunc(func(ctx context.Context, in *mailimport.Input) (mailimport.Decision, error) {
		if in.UID == 4 {
			deadline := time.Now().Add(10 * time.Second)
			for len(e.inbox()) != 3 {
				if time.Now().After(deadline) {
					return mailimport.Decision{}, fmt.Errorf("batch 1 was not moved while batch 2 was mapped: %d mails in the inbox", len(e.inbox()))
				}
				time.Sleep(5 * time.Millisecond)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(progress) != 0 {
				return mailimport.Decision{}, fmt.Errorf("progress %v reported before batch 2 was committed", progress)
			}
		}
		return mailimport.IncomingMapper{}.Map(ctx, in)
	})
	deps := e.deps()
	deps.Progress = func(done, total int) {
		mu.Lock()
		progress = append(progress, done)
		mu.Unlock()
	}
	p := &mailimport.Pipeline{Deps: deps, Mapper: mapper}
	res, err := p.Run(e.ctx, mailimport.Request{Config: e.cfg, RunAs: e.emp, BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 6 {
		t.Fatalf("%s", res.Summary())
	}
	if fmt.Sprint(progress) != "[3 6]" {
		t.Errorf("progress %v, want [3 6]", progress)
	}
	for i, m := range res.Mails {
		if m.UID != uint32(i+1) || m.Folder != importDir {
			t.Errorf("result mail %d: UID %d folder %q", i, m.UID, m.Folder)
		}
	}
	checkExactlyOnce(t, e, raws)
}

// When the commit of a batch fails while the batch before it is being
// moved, that move is finished (and the batch accounted) before the run
// returns the error; the failed batch stays in the inbox.
func TestCommitFailureFinishesMove(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{})
	raws := numberedMails(6)
	e.appendRaw(raws...)
	mapper := mailimport.MapperFunc(func(ctx context.Context, in *mailimport.Input) (mailimport.Decision, error) {
		if in.UID == 5 {
			return mailimport.Decision{}, fmt.Errorf("mapper refuses UID 5")
		}
		return mailimport.IncomingMapper{}.Map(ctx, in)
	})
	p := &mailimport.Pipeline{Deps: e.deps(), Mapper: mapper}
	res, err := p.Run(e.ctx, mailimport.Request{Config: e.cfg, RunAs: e.emp, BatchSize: 3})
	if err == nil || !strings.Contains(err.Error(), "mapper refuses UID 5") {
		t.Fatalf("run: %v", err)
	}
	if res.Imported != 3 || len(res.Mails) != 3 {
		t.Fatalf("result after the failure: %s", res.Summary())
	}
	if n := len(e.folder(importDir)); n != 3 {
		t.Errorf("%d mails in the import folder, want batch 1's 3", n)
	}
	if n := len(e.inbox()); n != 3 {
		t.Errorf("%d mails in the inbox, want batch 2's 3", n)
	}
	if n := len(e.activities()); n != 3 {
		t.Errorf("%d activities, want 3", n)
	}
}

// A run looks up each address's contacts once: a contact added while the
// run goes on links the mails of the next run, not the rest of this one.
func TestContactLookupsRememberedForTheRun(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{})
	const sender = "neu@kunde-neu.example"
	for i := range 4 {
		e.appendRaw(simpleMail(sender, "info@firma.example", fmt.Sprintf("Anfrage %d", i), fmt.Sprintf("neu-%d@kunde-neu.example", i), "Text"))
	}
	added := false
	mapper := mailimport.MapperFunc(func(ctx context.Context, in *mailimport.Input) (mailimport.Decision, error) {
		d, err := mailimport.IncomingMapper{}.Map(ctx, in)
		if err == nil && !added {
			added = true
			p := &store.BusinessPartner{Name: "Neukunde GmbH"}
			if err := st.CreatePartner(ctx, p); err != nil {
				return d, err
			}
			if err := st.CreateContact(ctx, &store.Contact{PartnerID: p.ID, LastName: "Neu", Email: sender}); err != nil {
				return d, err
			}
		}
		return d, err
	})
	p := &mailimport.Pipeline{Deps: e.deps(), Mapper: mapper}
	res, err := p.Run(e.ctx, mailimport.Request{Config: e.cfg, RunAs: e.emp, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Mails {
		if len(m.Contacts) != 1 || !strings.Contains(m.Contacts[0], "no contact") {
			t.Errorf("UID %d of the first run: %v, want the sender without a contact", m.UID, m.Contacts)
		}
	}
	e.appendRaw(simpleMail(sender, "info@firma.example", "Nachtrag", "neu-9@kunde-neu.example", "Text"))
	res, err = e.importOnce(false, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Mails) != 1 || len(res.Mails[0].Contacts) != 1 || !strings.Contains(res.Mails[0].Contacts[0], "Neu") {
		t.Fatalf("next run: %+v, want the new contact linked", res.Mails)
	}
}

// A run lists the first imported mails one by one and only counts the
// rest, so its result does not grow with the mailbox; the counts and the
// activity ids stay complete, and mails not imported are always listed.
func TestResultListsImportedMailsUpToALimit(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{})
	raws := numberedMails(7)
	raws = append(raws, []byte("not a mail at all"))
	e.appendRaw(raws...)
	deps := e.deps()
	deps.MaxImportedListed = 3
	rs, err := mailimport.ImportAll(e.ctx, deps, runAsLogin, mailimport.ImportOptions{MatchCode: matchCode, BatchSize: 3})
	if err != nil || len(rs) != 1 {
		t.Fatalf("%d results: %v", len(rs), err)
	}
	res := &rs[0]
	if res.Imported != 7 || len(res.ActivityIDs) != 7 || res.Quarantined != 1 || res.Moved != 8 {
		t.Fatalf("%s; %d activity ids, %d moved", res.Summary(), len(res.ActivityIDs), res.Moved)
	}
	if res.ImportedNotListed != 4 || len(res.Mails) != 4 {
		t.Fatalf("%d mails listed, %d not listed; want 3 imported and the quarantined one listed, 4 not", len(res.Mails), res.ImportedNotListed)
	}
	if last := res.Mails[3]; last.UID != 8 || last.Outcome != store.OutcomeQuarantined {
		t.Fatalf("last listed %+v, want the quarantined UID 8", last)
	}
	if !strings.Contains(res.Summary(), "4 imported mails not listed") {
		t.Errorf("summary %q does not say what is not listed", res.Summary())
	}
}

// A server that allows one connection per user refuses the move
// connection: the mails are moved on the fetch connection between two
// fetches, the run record says so, and the refused login locks nothing.
func TestMovesShareTheFetchConnectionWhenASecondIsRefused(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{MaxSessions: 1})
	raws := numberedMails(7)
	e.appendRaw(raws...)
	var lines []string
	var mu sync.Mutex
	p := &mailimport.Pipeline{Deps: e.deps(), Mapper: mailimport.IncomingMapper{}}
	res, err := p.Run(e.ctx, mailimport.Request{Config: e.cfg, RunAs: e.emp, BatchSize: 3, Logf: func(f string, a ...any) {
		mu.Lock()
		lines = append(lines, fmt.Sprintf(f, a...))
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 7 || res.Moved != 7 {
		t.Fatalf("%s", res.Summary())
	}
	checkExactlyOnce(t, e, raws)
	if n := e.srv.LoginAttempts(); n != 2 {
		t.Errorf("%d login attempts, want 2 (the move connection once)", n)
	}
	found := false
	for _, l := range lines {
		found = found || strings.Contains(l, "moved on the fetch connection") && strings.Contains(l, "mail_max_userip_connections")
	}
	if !found {
		t.Errorf("run record %q does not say the moves share the fetch connection", lines)
	}
	cfg, err := st.GetMailConfig(e.ctx, e.cfg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AutoLocked || cfg.IsLocked {
		t.Errorf("the refused second login locked the configuration: %+v", cfg)
	}
}

// The fetch stage runs at most one batch ahead of the commit: while the
// Mapper sees batch k, at most batches 1 to k+1 were fetched, even when
// the commit is slow, so at most three batches of parsed mails are in
// memory (fetched, committed, moved).
func TestFetchAtMostOneBatchAhead(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{})
	raws := numberedMails(6)
	e.appendRaw(raws...)
	var mu sync.Mutex
	fetched := 0
	mapper := mailimport.MapperFunc(func(ctx context.Context, in *mailimport.Input) (mailimport.Decision, error) {
		time.Sleep(50 * time.Millisecond) // a slow commit stage: the fetch would run ahead
		mu.Lock()
		n := fetched
		mu.Unlock()
		if batch := int(in.UID); n > batch+1 {
			return mailimport.Decision{}, fmt.Errorf("batch %d mapped with %d batches fetched", batch, n)
		}
		return mailimport.IncomingMapper{}.Map(ctx, in)
	})
	deps := e.deps()
	deps.Fault = func(point string) error {
		if point == mailimport.FaultFetched {
			mu.Lock()
			fetched++
			mu.Unlock()
		}
		return nil
	}
	p := &mailimport.Pipeline{Deps: deps, Mapper: mapper}
	res, err := p.Run(e.ctx, mailimport.Request{Config: e.cfg, RunAs: e.emp, BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 6 || fetched != 6 {
		t.Fatalf("%s; %d batches fetched", res.Summary(), fetched)
	}
	checkExactlyOnce(t, e, raws)
}
