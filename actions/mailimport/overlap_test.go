package mailimport_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// fetchWatch is a Deps.Fault that counts the batches the fetch stage
// finished and lets a test wait for the n-th.
type fetchWatch struct {
	mu      sync.Mutex
	fetched int
	waiting map[int]chan struct{}
	fail    int   // fail at this FaultFetched (1-based; 0: never)
	err     error // returned there
}

func (w *fetchWatch) fault(point string) error {
	if point != mailimport.FaultFetched {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.fetched++
	if ch, ok := w.waiting[w.fetched]; ok {
		close(ch)
		delete(w.waiting, w.fetched)
	}
	if w.fetched == w.fail {
		return w.err
	}
	return nil
}

// waitFetched waits until n batches were fetched; it gives up after 10 s,
// which only a pipeline that fetches nothing while it commits needs.
func (w *fetchWatch) waitFetched(n int) error {
	w.mu.Lock()
	if w.fetched >= n {
		w.mu.Unlock()
		return nil
	}
	if w.waiting == nil {
		w.waiting = map[int]chan struct{}{}
	}
	ch, ok := w.waiting[n]
	if !ok {
		ch = make(chan struct{})
		w.waiting[n] = ch
	}
	w.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("batch %d was not fetched while the batch before it waited in its Mapper", n)
	}
}

// blobFiles counts the regular files in the store's blob directory.
func blobFiles(t *testing.T, st *store.Store) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(st.BlobDir(), func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == st.BlobDir() {
			return nil
		}
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The fetch of batch 2 overlaps the commit of batch 1: while the Mapper of
// batch 1's first message blocks, batch 2 is fetched, spooled and parsed
// (the fetch stage reports it at FaultFetched). A sequential pipeline
// never gets there and the Mapper gives up. Moves go over a second
// connection.
func TestFetchOverlapsCommit(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{})
	raws := numberedMails(6)
	e.appendRaw(raws...)
	w := &fetchWatch{}
	var order []uint32
	mapper := mailimport.MapperFunc(func(ctx context.Context, in *mailimport.Input) (mailimport.Decision, error) {
		order = append(order, in.UID)
		if in.UID == 1 {
			if err := w.waitFetched(2); err != nil {
				return mailimport.Decision{}, err
			}
			if n := len(e.ledger()); n != 0 {
				return mailimport.Decision{}, fmt.Errorf("%d ledger rows before batch 1 was committed", n)
			}
		}
		return mailimport.IncomingMapper{}.Map(ctx, in)
	})
	deps := e.deps()
	deps.Fault = w.fault
	var progress [][2]int
	deps.Progress = func(done, total int) { progress = append(progress, [2]int{done, total}) }
	p := &mailimport.Pipeline{Deps: deps, Mapper: mapper}
	res, err := p.Run(e.ctx, mailimport.Request{Config: e.cfg, RunAs: e.emp, BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 6 || len(res.Mails) != 6 {
		t.Fatalf("%s", res.Summary())
	}
	if fmt.Sprint(order) != "[1 2 3 4 5 6]" {
		t.Errorf("Mapper saw UIDs %v, want them in order", order)
	}
	if fmt.Sprint(progress) != "[[3 6] [6 6]]" {
		t.Errorf("progress %v", progress)
	}
	checkExactlyOnce(t, e, raws)
	// one connection fetches, one moves; one MOVE per batch, the first
	// sent again after the server asked to create the import folder
	if n := e.srv.LoginAttempts(); n != 2 {
		t.Errorf("%d logins, want 2", n)
	}
	if n, c := e.srv.Commands("MOVE"), e.srv.Commands("CREATE"); n != 3 || c == 0 {
		t.Errorf("%d MOVE and %d CREATE commands, want 3 MOVEs (one retried after CREATE)", n, c)
	}
}

// A run that moves nothing (a dry run, or every mail left in the folder)
// opens no second connection.
func TestNoMoveConnectionWithoutMoves(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{})
	e.appendRaw(numberedMails(5)...)
	res, err := e.importOnce(true, 2)
	if err != nil || res.Unseen != 5 || len(res.Mails) != 5 {
		t.Fatalf("dry run: %v %+v", err, res)
	}
	if n := e.srv.LoginAttempts(); n != 1 {
		t.Errorf("dry run: %d logins, want 1", n)
	}
	e.srv.ResetCounts()
	leave := mailimport.MapperFunc(func(context.Context, *mailimport.Input) (mailimport.Decision, error) {
		return mailimport.Decision{Kind: mailimport.Leave, Reason: "not yet"}, nil
	})
	p := &mailimport.Pipeline{Deps: e.deps(), Mapper: leave}
	res, err = p.Run(e.ctx, mailimport.Request{Config: e.cfg, RunAs: e.emp, BatchSize: 2})
	if err != nil || res.Left != 5 {
		t.Fatalf("leave all: %v %+v", err, res)
	}
	if n := e.srv.LoginAttempts(); n != 1 {
		t.Errorf("run leaving every mail: %d logins, want 1", n)
	}
	if n := len(e.inbox()); n != 5 {
		t.Errorf("%d mails in the inbox, want 5", n)
	}
}

// A Mapper error in batch 1 while batch 2 is already fetched and spooled:
// neither batch is committed or moved, and the spooled blobs of both are
// gone from the blob directory.
func TestCommitFailureDiscardsFetchedBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, mailtest.IMAPOptions{})
		raws := numberedMails(9)
		e.appendRaw(raws...)
		w := &fetchWatch{}
		spooled := 0
		mapper := mailimport.MapperFunc(func(ctx context.Context, in *mailimport.Input) (mailimport.Decision, error) {
			if in.UID != 1 {
				return mailimport.Decision{}, fmt.Errorf("Mapper called for UID %d after batch 1 failed", in.UID)
			}
			if err := w.waitFetched(2); err != nil {
				return mailimport.Decision{}, err
			}
			spooled = blobFiles(t, st)
			return mailimport.Decision{}, errors.New("contact lookup failed")
		})
		deps := e.deps()
		deps.Fault = w.fault
		p := &mailimport.Pipeline{Deps: deps, Mapper: mapper}
		_, err := p.Run(e.ctx, mailimport.Request{Config: e.cfg, RunAs: e.emp, BatchSize: 3})
		if err == nil || !strings.Contains(err.Error(), "contact lookup failed") {
			t.Fatalf("run: %v", err)
		}
		if spooled == 0 {
			t.Fatal("nothing spooled in the blob directory while batch 1 was mapped")
		}
		if len(e.activities()) != 0 || len(e.ledger()) != 0 {
			t.Fatalf("%d activities, %d ledger rows after a failure in batch 1", len(e.activities()), len(e.ledger()))
		}
		in := e.inbox()
		if len(in) != 9 {
			t.Fatalf("%d mails in the inbox, want 9", len(in))
		}
		for _, m := range in {
			if m.Seen() {
				t.Errorf("UID %d marked \\Seen", m.UID)
			}
		}
		if n := blobFiles(t, st); n != 0 {
			t.Errorf("%d files left in the blob directory (%d while batch 1 was mapped), want 0", n, spooled)
		}
		if n := e.srv.LoginAttempts(); n != 1 {
			t.Errorf("%d logins, want 1 (nothing was moved)", n)
		}

		if _, err := e.importOnce(false, 3); err != nil {
			t.Fatal(err)
		}
		checkExactlyOnce(t, e, raws)
	})
}

