package wfecmd

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/engine/timer"
	"github.com/wfehq/wfe/store"
)

// Claims of ticks older than claimRetention are pruned by serve every
// claimPruneEvery; a node is never that late for a tick.
const (
	claimRetention  = 24 * time.Hour
	claimPruneEvery = time.Hour
)

// serveOptions are the flags of `wfe serve`.
type serveOptions struct {
	node      string
	logFormat string
	grace     time.Duration
	reload    time.Duration
	tz        string
	dbConns   int
	parallel  int
	noPush    bool
	console   consoleOptions
}

func (o *serveOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.node, "node", "", "`NAME` of this node in claims, leases and run records (default hostname:pid)")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
	fs.DurationVar(&o.grace, "grace", timer.DefaultGracePeriod, "on SIGINT/SIGTERM, how long running timers may finish before they are cancelled")
	fs.DurationVar(&o.reload, "reload", timer.DefaultReloadInterval, "how often the timer tasks are read again")
	fs.IntVar(&o.dbConns, "db-conns", defaultDBConns, "at most `N` open PostgreSQL connections of this node")
	fs.IntVar(&o.parallel, "parallel", mailimport.DefaultParallel(), "import at most `N` mail configurations at the same time")
	fs.BoolVar(&o.noPush, "no-push", false, "watch no inbox with IMAP IDLE; the timer polls every configuration")
	fs.StringVar(&o.tz, "tz", "", "time `ZONE` of cron expressions, e.g. Europe/Berlin (default WFE_TZ, else local); the same on every node")
	o.console.flags(fs)
}

var serveOpts serveOptions

func init() {
	root.Add(&Command{
		Name:    "serve",
		Short:   "run the timer tasks until SIGINT or SIGTERM",
		Example: "wfe --db postgres://wfe@db.example/wfe serve --node node-a",
		Long: `serve runs every active timer task (see 'wfe timer list') and writes a run
record for every tick it fires: succeeded, failed, or skipped when the previous
run of the timer is still going. Timers added, changed or removed are picked up
within the --reload interval. After downtime a timer fires once, not once per
missed tick. On SIGINT or SIGTERM serve takes no new work, lets running timers
finish for up to --grace (then cancels them) and exits 0.

Several nodes may serve one PostgreSQL database: each scheduled time of a timer
runs on exactly one node, and imports of one mail configuration never overlap
(a lease per configuration in the database, which expires when its node dies).
On SQLite only one serve may run per database file.

The mail-auto-import timer imports at most --parallel configurations at a
time (at most 4 per IMAP server). A configuration set with --push (see
'wfe mailconfig set') is also watched with IMAP IDLE: new mail is imported
within seconds, the timer still polls as the fallback, and 'wfe timer
list' shows whether each source is pushed or polled. --no-push turns the
watchers off.

serve also offers the admin console on --http (default 127.0.0.1:8080; --http
off for none), over HTTPS with --tls-cert and --tls-key. Sign in with a user
of 'wfe console user add'; see 'wfe status' for --quiet-factor and
--failing-after. With --watchdog-mail MATCHCODE the responsible employee of a
mail configuration whose automatic import fails or is locked gets one mail per
incident (the next only after a successful import and a new failure), sent
through the outbox and the SMTP server of the configuration MATCHCODE.`,
		Flags: serveOpts.flags,
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("serve takes no arguments")
			}
			return serve(ctx, env, serveOpts)
		},
	})
}

func serve(ctx context.Context, env *Env, o serveOptions) error {
	handler, err := o.check(env)
	if err != nil {
		return err
	}
	loc, err := cronLocation(env, o.tz)
	if err != nil {
		return err
	}
	node := o.node
	if node == "" {
		node = nodeName()
	}
	log := slog.New(handler).With("node", node)

	st, err := openServeStore(ctx, env, o.dbConns)
	if err != nil {
		return err
	}
	svc := &timerService{env: env, st: st, node: node, log: log, parallel: o.parallel}
	sched, err := svc.newScheduler(loc, timer.WithReloadInterval(o.reload), timer.WithGracePeriod(o.grace))
	if err != nil {
		return err
	}
	if err := sched.Start(ctx); err != nil {
		sched.Shutdown(context.WithoutCancel(ctx))
		return fmt.Errorf("start the timers: %w", err)
	}
	stopPush := func() {}
	if !o.noPush {
		stopPush = svc.startPush(ctx)
	}
	defer stopPush()
	cons, err := startConsole(ctx, env, st, sched, o.console, node, log)
	if err == nil {
		err = startWatchdogMail(ctx, env, st, o.console, node, log)
	}
	if err != nil {
		cons.stop(context.WithoutCancel(ctx), 0)
		sched.Shutdown(context.WithoutCancel(ctx))
		return err
	}
	log.Info("serve started", "db", string(st.Dialect()), "timers", len(sched.NextRuns()), "reload", o.reload.String(),
		"grace", o.grace.String(), "tz", loc.String())
	if env.watch.serveReady != nil {
		env.watch.serveReady(node)
	}
	pruneClaimsUntilDone(ctx, st, log)
	return stopServe(ctx, cons, sched, o.grace, log)
}

