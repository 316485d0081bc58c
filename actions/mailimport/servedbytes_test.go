package mailimport_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// headerTroubles are mails without Message-ID whose header go-message
// cannot read as it stands, as they occur in the corpus: an mbox "From "
// first line, a leading space, bare CR line ends.
func headerTroubles() map[string][]byte {
	plain := string(simpleMail(muellerAddr, "info@firma.example", "Rechnung", "", "Betrag 100 EUR"))
	return map[string][]byte{
		"mbox From line": []byte("From mueller@kunde.example Mon Mar  4 09:15:00 2024\r\n" + plain),
		"leading space":  []byte(" " + plain),
		"bare CR":        []byte(strings.ReplaceAll(plain, "\r\n", "\r")),
	}
}

// The in-process server returns every mail as it was stored, also one
// whose header go-message cannot read: the corpus comes back byte for byte.
func TestInProcessServerReturnsStoredBytes(t *testing.T) {
	raws := corpusMails(t)
	for _, raw := range headerTroubles() {
		raws = append(raws, raw)
	}
	e := newEnv(t, storetest.Open(t), mailtest.IMAPOptions{})
	e.appendRaw(raws...)
	got := e.inbox()
	if len(got) != len(raws) {
		t.Fatalf("the server holds %d of %d mails", len(got), len(raws))
	}
	for i, m := range got {
		if !bytes.Equal(m.Raw, raws[i]) {
			t.Errorf("UID %d: served %d bytes, stored %d (%.40q)", m.UID, len(m.Raw), len(raws[i]), raws[i])
		}
	}
}

// Through the in-process server, the corpus quarantines only mails that
// cannot be read at all: none for an empty message.
func TestCorpusInProcessQuarantinesOnlyUnreadable(t *testing.T) {
	raws := corpusMails(t)
	e := newEnv(t, storetest.Open(t), mailtest.IMAPOptions{})
	e.appendRaw(raws...)
	res, err := e.importOnce(false, 100)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("corpus: %d mails: %s", len(raws), res.Summary())
	for _, m := range res.Mails {
		if m.Outcome == store.OutcomeQuarantined && strings.Contains(m.Reason, "empty") {
			t.Errorf("UID %d quarantined as empty: %s", m.UID, m.Reason)
		}
	}
	if res.Imported+res.Duplicates+res.Quarantined != len(raws) || res.Quarantined*100 > len(raws) {
		t.Errorf("want under 1%% quarantined: %s", res.Summary())
	}
}

// Two byte-identical mails without Message-ID whose header go-message
// cannot read as it stands are one activity and one duplicate, not two
// quarantine entries.
func TestIdenticalUnreadableHeaderMails(t *testing.T) {
	for name, raw := range headerTroubles() {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, storetest.Open(t), mailtest.IMAPOptions{})
			e.appendRaw(raw, raw)
			res, err := e.importOnce(false, 0)
			if err != nil {
				t.Fatal(err)
			}
			if res.Imported != 1 || res.Duplicates != 1 || res.Quarantined != 0 || len(e.activities()) != 1 {
				t.Fatalf("two identical mails: %s; %d activities", res.Summary(), len(e.activities()))
			}
		})
	}
}