// The same in a dry run: the spool files of both batches are removed,
// after a failure as after a run that went through.
func TestDryRunFailureRemovesSpoolFiles(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{})
	e.appendRaw(numberedMails(6)...)
	w := &fetchWatch{}
	deps := e.deps()
	deps.Fault = w.fault
	spoolFiles := func() int {
		ents, err := os.ReadDir(deps.TempDir)
		if err != nil {
			t.Fatal(err)
		}
		return len(ents)
	}
	spooled := 0
	fail := true
	mapper := mailimport.MapperFunc(func(ctx context.Context, in *mailimport.Input) (mailimport.Decision, error) {
		if in.UID == 1 {
			if err := w.waitFetched(2); err != nil {
				return mailimport.Decision{}, err
			}
			spooled = spoolFiles()
			if fail {
				return mailimport.Decision{}, errors.New("contact lookup failed")
			}
		}
		return mailimport.IncomingMapper{}.Map(ctx, in)
	})
	p := &mailimport.Pipeline{Deps: deps, Mapper: mapper}
	_, err := p.Run(e.ctx, mailimport.Request{Config: e.cfg, RunAs: e.emp, BatchSize: 3, DryRun: true})
	if err == nil || !strings.Contains(err.Error(), "contact lookup failed") {
		t.Fatalf("dry run: %v", err)
	}
	if spooled != 6 {
		t.Errorf("%d spool files while batch 1 was mapped, want 6 (batches 1 and 2)", spooled)
	}
	if n := spoolFiles(); n != 0 {
		t.Errorf("%d spool files left after a failed dry run", n)
	}

	fail, w.fetched = false, 0
	res, err := p.Run(e.ctx, mailimport.Request{Config: e.cfg, RunAs: e.emp, BatchSize: 3, DryRun: true})
	if err != nil || len(res.Mails) != 6 {
		t.Fatalf("dry run: %v %+v", err, res)
	}
	if n := spoolFiles(); n != 0 {
		t.Errorf("%d spool files left after a dry run", n)
	}
	if len(e.inbox()) != 6 || len(e.activities()) != 0 || blobFiles(t, st) != 0 {
		t.Errorf("a dry run changed something: %d in the inbox, %d activities, %d blob files", len(e.inbox()), len(e.activities()), blobFiles(t, st))
	}
	if n := e.srv.LoginAttempts(); n != 2 {
		t.Errorf("%d logins for two dry runs, want 2", n)
	}
}

