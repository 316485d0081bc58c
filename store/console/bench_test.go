package console_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/wfehq/wfe/store/console"
	"github.com/wfehq/wfe/store/internal/sqldb"
	"github.com/wfehq/wfe/store/runs"
	"github.com/wfehq/wfe/store/storetest"
)

// benchRuns and benchActivities size the console's query benchmark: a
// database of a busy installation.
const (
	benchRuns       = 100_000
	benchActivities = 1_000_000
)

// benchFill writes the runs and activities with one INSERT ... SELECT
// each: 20 workflows, 10 timers, one run in seven failed; subjects
// "Anfrage N", every thousandth with " Angebot" added; 5,000 senders
// kundeK@firma.example. Activities go through the table's triggers and
// indexes as any insert does.
var benchFill = map[sqldb.Dialect][]string{
	sqldb.SQLite: {
		fmt.Sprintf(`INSERT INTO run (id, workflow_id, timer, status, started_at, finished_at, error, record)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < %d)
SELECT printf('%%032x', i), 'WF' || (i %% 20), 'timer' || (i %% 10), CASE WHEN i %% 7 = 0 THEN 'failed' ELSE 'succeeded' END,
 strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', 1700000000 + i * 60, 'unixepoch'), strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', 1700000000 + i * 60 + 5, 'unixepoch'),
 CASE WHEN i %% 7 = 0 THEN 'step 1 action LogAction: disk full' ELSE '' END, '{"steps":[{"no":1,"actions":[{"name":"LogAction"}]}]}' FROM n`, benchRuns),
		fmt.Sprintf(`INSERT INTO activity (acttypekey, subject, sender, globalid, text, created_at, updated_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < %d)
SELECT 'MAIL', 'Anfrage ' || i || CASE WHEN i %% 1000 = 0 THEN ' Angebot' ELSE '' END, 'kunde' || (i %% 5000) || '@firma.example',
 '<m' || i || '@firma.example>', 'Guten Tag, ...', strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', 1700000000 + i * 30, 'unixepoch'),
 strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', 1700000000 + i * 30, 'unixepoch') FROM n`, benchActivities),
		// one INSERT leaves the index in many small segments, which
		// writes spread over time keep merged; merge them as migration
		// 0011 does after indexing the existing activities
		"INSERT INTO activity_search (activity_search) VALUES ('optimize')",
		"ANALYZE",
	},
	sqldb.Postgres: {
		fmt.Sprintf(`INSERT INTO run (id, workflow_id, timer, status, started_at, finished_at, error, record)
SELECT lpad(to_hex(i), 32, '0'), 'WF' || (i %% 20), 'timer' || (i %% 10), CASE WHEN i %% 7 = 0 THEN 'failed' ELSE 'succeeded' END,
 to_timestamp(1700000000 + i * 60), to_timestamp(1700000000 + i * 60 + 5),
 CASE WHEN i %% 7 = 0 THEN 'step 1 action LogAction: disk full' ELSE '' END, '{"steps":[{"no":1,"actions":[{"name":"LogAction"}]}]}'
FROM generate_series(1, %d) AS i`, benchRuns),
		fmt.Sprintf(`INSERT INTO activity (acttypekey, subject, sender, globalid, text, created_at, updated_at)
SELECT 'MAIL', 'Anfrage ' || i || CASE WHEN i %% 1000 = 0 THEN ' Angebot' ELSE '' END, 'kunde' || (i %% 5000) || '@firma.example',
 '<m' || i || '@firma.example>', 'Guten Tag, ...', to_timestamp(1700000000 + i * 30), to_timestamp(1700000000 + i * 30)
FROM generate_series(1, %d) AS i`, benchActivities),
		// as autovacuum would: the trigram indexes' pending lists are
		// merged (a plain ANALYZE leaves them, and every search reads them)
		"VACUUM ANALYZE",
	},
}

func fillBench(b *testing.B, db *sqldb.DB) {
	b.Helper()
	for _, q := range benchFill[db.Dialect] {
		start := time.Now()
		if err := db.Exec(q).Error; err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: %.40s... took %s", db.Dialect, q, time.Since(start).Round(time.Millisecond))
	}
}

// BenchmarkConsoleQueries measures the queries behind the console's run
// list, run page and activity search with 100,000 runs and 1,000,000
// activities, on SQLite and (with WFE_TEST_POSTGRES) PostgreSQL, and
// reports each one's median and 95th percentile (p50-ms, p95-ms).
// scripts/bench-console.sh runs it and prints the figures as a table.
func BenchmarkConsoleQueries(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchConsole(b, filepath.Join(b.TempDir(), "bench.db")) })
	if os.Getenv("WFE_TEST_POSTGRES") != "" {
		b.Run("postgres", func(b *testing.B) { benchConsole(b, storetest.PostgresDSN(b)) })
	}
}

func benchConsole(b *testing.B, dsn string) {
	db, err := sqldb.Open(context.Background(), dsn, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	fillBench(b, db)
	r, ctx := console.New(db), context.Background()
	deep, err := r.RunsPage(ctx, console.RunQuery{Limit: 500})
	if err != nil || len(deep) != 500 {
		b.Fatal(err)
	}
	last := deep[len(deep)-1]
	for _, c := range []struct {
		name string
		run  func() error
	}{
		{"runs/first-page", func() error { _, err := r.RunsPage(ctx, console.RunQuery{}); return err }},
		{"runs/next-page", func() error {
			_, err := r.RunsPage(ctx, console.RunQuery{AfterStart: last.StartedAt, AfterID: last.ID})
			return err
		}},
		{"runs/failed", func() error { _, err := r.RunsPage(ctx, console.RunQuery{Status: runs.RunFailed}); return err }},
		{"runs/timer+failed", func() error {
			_, err := r.RunsPage(ctx, console.RunQuery{Timer: "timer3", Status: runs.RunFailed})
			return err
		}},
		{"run-page", func() error { _, err := runs.New(db).GetRun(ctx, fmt.Sprintf("%032x", 77777)); return err }},
		{"activities/newest", activitySearch(r, console.ActivityQuery{})},
		{"activities/subject-1-in-1000", activitySearch(r, console.ActivityQuery{Subject: "angebot"})},
		{"activities/subject-1-in-1000-page-10", activitySearch(r, console.ActivityQuery{Subject: "angebot", BeforeID: 550_000})},
		{"activities/subject-every-row", activitySearch(r, console.ActivityQuery{Subject: "anfrage"})},
		{"activities/subject-111-rows", activitySearch(r, console.ActivityQuery{Subject: "anfrage 4242"})},
		{"activities/subject-no-match", activitySearch(r, console.ActivityQuery{Subject: "zzz"})},
		{"activities/subject-2-chars-every-row", activitySearch(r, console.ActivityQuery{Subject: "ge"})},
		{"activities/subject-2-chars-no-match", activitySearch(r, console.ActivityQuery{Subject: "zz"})},
		{"activities/sender-1-in-5000", activitySearch(r, console.ActivityQuery{Sender: "kunde42@"})},
		{"activities/message-id", activitySearch(r, console.ActivityQuery{MessageID: "<m424242@firma.example>"})},
	} {
		b.Run(c.name, func(b *testing.B) { measure(b, c.run) })
	}
}

func activitySearch(r *console.Repo, q console.ActivityQuery) func() error {
	return func() error { _, err := r.ActivitiesPage(context.Background(), q); return err }
}

// measure runs the query b.N times and reports the median and the 95th
// percentile of its durations.
func measure(b *testing.B, run func() error) {
	b.ReportAllocs()
	took := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := run(); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(t0))
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
}
