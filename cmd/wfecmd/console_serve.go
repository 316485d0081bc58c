package wfecmd

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wfehq/wfe/console"
	"github.com/wfehq/wfe/console/watchdog"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
)

// consoleOptions are serve's flags for the admin console.
type consoleOptions struct {
	addr    string
	tlsCert string
	tlsKey  string
	// publicURL is the console's address as browsers reach it (OAuth
	// redirect URI); "" = the request's host
	publicURL string
	watchdog  watchdogOptions
	// watchdogMail is the match code of the mail configuration that
	// mails a failing configuration's responsible employee ("" = no
	// mails)
	watchdogMail string
}

// defaultConsoleAddr is where serve offers the console unless told
// otherwise: loopback only, so it is reached through a reverse proxy or
// an SSH tunnel until an admin chooses an address.
const defaultConsoleAddr = "127.0.0.1:8080"

func (o *consoleOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.addr, "http", defaultConsoleAddr, "serve the admin console on `ADDR` (host:port); off: no console")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "serve the console over HTTPS with this certificate `FILE` (PEM; with --tls-key)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "private key `FILE` of --tls-cert (PEM)")
	fs.StringVar(&o.publicURL, "public-url", "", "the console's `URL` as browsers reach it (behind a proxy), for the OAuth redirect URI URL/oauth/authorization/callback")
	fs.StringVar(&o.watchdogMail, "watchdog-mail", "", "mail the responsible employee of a mail configuration that fails or is locked, once per incident, through the mail configuration `MATCHCODE`")
	o.watchdog.flags(fs)
}

// watchdogMailEvery is how often serve looks for incidents to mail.
const watchdogMailEvery = time.Minute

// startWatchdogMail starts the watchdog's mails with --watchdog-mail; it
// runs until ctx ends.
func startWatchdogMail(ctx context.Context, env *Env, st *store.Store, o consoleOptions, node string, log *slog.Logger) error {
	if o.watchdogMail == "" {
		return nil
	}
	via, err := st.MailConfigByMatchCode(ctx, o.watchdogMail)
	if err != nil {
		return usagef("--watchdog-mail %s: %v", o.watchdogMail, err)
	}
	if !strings.Contains(via.UserName, "@") {
		return usagef("--watchdog-mail %s: the configuration's user name %q is no address to send from", o.watchdogMail, via.UserName)
	}
	loc, err := cronLocation(env, "")
	if err != nil {
		return err
	}
	wd, err := o.watchdog.config(loc)
	if err != nil {
		return err
	}
	n := &watchdog.Notifier{Store: st, Config: wd, Via: via, Node: node, Logger: log.With("component", "watchdog")}
	go n.Run(ctx, watchdogMailEvery)
	log.Info("watchdog mails on", "via", via.MatchCode)
	return nil
}

// runningConsole is the console's HTTP server while serve runs.
type runningConsole struct {
	srv     *http.Server
	done    chan error
	stopped atomic.Bool // the scheduler is shutting down: /readyz says so
}

// startConsole listens on o.addr and serves the console beside the
// timers; it returns nil with --http off.
func startConsole(ctx context.Context, env *Env, st *store.Store, sched console.Scheduler, o consoleOptions, node string, log *slog.Logger) (*runningConsole, error) {
	if o.addr == "off" || o.addr == "" {
		return nil, nil
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return nil, usagef("--tls-cert and --tls-key go together")
	}
	loc, err := cronLocation(env, "")
	if err != nil {
		return nil, err
	}
	wd, err := o.watchdog.config(loc)
	if err != nil {
		return nil, err
	}
	rc := &runningConsole{done: make(chan error, 1)}
	h, err := console.New(console.Options{Store: st, Validate: env.storeValidator(st), Scheduler: sched, TLS: o.tlsCert != "",
		PublicURL: o.publicURL, SyncTimer: builtinGroupwareSync, Watchdog: wd, Logger: log.With("component", "console"), Ready: rc.ready,
		RunWorkflow: consoleRunner(env, st, node),
		ReplayRunAs: func(ctx context.Context) (string, error) { return replayRunAs(ctx, st, "") },
		TestMailConfig: func(ctx context.Context, matchCode string, w io.Writer) error {
			return mailConfigTest(ctx, &Env{Stdout: w, Stderr: w, Getenv: env.Getenv, Extensions: env.Extensions}, st, matchCode, "")
		}})
	if err != nil {
		return nil, err
	}
	rc.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("console certificate: %w", err)
		}
		rc.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return nil, fmt.Errorf("console: %w (choose another address with --http ADDR, or --http off)", err)
	}
	go func() {
		if rc.srv.TLSConfig != nil {
			rc.done <- rc.srv.ServeTLS(ln, "", "")
		} else {
			rc.done <- rc.srv.Serve(ln)
		}
	}()
	scheme := map[bool]string{true: "https", false: "http"}[o.tlsCert != ""]
	log.Info("console listening", "url", scheme+"://"+ln.Addr().String()+"/")
	if users, err := st.Console().ListUsers(ctx); err == nil && len(users) == 0 {
		log.Warn("console: no console user yet; add one with: wfe console user add NAME --role admin --password-stdin")
	}
	return rc, nil
}

// consoleRunner is the console's "Run now" of a workflow: runWorkflow on
// this serve's node, as the employee chosen on the page.
func consoleRunner(env *Env, st *store.Store, node string) func(ctx context.Context, workflowID, runAs string) (string, error) {
	return func(ctx context.Context, workflowID, runAs string) (string, error) {
		rec, err := runWorkflowOn(ctx, env, st, workflowID, engine.RunOptions{RunAs: runAs, Trigger: "console"}, runSite{Node: node})
		if rec == nil {
			return "", err
		}
		return rec.ID, err
	}
}

func (rc *runningConsole) ready() error {
	if rc.stopped.Load() {
		return errors.New("the scheduler is stopping")
	}
	return nil
}

// stop ends the console: no new requests, running ones may finish within
// the grace period.
func (rc *runningConsole) stop(ctx context.Context, grace time.Duration) error {
	if rc == nil {
		return nil
	}
	rc.stopped.Store(true)
	ctx, cancel := context.WithTimeout(ctx, grace+5*time.Second)
	defer cancel()
	err := rc.srv.Shutdown(ctx)
	if serr := <-rc.done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
