package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
)

// /metrics sums the sync changes of the recorded sync runs (a rule run on
// its own and the sync timer's runs) per rule, direction and kind, and
// counts the locked sources.
func TestMetricsSyncChangesAndLockedSources(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	fin := time.Now()
	runs := []*store.Run{
		{WorkflowID: "sync:contacts", Record: []byte(`{"rule":"contacts","employees":[
			{"login":"anna","to_groupware":{"new":2,"changed":1,"deleted":0},"to_crm":{"new":0,"changed":3,"deleted":1}},
			{"login":"bob","to_groupware":{"new":1,"changed":0,"deleted":0},"to_crm":{"new":0,"changed":0,"deleted":0}}]}`)},
		{Timer: "groupware-sync", Record: []byte(`{"rules":[
			{"rule":"contacts","employees":[{"login":"anna","to_groupware":{"new":4,"changed":0,"deleted":2},"to_crm":{"new":1,"changed":0,"deleted":0}}]},
			{"rule":"events","employees":[{"login":"anna","to_groupware":{"new":0,"changed":5,"deleted":0},"to_crm":{"new":0,"changed":0,"deleted":0}}]}]}`)},
		// an ordinary workflow run is not a sync run
		{WorkflowID: "MailRuleLog", Record: []byte(`{"rule":"contacts","employees":[{"login":"x","to_groupware":{"new":100}}]}`)},
	}
	for _, r := range runs {
		r.Status, r.StartedAt, r.FinishedAt = store.RunSucceeded, fin.Add(-time.Second), &fin
		if err := f.st.SaveRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []*store.MailConfig{{MatchCode: "locked", AutoImport: true, IsLocked: true}, {MatchCode: "open", AutoImport: true}} {
		if err := f.st.CreateMailConfig(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	_, body := f.get(f.client(), "/metrics")
	for _, want := range []string{
		`wfe_sync_changes_total{direction="to_groupware",kind="new",rule="contacts"} 7`,
		`wfe_sync_changes_total{direction="to_groupware",kind="changed",rule="contacts"} 1`,
		`wfe_sync_changes_total{direction="to_groupware",kind="deleted",rule="contacts"} 2`,
		`wfe_sync_changes_total{direction="to_crm",kind="new",rule="contacts"} 1`,
		`wfe_sync_changes_total{direction="to_crm",kind="changed",rule="contacts"} 3`,
		`wfe_sync_changes_total{direction="to_crm",kind="deleted",rule="contacts"} 1`,
		`wfe_sync_changes_total{direction="to_groupware",kind="changed",rule="events"} 5`,
		`wfe_sources_locked 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}
