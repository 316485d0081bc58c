package console

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wfehq/wfe/console/watchdog"
)

// metrics serves /metrics in the Prometheus text format.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}).ServeHTTP(w, r)
}

// runDurationBounds are the buckets of wfe_run_duration_seconds.
var runDurationBounds = []float64{0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600}

var (
	descRuns = prometheus.NewDesc("wfe_runs_total", "Runs in the run history by workflow (or timer, for a timer without workflow) and status.",
		[]string{"workflow", "timer", "status"}, nil)
	descRunDuration = prometheus.NewDesc("wfe_run_duration_seconds", "Duration of the finished runs in the run history.", nil, nil)
	descMails       = prometheus.NewDesc("wfe_mails_total", "Mails in the import ledger by mail configuration and outcome (imported, duplicate, quarantined).",
		[]string{"configuration", "outcome"}, nil)
	descLastSuccess = prometheus.NewDesc("wfe_source_last_success_timestamp_seconds", "Start of the newest successful run of a source (Unix time).",
		[]string{"source", "kind"}, nil)
	descSourceState = prometheus.NewDesc("wfe_source_state", "1 for the state a source is in (ok, failing, locked, quiet).",
		[]string{"source", "kind", "state"}, nil)
	descSourcesLocked = prometheus.NewDesc("wfe_sources_locked", "Sources locked after an authentication failure or by hand.", nil, nil)
	descLateness      = prometheus.NewDesc("wfe_timer_lateness_seconds", "How late the newest scheduled run of a timer started.",
		[]string{"timer"}, nil)
	descConflicts = prometheus.NewDesc("wfe_sync_conflicts_open", "Groupware sync conflicts held for a decision, by rule.",
		[]string{"rule"}, nil)
)

// collector reads the figures from the database at every scrape, so they
// are the same on every node and survive restarts (run history pruning
// lowers the run counters, which Prometheus reads as a reset).
type collector struct{ s *Server }

func newCollector(s *Server) prometheus.Collector { return collector{s} }

// Describe implements prometheus.Collector.
func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRuns, descRunDuration, descMails, descLastSuccess, descSourceState, descSourcesLocked, descLateness, descConflicts, descSyncChanges} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, f := range []func(context.Context, chan<- prometheus.Metric) error{c.runs, c.mails, c.sources, c.conflicts, c.syncChanges} {
		if err := f(ctx, ch); err != nil {
			c.s.opts.Logger.Error("console: metrics", "err", err)
			ch <- prometheus.NewInvalidMetric(descRuns, fmt.Errorf("read the database: %w", err))
		}
	}
}

func (c collector) runs(ctx context.Context, ch chan<- prometheus.Metric) error {
	counts, err := c.s.opts.Store.Console().RunCounts(ctx)
	if err != nil {
		return err
	}
	for _, rc := range counts {
		ch <- prometheus.MustNewConstMetric(descRuns, prometheus.CounterValue, float64(rc.Count), rc.WorkflowID, rc.Timer, rc.Status)
	}
	h, err := c.s.opts.Store.Console().RunDurations(ctx, runDurationBounds)
	if err != nil {
		return err
	}
	buckets := make(map[float64]uint64, len(h.Bounds))
	for i, b := range h.Bounds {
		buckets[b] = h.Buckets[i]
	}
	ch <- prometheus.MustNewConstHistogram(descRunDuration, h.Count, h.Sum, buckets)
	return nil
}

func (c collector) mails(ctx context.Context, ch chan<- prometheus.Metric) error {
	counts, err := c.s.opts.Store.Console().LedgerCounts(ctx)
	if err != nil {
		return err
	}
	cfgs, err := c.s.opts.Store.ListMailConfigs(ctx)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, cfg := range cfgs {
		names[cfg.ID] = cfg.MatchCode
	}
	for _, lc := range counts {
		name := names[lc.MailConfigID]
		if name == "" {
			name = fmt.Sprintf("#%d", lc.MailConfigID)
		}
		ch <- prometheus.MustNewConstMetric(descMails, prometheus.CounterValue, float64(lc.Count), name, lc.Outcome)
	}
	return nil
}

func (c collector) sources(ctx context.Context, ch chan<- prometheus.Metric) error {
	cfg := c.s.opts.Watchdog
	if c.s.opts.Scheduler != nil {
		cfg.NextRuns = c.s.opts.Scheduler.NextRuns
	}
	src, err := watchdog.Sources(ctx, c.s.opts.Store, cfg, c.s.opts.Now())
	if err != nil {
		return err
	}
	locked := 0
	for _, s := range src {
		for _, st := range []string{watchdog.StateOK, watchdog.StateFailing, watchdog.StateLocked, watchdog.StateQuiet} {
			v := 0.0
			if s.State == st {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(descSourceState, prometheus.GaugeValue, v, s.Name, s.Kind, st)
		}
		if s.State == watchdog.StateLocked {
			locked++
		}
		if s.LastSuccess != nil {
			ch <- prometheus.MustNewConstMetric(descLastSuccess, prometheus.GaugeValue, float64(s.LastSuccess.Unix()), s.Name, s.Kind)
		}
		if s.Kind == watchdog.KindTimer {
			ch <- prometheus.MustNewConstMetric(descLateness, prometheus.GaugeValue, time.Duration(s.Lateness).Seconds(), s.Name)
		}
	}
	ch <- prometheus.MustNewConstMetric(descSourcesLocked, prometheus.GaugeValue, float64(locked))
	return nil
}

func (c collector) conflicts(ctx context.Context, ch chan<- prometheus.Metric) error {
	rules, err := c.s.opts.Store.Sync().ListRules(ctx)
	if err != nil {
		return err
	}
	held, err := c.s.opts.Store.Sync().ListConflicts(ctx)
	if err != nil {
		return err
	}
	open := map[int64]int{}
	for _, h := range held {
		if h.Keep == "" {
			open[h.RuleID]++
		}
	}
	for _, r := range rules {
		ch <- prometheus.MustNewConstMetric(descConflicts, prometheus.GaugeValue, float64(open[r.ID]), r.Name)
	}
	return nil
}
