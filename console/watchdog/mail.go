package watchdog

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/wfehq/wfe/store"
)

// runsPerAutoImportTimer is how many of the newest runs of each automatic
// import timer are read to find a configuration's last success.
const runsPerAutoImportTimer = 200

// mailSources judges the mail configurations flagged "import
// automatically": each one is imported by the active MAIL_AUTO_IMPORT
// timers, whose run records list the configurations they imported and
// whose errors name the configurations that failed.
func mailSources(ctx context.Context, st *store.Store, cfg Config, timers []store.TimerTask, now time.Time) ([]Source, error) {
	all, err := st.ListMailConfigs(ctx)
	if err != nil {
		return nil, err
	}
	var cfgs []store.MailConfig
	for _, c := range all {
		if c.AutoImport {
			cfgs = append(cfgs, c)
		}
	}
	if len(cfgs) == 0 {
		return nil, nil
	}
	var interval time.Duration
	var history []store.Run
	for _, t := range timers {
		if t.Type != store.TimerMailAutoImport {
			continue
		}
		if iv := Interval(t, cfg.Location, now); t.Active && (interval == 0 || iv < interval) {
			interval = iv
		}
		rs, err := st.Console().RecentRuns(ctx, t.Name, runsPerAutoImportTimer)
		if err != nil {
			return nil, err
		}
		history = append(history, rs...)
	}
	sortNewestFirst(history)
	seen := map[string]int{}
	for _, c := range cfgs {
		seen[c.MatchCode]++
	}
	out := make([]Source, 0, len(cfgs))
	for _, c := range cfgs {
		s := Source{Name: c.MatchCode, Kind: KindMailConfig, Interval: Duration(interval), configID: c.ID}
		if seen[c.MatchCode] > 1 { // match codes need not be unique: tell them apart
			s.Name = fmt.Sprintf("%s#%d", c.MatchCode, c.ID)
		}
		if c.AutoLocked || c.IsLocked {
			s.State, s.Reason, s.LastError, s.LastErrorAt = StateLocked, "locked by hand", "", nil
			if c.AutoLocked {
				s.Reason, s.LastError, s.LastErrorAt = "locked after an authentication failure", c.AutoLockedReason, c.AutoLockedAt
			}
		}
		readHistory(&s, c.MatchCode, history)
		s.judge(cfg, now, c.CreatedAt)
		if s.State == StateOK && interval == 0 {
			s.State, s.Reason = StateQuiet, "no active "+store.TimerMailAutoImport+" timer imports it"
		}
		out = append(out, s)
	}
	return out, nil
}

// readHistory walks the runs newest first until the configuration's last
// success, noting its newest error and the start of its failures.
func readHistory(s *Source, matchCode string, history []store.Run) {
	for _, r := range history {
		switch outcomeOf(matchCode, r) {
		case outcomeSucceeded:
			at := r.StartedAt
			s.LastSuccess = &at
			return
		case outcomeFailed:
			at := r.StartedAt
			if s.LastErrorAt == nil {
				s.LastError, s.LastErrorAt = errorOf(matchCode, r.Error), &at
			}
			s.FailingSince = &at
		}
	}
}

type outcome int

const (
	outcomeNone outcome = iota // the run did not import the configuration
	outcomeSucceeded
	outcomeFailed
)

// outcomeOf tells what an automatic import run did with the
// configuration matchCode: failed when its error names the configuration,
// succeeded when its record lists it without error.
func outcomeOf(matchCode string, r store.Run) outcome {
	if errorOf(matchCode, r.Error) != "" {
		return outcomeFailed
	}
	var rec struct {
		Results []struct {
			MatchCode string `json:"match_code"`
		} `json:"results"`
	}
	if json.Unmarshal(r.Record, &rec) != nil {
		return outcomeNone
	}
	for _, res := range rec.Results {
		if res.MatchCode == matchCode {
			return outcomeSucceeded
		}
	}
	return outcomeNone
}

// errorOf picks the lines of a run's error that name the configuration
// ("mail configuration CODE: ...").
func errorOf(matchCode, runError string) string {
	var lines []string
	for _, line := range strings.Split(runError, "\n") {
		if strings.Contains(line, "mail configuration "+matchCode+":") || strings.Contains(line, "mail configuration "+matchCode+" ") {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}

func sortNewestFirst(rs []store.Run) {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].StartedAt.After(rs[j].StartedAt) })
}

// employeeSources lists the employees with a groupware account: locked
// after an authentication failure, ok otherwise (they have no runs of
// their own to judge).
func employeeSources(ctx context.Context, st *store.Store) ([]Source, error) {
	emps, err := st.ListEmployees(ctx)
	if err != nil {
		return nil, err
	}
	var out []Source
	for _, e := range emps {
		if e.GroupwareLogin == "" {
			continue
		}
		s := Source{Name: e.Login, Kind: KindEmployee, State: StateOK}
		if e.Locked {
			s.State, s.Reason, s.LastError, s.LastErrorAt = StateLocked, "locked after an authentication failure", e.LockedReason, e.LockedAt
		}
		out = append(out, s)
	}
	return out, nil
}
