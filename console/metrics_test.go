package console_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
)

// /metrics, /healthz and /readyz answer without sign-in; the metrics show
// the import counters per configuration, runs by workflow and status, the
// duration histogram and the source states.
func TestMetricsAndHealth(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cfg := &store.MailConfig{MatchCode: "info", AutoImport: true, Password: "s3cret-imap-password"}
	if err := f.st.CreateMailConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	for i, outcome := range []string{"imported", "imported", "duplicate", "quarantined"} {
		e := &store.LedgerEntry{MailConfigID: cfg.ID, Mailbox: "INBOX", UIDValidity: 1, UID: int64(i + 1), Outcome: outcome}
		if err := f.st.RecordLedger(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	fin := time.Now()
	if err := f.st.SaveRun(ctx, &store.Run{WorkflowID: "MailRuleLog", Status: store.RunSucceeded, StartedAt: fin.Add(-2 * time.Second), FinishedAt: &fin}); err != nil {
		t.Fatal(err)
	}
	anon := f.client()
	resp, body := f.get(anon, "/metrics")
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %s", resp.Status)
	}
	for _, want := range []string{
		`wfe_mails_total{configuration="info",outcome="imported"} 2`,
		`wfe_mails_total{configuration="info",outcome="duplicate"} 1`,
		`wfe_mails_total{configuration="info",outcome="quarantined"} 1`,
		`wfe_runs_total{status="succeeded",timer="",workflow="MailRuleLog"} 1`,
		`wfe_run_duration_seconds_bucket{le="5"} 1`,
		`wfe_run_duration_seconds_bucket{le="1"} 0`,
		`wfe_source_state{kind="mail_config",source="info",state="quiet"} 1`,
		`wfe_sources_locked 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "s3cret") {
		t.Error("/metrics shows a secret")
	}
	if resp, body := f.get(anon, "/healthz"); resp.StatusCode != 200 || !strings.Contains(body, "ok") {
		t.Fatalf("/healthz: %s", resp.Status)
	}
	if resp, _ := f.get(anon, "/readyz"); resp.StatusCode != 200 {
		t.Fatalf("/readyz: %s", resp.Status)
	}
	f.ready = errors.New("scheduler stopped")
	if resp, body := f.get(anon, "/readyz"); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"scheduler": "not running"`) {
		t.Fatalf("/readyz with the scheduler down: %s %s", resp.Status, body)
	}
}
