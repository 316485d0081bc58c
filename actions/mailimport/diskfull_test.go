package mailimport_test

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// diskFull fails blob writes with ENOSPC while full is set: every write
// after the first `room` ones, or, when lost is set, every write whose
// bytes lost matches, whatever the order the parse workers write in.
type diskFull struct {
	room   int64
	lost   *regexp.Regexp
	writes atomic.Int64
	full   atomic.Bool
}

func (d *diskFull) fault(data []byte) error {
	if !d.full.Load() {
		return nil
	}
	if d.lost != nil {
		if d.lost.Match(data) {
			return syscall.ENOSPC
		}
		return nil
	}
	if d.writes.Add(1) > d.room {
		return syscall.ENOSPC
	}
	return nil
}

// checkDiskFullError asserts the error of a run on a full disk: ENOSPC,
// retryable, naming the blob directory, the configuration and one of the
// UIDs (the messages of a batch are stored by parallel workers, so which
// of them finds the disk full first may vary).
func checkDiskFullError(t *testing.T, st *store.Store, err error, uids ...string) {
	t.Helper()
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("run on a full disk: %v, want ENOSPC", err)
	}
	if engine.ClassOf(err) != engine.ClassRetryable {
		t.Errorf("error class %q, want retryable: %v", engine.ClassOf(err), err)
	}
	for _, want := range []string{st.BlobDir(), "mail configuration " + matchCode} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
	named := false
	for _, uid := range uids {
		named = named || strings.Contains(err.Error(), "UID "+uid+":")
	}
	if !named {
		t.Errorf("error names none of the UIDs %v: %v", uids, err)
	}
}

// The disk fills up in the middle of the second batch: the first batch
// stays imported and moved, nothing of the second is committed or leaves
// the inbox, and the next run with space imports every mail exactly once.
func TestDiskFullMidBatch(t *testing.T) {
	// the disk is full for the mails of batches 2 and 3 (UIDs 5..10, "Mail
	// 04".."Mail 09"): the parse workers of batch 1 may still be writing
	// while batch 2 is fetched, so which write fails first is chosen by
	// content, not by count
	disk := &diskFull{lost: regexp.MustCompile(`Subject: Mail 0[4-9]`)}
	st := storetest.Open(t, store.WithBlobWriteFault(disk.fault))
	e := newEnv(t, st, mailtest.IMAPOptions{})
	raws := numberedMails(10)
	e.appendRaw(raws...)
	disk.full.Store(true)
	_, err := e.importOnce(false, 4)
	checkDiskFullError(t, st, err, "5", "6", "7", "8")
	if n := len(e.activities()); n != 4 {
		t.Fatalf("%d activities after the disk filled up, want the 4 of the first batch", n)
	}
	if n := len(e.inbox()); n != 6 {
		t.Fatalf("%d mails in the inbox, want 6 (the failed batch stays)", n)
	}
	if n := len(e.folder(errorDir)); n != 0 {
		t.Fatalf("%d mails quarantined because of a full disk", n)
	}
	if n := len(e.ledger()); n != 4 {
		t.Fatalf("%d ledger rows, want 4", n)
	}

	disk.full.Store(false)
	if _, err := e.importOnce(false, 4); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, e, raws)
}

// An attachment that cannot be stored is a failure of the disk, not of
// the mail: the mail is not quarantined but stays in the inbox.
func TestDiskFullOnAttachment(t *testing.T) {
	disk := &diskFull{room: 1} // the raw mail, not its attachment
	st := storetest.Open(t, store.WithBlobWriteFault(disk.fault))
	e := newEnv(t, st, mailtest.IMAPOptions{})
	e.appendRaw(mailWithAttachment())
	disk.full.Store(true)
	_, err := e.importOnce(false, 0)
	checkDiskFullError(t, st, err, "1")
	if !strings.Contains(err.Error(), `store attachment "angebot.pdf"`) {
		t.Errorf("error does not name the attachment: %v", err)
	}
	if len(e.activities()) != 0 || len(e.ledger()) != 0 || len(e.inbox()) != 1 || len(e.folder(errorDir)) != 0 {
		t.Fatalf("after the failure: %d activities, %d ledger rows, %d in the inbox, %d quarantined; want 0, 0, 1, 0",
			len(e.activities()), len(e.ledger()), len(e.inbox()), len(e.folder(errorDir)))
	}

	disk.full.Store(false)
	res, err := e.importOnce(false, 0)
	if err != nil || res.Imported != 1 {
		t.Fatalf("run with space: %v %+v", err, res)
	}
	a, err := st.GetActivity(e.ctx, res.ActivityIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	// the attachment and the raw mail
	if docs := a.Documents; len(docs) != 2 || docs[0].Name != "angebot.pdf" || docs[0].Size != 15 {
		t.Fatalf("documents: %+v", a.Documents)
	}
	if len(e.inbox()) != 0 || len(e.folder(importDir)) != 1 {
		t.Fatal("the mail did not leave the inbox for the import folder")
	}
}

func mailWithAttachment() []byte {
	var b bytes.Buffer
	b.WriteString("From: " + muellerAddr + "\r\nTo: info@firma.example\r\nSubject: Angebot\r\n")
	b.WriteString("Date: Mon, 04 Mar 2024 09:15:00 +0100\r\nMessage-ID: <angebot@kunde-mueller.example>\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n")
	b.WriteString("--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAnbei das Angebot.\r\n")
	b.WriteString("--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=angebot.pdf\r\n")
	b.WriteString("Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfsj6IK\r\n--b1--\r\n")
	return b.Bytes()
}
