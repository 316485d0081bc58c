package wfecmd

import (
	"context"
	"errors"
	"flag"
	"strings"
	"time"

	"github.com/wfehq/wfe/console/watchdog"
)

// watchdogOptions are the flags that tune when a source is quiet or
// failing (wfe status and wfe serve --http).
type watchdogOptions struct {
	quietFactor  float64
	failingAfter time.Duration
}

func (o *watchdogOptions) flags(fs *flag.FlagSet) {
	fs.Float64Var(&o.quietFactor, "quiet-factor", 3, "a source with no successful run for `N` times its interval is quiet")
	fs.DurationVar(&o.failingAfter, "failing-after", 0, "a source whose runs fail for longer than this is failing (0: at the first failed run)")
}

func (o watchdogOptions) config(loc *time.Location) (watchdog.Config, error) {
	if o.quietFactor < 1 {
		return watchdog.Config{}, usagef("--quiet-factor must be at least 1")
	}
	if o.failingAfter < 0 {
		return watchdog.Config{}, usagef("--failing-after must not be negative")
	}
	return watchdog.Config{QuietFactor: o.quietFactor, FailingAfter: o.failingAfter, Location: loc}, nil
}

func init() {
	var (
		wd     watchdogOptions
		asJSON bool
		tz     string
	)
	root.Add(&Command{
		Name:    "status",
		Short:   "show the state of every source; exit 1 when one is failing",
		Example: "wfe status --json",
		Long: `status prints one line per source: every active timer, every mail
configuration flagged "import automatically" and every employee with a
groupware account, with its state:

  ok       its runs succeed
  failing  its runs have failed since its last success (for longer than
           --failing-after)
  locked   an authentication failure locked it (change the credentials to
           unlock it), or it is locked by hand
  quiet    no successful run for --quiet-factor times its interval: its timer
           is off, its node stopped, or nothing imports it

The exit status is 1 when any source is failing, so status fits a cron job or
a monitoring check; locked and quiet sources are shown but do not fail it.`,
		Flags: func(fs *flag.FlagSet) {
			wd.flags(fs)
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			fs.StringVar(&tz, "tz", "", "time `ZONE` of cron expressions (default WFE_TZ, else local)")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("status takes no arguments")
			}
			return status(ctx, env, wd, asJSON, tz)
		},
	})
}

func status(ctx context.Context, env *Env, wd watchdogOptions, asJSON bool, tz string) error {
	loc, err := cronLocation(env, tz)
	if err != nil {
		return err
	}
	cfg, err := wd.config(loc)
	if err != nil {
		return err
	}
	st, err := env.Store(ctx)
	if err != nil {
		return err
	}
	sources, err := watchdog.Sources(ctx, st, cfg, time.Now())
	if err != nil {
		return err
	}
	if asJSON {
		err = printJSON(env.Stdout, nonNil(sources))
	} else {
		err = printSources(env, sources)
	}
	if err == nil && watchdog.AnyFailing(sources) {
		return silentError{errors.New("a source is failing")}
	}
	return err
}

func printSources(env *Env, sources []watchdog.Source) error {
	t := newTable("STATE", "KIND", "SOURCE", "LAST SUCCESS", "LAST ERROR").keepWhole("SOURCE").freeText("LAST ERROR")
	for _, s := range sources {
		last := "never"
		if s.LastSuccess != nil {
			last = s.LastSuccess.Local().Format("2006-01-02 15:04:05")
		}
		lastErr := "-"
		if s.LastError != "" {
			lastErr = strings.ReplaceAll(s.LastError, "\n", "; ")
			if s.LastErrorAt != nil {
				lastErr = s.LastErrorAt.Local().Format("2006-01-02 15:04:05") + " " + lastErr
			}
		}
		t.row(s.State, s.Kind, s.Name, last, lastErr)
	}
	return t.print(env.Stdout, env.Wide)
}
