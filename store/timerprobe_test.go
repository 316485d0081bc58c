package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

func TestLeaseHolder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, _, err := s.LeaseHolder(ctx, "k"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("free lease: %v", err)
		}
		before := time.Now()
		if ok, err := s.AcquireLease(ctx, "k", "node-a", time.Minute); !ok || err != nil {
			t.Fatalf("acquire: %v %v", ok, err)
		}
		node, until, err := s.LeaseHolder(ctx, "k")
		if err != nil || node != "node-a" || until.Before(before.Add(59*time.Second)) || until.After(time.Now().Add(time.Minute)) {
			t.Fatalf("holder %q until %s: %v", node, until, err)
		}
		// an expired lease is free
		if ok, err := s.AcquireLease(ctx, "e", "node-a", -time.Second); !ok || err != nil {
			t.Fatalf("acquire expired: %v %v", ok, err)
		}
		if _, _, err := s.LeaseHolder(ctx, "e"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("expired lease: %v", err)
		}
	})
}

func TestTimerStamp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		stamp := func() store.TimerStamp {
			t.Helper()
			st, err := s.TimerStamp(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		empty := stamp()
		if empty.Count != 0 || empty.MaxID != 0 || empty.MaxUpdated != "" {
			t.Fatalf("empty table: %+v", empty)
		}
		tt := &store.TimerTask{Name: "a", Type: store.TimerMailAutoImport, Every: time.Minute, Active: true}
		if err := s.CreateTimer(ctx, tt); err != nil {
			t.Fatal(err)
		}
		one := stamp()
		if one.Count != 1 || one.MaxID == 0 || one.MaxUpdated == "" {
			t.Fatalf("one timer: %+v", one)
		}
		if stamp() != one {
			t.Fatal("stamp changed without a change")
		}
		// a run of the timer is no change of the timer
		if err := s.RecordTimerRun(ctx, "a", "run-1", store.RunSucceeded, time.Now()); err != nil {
			t.Fatal(err)
		}
		if stamp() != one {
			t.Fatal("stamp changed by RecordTimerRun")
		}
		if err := s.SetTimerActive(ctx, "a", false); err != nil {
			t.Fatal(err)
		}
		if stamp() == one {
			t.Fatal("stamp unchanged after an update")
		}
		if err := s.DeleteTimer(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if st := stamp(); st.Count != 0 {
			t.Fatalf("after delete: %+v", st)
		}
	})
}
