package store_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// LedgerByContents gives, for every hash and Message-ID asked for, the rows
// LedgerByContent gives one by one: same rows, oldest first, only of the
// mail configuration asked for, across more values than one query takes.
func TestLedgerByContentsMatchesLedgerByContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		cfg := &store.MailConfig{MatchCode: "A", UserName: "a@firma.de", Password: secretPW}
		other := &store.MailConfig{MatchCode: "B", UserName: "b@firma.de", Password: secretPW}
		for _, c := range []*store.MailConfig{cfg, other} {
			if err := s.CreateMailConfig(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		rows := []struct {
			cfg     int64
			msgID   string
			sha     string
			outcome string
		}{
			{cfg.ID, "<m1@x>", "h1", store.OutcomeImported},
			{cfg.ID, "<m1@x>", "h2", store.OutcomeImported},    // same Message-ID, other content
			{cfg.ID, "<m2@x>", "h1", store.OutcomeDuplicate},   // same content again
			{cfg.ID, "", "h3", store.OutcomeQuarantined},       // no Message-ID
			{cfg.ID, "<m3@x>", "h420", store.OutcomeImported},  // asked for in a later chunk
			{other.ID, "<m1@x>", "h1", store.OutcomeImported},  // other configuration
			{cfg.ID, "<m1@x>", "h1", store.OutcomeQuarantined}, // newest
		}
		for i, r := range rows {
			e := &store.LedgerEntry{MailConfigID: r.cfg, Mailbox: "INBOX", UIDValidity: 1, UID: int64(i + 1),
				MessageID: r.msgID, ContentSHA256: r.sha, Outcome: r.outcome}
			if err := s.RecordLedger(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		var hashes, ids []string
		for i := range 450 {
			hashes = append(hashes, fmt.Sprintf("h%d", i))
			ids = append(ids, fmt.Sprintf("<m%d@x>", i))
		}
		hashes = append(hashes, "", "h1") // empty and repeated values are ignored
		ids = append(ids, "", "<m1@x>")
		got, err := s.LedgerByContents(ctx, cfg.ID, hashes, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.ByContent) != 4 || len(got.ByMessageID) != 3 {
			t.Fatalf("%d hashes and %d Message-IDs found, want 4 and 3: %+v", len(got.ByContent), len(got.ByMessageID), got)
		}
		for _, h := range hashes[:450] {
			want, err := s.LedgerByContent(ctx, cfg.ID, "", h)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) > 0 && !reflect.DeepEqual(got.ByContent[h], want) || len(want) == 0 && got.ByContent[h] != nil {
				t.Fatalf("content %s: %+v, want %+v", h, got.ByContent[h], want)
			}
		}
		for _, id := range ids[:450] {
			want, err := s.LedgerByContent(ctx, cfg.ID, id, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(want) > 0 && !reflect.DeepEqual(got.ByMessageID[id], want) || len(want) == 0 && got.ByMessageID[id] != nil {
				t.Fatalf("Message-ID %s: %+v, want %+v", id, got.ByMessageID[id], want)
			}
		}
		if h1 := got.ByContent["h1"]; len(h1) != 3 || h1[0].UID != 1 || h1[1].UID != 3 || h1[2].UID != 7 {
			t.Fatalf("rows of h1: %+v, want UIDs 1, 3, 7", h1)
		}
		only, err := s.LedgerByContents(ctx, cfg.ID, []string{"h2"}, nil)
		if err != nil || len(only.ByContent["h2"]) != 1 || len(only.ByMessageID) != 0 {
			t.Fatalf("hashes only: %+v %v", only, err)
		}
		none, err := s.LedgerByContents(ctx, cfg.ID, nil, []string{""})
		if err != nil || len(none.ByContent) != 0 || len(none.ByMessageID) != 0 {
			t.Fatalf("nothing asked: %+v %v", none, err)
		}
	})
}
