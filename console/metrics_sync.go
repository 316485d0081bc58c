package console

import (
	"context"
	"encoding/json"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	sc "github.com/wfehq/wfe/store/console"
)

// DefaultSyncTimer is the name of the built-in groupware sync timer whose
// run records hold every rule's report.
const DefaultSyncTimer = "groupware-sync"

var descSyncChanges = prometheus.NewDesc("wfe_sync_changes_total",
	"Records written by groupware sync runs in the run history, by rule, direction (to_groupware, to_crm) and kind (new, changed, deleted).",
	[]string{"rule", "direction", "kind"}, nil)

// syncChangeKey is one series of wfe_sync_changes_total.
type syncChangeKey struct{ rule, direction, kind string }

// syncChanges sums the changes of the recorded sync runs (a rule run on
// its own or by the sync timer) per rule, direction and kind. Every active
// rule has its series, at 0 before its first change.
func (c collector) syncChanges(ctx context.Context, ch chan<- prometheus.Metric) error {
	sums := map[syncChangeKey]int{}
	add := func(rep groupwaresync.Report) {
		for _, e := range rep.Employees {
			addCounts(sums, rep.Rule, "to_groupware", e.ToGroupware)
			addCounts(sums, rep.Rule, "to_crm", e.ToCRM)
		}
	}
	timer := c.s.opts.SyncTimer
	if timer == "" {
		timer = DefaultSyncTimer
	}
	err := c.s.opts.Store.Console().EachSyncRunRecord(ctx, timer, func(rec sc.SyncRunRecord) error {
		for _, rep := range syncReports(rec.Record) {
			add(rep)
		}
		return nil
	})
	if err != nil {
		return err
	}
	rules, err := c.s.opts.Store.Sync().ListRules(ctx)
	if err != nil {
		return err
	}
	for _, r := range rules {
		addCounts(sums, r.Name, "to_groupware", plan.Counts{})
		addCounts(sums, r.Name, "to_crm", plan.Counts{})
	}
	for k, n := range sums {
		ch <- prometheus.MustNewConstMetric(descSyncChanges, prometheus.CounterValue, float64(n), k.rule, k.direction, k.kind)
	}
	return nil
}

func addCounts(sums map[syncChangeKey]int, rule, direction string, n plan.Counts) {
	sums[syncChangeKey{rule, direction, "new"}] += n.New
	sums[syncChangeKey{rule, direction, "changed"}] += n.Changed
	sums[syncChangeKey{rule, direction, "deleted"}] += n.Deleted
}

// syncReports reads a sync run's record: the timer's {"rules": [...]} or
// one rule's report. A record of another shape gives none.
func syncReports(body json.RawMessage) []groupwaresync.Report {
	var all struct {
		Rules []groupwaresync.Report `json:"rules"`
	}
	if json.Unmarshal(body, &all) == nil && all.Rules != nil {
		return all.Rules
	}
	var one groupwaresync.Report
	if json.Unmarshal(body, &one) == nil && one.Rule != "" {
		return []groupwaresync.Report{one}
	}
	return nil
}
