package wfecmd

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/engine/timer"
	"github.com/wfehq/wfe/store"
)

// The built-in timer of the groupware sync (docs/REQUIREMENTS.md R56):
// every 10 minutes it runs every active sync rule as CRM_SERVICE.
const (
	builtinGroupwareSync      = "groupware-sync"
	builtinGroupwareSyncEvery = 10 * time.Minute
)

// groupwareSync runs the GROUPWARE_SYNC task: every active rule, each
// employee in its scope; one run record holds every rule's report.
func (s *timerService) groupwareSync(ctx context.Context, t timer.Task, tick timer.Tick, started time.Time) (*store.Run, error) {
	runner := &groupwaresync.Runner{Store: s.st}
	reps, err := runner.RunActive(ctx, groupwaresync.Options{NoRecord: true})
	if err == nil {
		err = syncFailures(reps)
	}
	status := store.RunSucceeded
	if err != nil {
		status = store.RunFailed
	}
	r := s.newRun(t, tick, started, status, err)
	r.RunAs = groupwaresync.ServiceUser
	if reps != nil {
		body, merr := json.Marshal(map[string]any{"rules": reps})
		if merr != nil {
			return r, errors.Join(err, merr)
		}
		r.Record = body
	}
	if serr := s.st.SaveRun(context.WithoutCancel(ctx), r); serr != nil {
		err = errors.Join(err, fmt.Errorf("save run record: %w", serr))
	}
	return r, err
}

// syncFailures names the rules and employees that failed, or is nil.
func syncFailures(reps []*groupwaresync.Report) error {
	var failed []string
	for _, rep := range reps {
		if rep.Error != "" {
			failed = append(failed, rep.Rule+": "+rep.Error)
		}
		for _, e := range rep.Employees {
			if len(e.Errors) > 0 {
				failed = append(failed, rep.Rule+"/"+e.Login+": "+strings.Join(e.Errors, "; "))
			}
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return fmt.Errorf("groupware sync failed for %s (the others were synced)", strings.Join(failed, "; "))
}

func init() {
	var every time.Duration
	root.Sub("sync", syncGroupShort).Add(&Command{
		Name:  "timer",
		Short: "set the period of the built-in groupware sync timer",
		Long: `timer sets how often the built-in timer groupware-sync (type GROUPWARE_SYNC,
every 10 minutes unless changed here) runs every active sync rule as
CRM_SERVICE under wfe serve. Disable it with 'wfe timer disable groupware-sync';
'wfe timer list' shows it with its last and next run.`,
		Example: "wfe sync timer --every 5m",
		Flags: func(fs *flag.FlagSet) {
			every = 0
			fs.Var(periodFlag{&every}, "every", "period `D`, e.g. 10m (required)")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 || every <= 0 {
				return usagef("timer takes no arguments and needs --every D")
			}
			st, err := timerStore(ctx, env)
			if err != nil {
				return err
			}
			t, err := st.GetTimer(ctx, builtinGroupwareSync)
			if err != nil {
				return err
			}
			t.Every, t.Cron = every, ""
			if err := st.UpdateTimer(ctx, t); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "timer %s: every %s\n", t.Name, every)
			return nil
		},
	})
}
