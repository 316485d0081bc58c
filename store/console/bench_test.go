package console

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/wfehq/wfe/store/internal/sqldb"
	"github.com/wfehq/wfe/store/runs"
)

// benchRuns and benchActivities size the console's query benchmark: a
// database of a busy installation.
const (
	benchRuns       = 100_000
	benchActivities = 1_000_000
)

// fillBench writes the runs and activities with SQL (a recursive CTE):
// 20 workflows, 10 timers, one run in seven failed; every thousandth
// activity's subject holds "Angebot".
func fillBench(b *testing.B, db *sqldb.DB) {
	b.Helper()
	start := time.Now()
	for _, q := range []string{
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
		"ANALYZE",
	} {
		if err := db.Exec(q).Error; err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("filled %d runs and %d activities in %s", benchRuns, benchActivities, time.Since(start).Round(time.Millisecond))
}

// BenchmarkConsoleQueries measures the queries behind the console's run
// list, run page and activity search on SQLite with 100,000 runs and
// 1,000,000 activities, and reports each one's 95th percentile.
func BenchmarkConsoleQueries(b *testing.B) {
	db, err := sqldb.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	fillBench(b, db)
	r, ctx := New(db), context.Background()
	deep, err := r.RunsPage(ctx, RunQuery{Limit: 500})
	if err != nil || len(deep) != 500 {
		b.Fatal(err)
	}
	last := deep[len(deep)-1]
	for _, c := range []struct {
		name string
		run  func() error
	}{
		{"runs/first-page", func() error { _, err := r.RunsPage(ctx, RunQuery{}); return err }},
		{"runs/next-page", func() error {
			_, err := r.RunsPage(ctx, RunQuery{AfterStart: last.StartedAt, AfterID: last.ID})
			return err
		}},
		{"runs/failed", func() error { _, err := r.RunsPage(ctx, RunQuery{Status: runs.RunFailed}); return err }},
		{"runs/timer+failed", func() error { _, err := r.RunsPage(ctx, RunQuery{Timer: "timer3", Status: runs.RunFailed}); return err }},
		{"run-page", func() error { _, err := runs.New(db).GetRun(ctx, fmt.Sprintf("%032x", 77777)); return err }},
		{"activities/newest", func() error { _, err := r.ActivitiesPage(ctx, ActivityQuery{}); return err }},
		{"activities/subject-1-in-1000", func() error { _, err := r.ActivitiesPage(ctx, ActivityQuery{Subject: "angebot"}); return err }},
		{"activities/message-id", func() error {
			_, err := r.ActivitiesPage(ctx, ActivityQuery{MessageID: "<m424242@firma.example>"})
			return err
		}},
		{"activities/subject-no-match", func() error { _, err := r.ActivitiesPage(ctx, ActivityQuery{Subject: "zzz"}); return err }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			took := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if err := c.run(); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(t0))
			}
			sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
			b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