// A failure of the fetch stage in batch 2 ends the run only after batch
// 1, already handed on, was committed and moved.
func TestFetchFailureFinishesHandedBatch(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{})
	raws := numberedMails(7)
	e.appendRaw(raws...)
	w := &fetchWatch{fail: 2, err: errCrash}
	deps := e.deps()
	deps.Fault = w.fault
	p := &mailimport.Pipeline{Deps: deps, Mapper: mailimport.IncomingMapper{}}
	res, err := p.Run(e.ctx, mailimport.Request{Config: e.cfg, RunAs: e.emp, BatchSize: 3})
	if !errors.Is(err, errCrash) {
		t.Fatalf("run: %v", err)
	}
	if res.Imported != 3 || len(e.activities()) != 3 || len(e.folder(importDir)) != 3 || len(e.inbox()) != 4 {
		t.Fatalf("after the failure: %s; %d activities, %d moved, %d in the inbox; want batch 1 done",
			res.Summary(), len(e.activities()), len(e.folder(importDir)), len(e.inbox()))
	}
	if _, err := e.importOnce(false, 3); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, e, raws)
}

// The folder is deleted and created again between commit and move: the
// move connection sees another UIDVALIDITY and moves nothing. The next
// run finds the committed mail by its content and only moves it.
func TestMoveConnectionUIDValidityChanged(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{})
	const folder = "Eingang"
	raw := simpleMail(muellerAddr, "info@firma.example", "Renumbered", "renumbered@x", "x")
	e.srv.Append(t, imapUser, folder, raw)
	deps := e.deps()
	deps.Fault = func(point string) error {
		if point != mailimport.FaultAfterCommit {
			return nil
		}
		rawIMAP(t, e.srv.Addr, "LOGIN "+imapUser+" "+imapPass, "DELETE "+folder, "CREATE "+folder)
		e.srv.Append(t, imapUser, folder, raw)
		return nil
	}
	p := &mailimport.Pipeline{Deps: deps, Mapper: mailimport.IncomingMapper{}}
	_, err := p.Run(e.ctx, mailimport.Request{Config: e.cfg, RunAs: e.emp, Folder: folder})
	if err == nil || !strings.Contains(err.Error(), "UIDVALIDITY") ||
		!strings.Contains(err.Error(), "committed 1 message(s) but could not move them") || !engine.IsRetryable(err) {
		t.Fatalf("run: %v (class %s)", err, engine.ClassOf(err))
	}
	if len(e.activities()) != 1 || len(e.folder(folder)) != 1 {
		t.Fatalf("%d activities, %d mails in %s; want 1, 1", len(e.activities()), len(e.folder(folder)), folder)
	}

	p.Deps.Fault = nil
	res, err := p.Run(e.ctx, mailimport.Request{Config: e.cfg, RunAs: e.emp, Folder: folder})
	if err != nil || res.Imported != 0 || res.Duplicates != 1 {
		t.Fatalf("next run: %v %+v", err, res)
	}
	if len(e.activities()) != 1 || len(e.folder(folder)) != 0 || len(e.folder(importDir)) != 1 {
		t.Fatalf("after the next run: %d activities, %d in %s, %d moved; want 1, 0, 1",
			len(e.activities()), len(e.folder(folder)), folder, len(e.folder(importDir)))
	}
}

// rawIMAP sends commands to a plain-text IMAP server on one connection and
// fails the test unless each is answered OK.
func rawIMAP(t *testing.T, addr string, cmds ...string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	rd := bufio.NewReader(conn)
	if _, err := rd.ReadString('\n'); err != nil { // greeting
		t.Fatal(err)
	}
	for i, cmd := range append(cmds, "LOGOUT") {
		tag := fmt.Sprintf("t%d", i)
		if _, err := fmt.Fprintf(conn, "%s %s\r\n", tag, cmd); err != nil {
			t.Fatal(err)
		}
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatalf("%s: %v", cmd, err)
			}
			if strings.HasPrefix(line, tag+" ") {
				if !strings.HasPrefix(line, tag+" OK") {
					t.Fatalf("%s: %s", cmd, line)
				}
				break
			}
		}
	}
}