// check checks the flags of serve and returns the log handler
// --log-format names.
func (o *serveOptions) check(env *Env) (slog.Handler, error) {
	var handler slog.Handler
	switch o.logFormat {
	case "text":
		handler = slog.NewTextHandler(env.Stderr, nil)
	case "json":
		handler = slog.NewJSONHandler(env.Stderr, nil)
	default:
		return nil, usagef("--log-format %q: want text or json", o.logFormat)
	}
	if o.grace < 0 {
		return nil, usagef("--grace must not be negative")
	}
	if o.reload <= 0 {
		return nil, usagef("--reload must be positive")
	}
	if o.parallel < 1 {
		return nil, usagef("--parallel must be at least 1")
	}
	if o.dbConns < 1 {
		return nil, usagef("--db-conns must be at least 1")
	}
	return handler, nil
}

// openServeStore opens the store for serve: one serve per SQLite file
// (locked until env closes), at most dbConns PostgreSQL connections, and
// the built-in timers created when missing.
func openServeStore(ctx context.Context, env *Env, dbConns int) (*store.Store, error) {
	st, err := env.Store(ctx)
	if err != nil {
		return nil, err
	}
	if st.Dialect() == store.SQLite {
		unlock, err := lockServe(st.Path())
		if err != nil {
			return nil, err
		}
		env.OnClose(unlock)
	} else if err := st.LimitConns(dbConns); err != nil {
		return nil, err
	}
	if err := ensureBuiltinTimers(ctx, st); err != nil {
		return nil, fmt.Errorf("create the built-in timer %s: %w", builtinAutoImport, err)
	}
	return st, nil
}

// pruneClaimsUntilDone removes old timer claims every claimPruneEvery
// until ctx ends.
func pruneClaimsUntilDone(ctx context.Context, st *store.Store, log *slog.Logger) {
	prune := time.NewTicker(claimPruneEvery)
	defer prune.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-prune.C:
			if n, err := st.PruneClaims(ctx, time.Now().Add(-claimRetention)); err != nil {
				log.Warn("prune timer claims", "err", err)
			} else if n > 0 {
				log.Debug("pruned timer claims", "count", n)
			}
		}
	}
}

// stopServe stops the console and the timers, giving running timers the
// grace period.
func stopServe(ctx context.Context, cons *runningConsole, sched *timer.Scheduler, grace time.Duration, log *slog.Logger) error {
	log.Info("serve stopping: no new ticks; waiting for running timers", "grace", grace.String())
	if err := cons.stop(context.WithoutCancel(ctx), grace); err != nil {
		log.Warn("console stopped with requests still open", "err", err)
	}
	// Shutdown cancels the running timers after the grace period and then
	// waits for them to return; the extra minute bounds a run that ignores
	// its cancelled context.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace+time.Minute)
	defer cancel()
	if err := sched.Shutdown(sctx); err != nil {
		log.Error("serve stopped with timers still running", "err", err)
		return silentError{err}
	}
	log.Info("serve stopped")
	return nil
}

// defaultDBConns bounds the PostgreSQL connections of one serve. Without a
// bound, a burst of ticks opens one connection per tick and PostgreSQL
// refuses them beyond max_connections (100 by default): claims then fail.
const defaultDBConns = 10

// lockServe takes an exclusive lock on <db>.serve.lock so that a second
// serve on the same SQLite file refuses to start (the lock goes with the
// process, also when it is killed).
func lockServe(dbPath string) (func() error, error) {
	path := dbPath + ".serve.lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("serve lock %s: %w", path, err)
	}
	if locked, err := tryLockFile(f); err != nil || !locked {
		holder := make([]byte, 128)
		n, _ := f.ReadAt(holder, 0)
		f.Close()
		if err == nil {
			who := ""
			if n > 0 {
				who = fmt.Sprintf(" (%s)", string(holder[:n]))
			}
			return nil, fmt.Errorf("another 'wfe serve' runs on %s already%s; one SQLite database takes one serve (use PostgreSQL for several nodes)", dbPath, who)
		}
		return nil, fmt.Errorf("serve lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "pid %d", os.Getpid())
	}
	return func() error {
		unlockFile(f)
		return f.Close()
	}, nil
}
