package wfecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os/exec"
	"runtime"
	"time"

	"github.com/wfehq/wfe/actions/mailconn"
	"github.com/wfehq/wfe/store"
)

func init() {
	var (
		employee, listen, redirect string
		noBrowser                  bool
		timeout                    time.Duration
	)
	root.Sub("oauth", "OAuth2 sign-in for mail configurations (Microsoft 365)").Add(&Command{
		Name:    "login",
		Args:    "[MATCHCODE]",
		Short:   "sign in with OAuth2 and store the token",
		Example: "wfe oauth login 123",
		Long: `login signs a mail configuration (shared mailbox) or an employee in with
the OAuth2 app registration of the configuration (client id, tenant, client
secret; see wfe mailconfig set --oauth-*). It prints the URL to open, serves
the redirect on http://LISTEN/oauth/authorization/callback (register this
redirect URI with the app), exchanges the code, stores the token encrypted,
clears the automatic lock, and tests the access: IMAP login with XOAUTH2 and
the SMTP check, one "ok" or "FAIL" line each.

With --employee the token belongs to that employee and is used for every
OAuth configuration that has no sign-in of its own; the configuration's own
sign-in takes precedence. MATCHCODE may be left out when exactly one
configuration uses OAuth2. The scopes must include offline_access so that
background jobs can refresh the token.`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&employee, "employee", "", "sign in employee `LOGIN` instead of the configuration")
			fs.StringVar(&listen, "listen", mailconn.DefaultOAuthListen, "`ADDRESS` to serve the redirect on")
			fs.StringVar(&redirect, "redirect-url", "", "redirect `URL` registered with the app, when it differs from http://LISTEN/oauth/authorization/callback")
			fs.BoolVar(&noBrowser, "no-browser", false, "only print the URL; do not open a browser")
			fs.DurationVar(&timeout, "timeout", 5*time.Minute, "how long to wait for the sign-in")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 1 {
				return usagef("login takes at most one MATCHCODE")
			}
			if len(args) == 0 && employee == "" {
				return usagef("login needs a MATCHCODE or --employee LOGIN")
			}
			if err := checkHostPort("listen", listen, true); err != nil {
				return err
			}
			st, err := env.Store(ctx)
			if err != nil {
				return err
			}
			return oauthLogin(ctx, env, st, args, employee, mailconn.SignInOptions{Listen: listen, RedirectURL: redirect}, noBrowser, timeout)
		},
	})
}

func oauthLogin(ctx context.Context, env *Env, st *store.Store, args []string, login string, opts mailconn.SignInOptions, noBrowser bool, timeout time.Duration) error {
	var cfg *store.MailConfig
	if len(args) == 1 {
		c, err := st.MailConfigByMatchCode(ctx, args[0])
		if err != nil {
			return err
		}
		cfg = c
	} else {
		c, err := onlyOAuthConfig(ctx, st)
		if err != nil {
			return err
		}
		cfg = c
	}
	emp, err := employeeFlag(ctx, st, "employee", login)
	if err != nil {
		return err
	}
	opts.Show = func(u string) {
		fmt.Fprintf(env.Stdout, "Open this URL in a browser to sign in:\n\n  %s\n\n", u)
		if pu, err := url.Parse(u); err == nil && pu.Query().Get("redirect_uri") != "" {
			fmt.Fprintf(env.Stdout, "(redirect URI, as registered with the app: %s)\n", pu.Query().Get("redirect_uri"))
		}
		fmt.Fprintln(env.Stdout, "Waiting for the sign-in ...")
		if !noBrowser {
			openBrowser(u)
		}
	}
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := mailconn.SignIn(lctx, st, cfg, emp, opts)
	if err != nil {
		return err
	}
	who := "mail configuration " + cfg.MatchCode
	if emp != nil {
		who = "employee " + emp.Login
	}
	fmt.Fprintf(env.Stdout, "signed in: token stored for %s (access token valid until %s)\n", who, res.Expiry.UTC().Format(time.RFC3339))
	for _, w := range res.Warnings {
		fmt.Fprintf(env.Stdout, "note %s\n", w)
	}
	lines := &checkLines{w: env.Stdout}
	testIMAP(ctx, st, cfg, emp, lines)
	testSMTP(ctx, st, cfg, emp, lines)
	if lines.failed {
		return silentError{errors.New("the sign-in is stored, but the access test failed")}
	}
	return nil
}

// onlyOAuthConfig is the one configuration with an OAuth2 app registration.
func onlyOAuthConfig(ctx context.Context, st *store.Store) (*store.MailConfig, error) {
	cfgs, err := st.ListMailConfigs(ctx)
	if err != nil {
		return nil, err
	}
	var found []store.MailConfig
	for _, c := range cfgs {
		if c.HasOAuth() {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no mail configuration uses OAuth2: set one up with wfe mailconfig set MATCHCODE --oauth-client-id ID")
	case 1:
		return &found[0], nil
	}
	return nil, usagef("%d mail configurations use OAuth2: name the MATCHCODE whose app registration to sign in with", len(found))
}

// testOAuth checks the refresh of an OAuth configuration's token for
// `mailconfig test`: the refreshed token is stored.
func testOAuth(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee, lines *checkLines) {
	owner := "the configuration's sign-in"
	if mailconn.OAuthTokenOwner(cfg, emp) == mailconn.TokenEmployee {
		owner = "employee " + emp.Login + "'s sign-in"
	}
	exp, err := mailconn.RefreshOAuth(ctx, st, cfg, emp)
	if err != nil {
		lines.fail("oauth token refresh", err)
		return
	}
	lines.ok("oauth token refresh (%s): new access token valid until %s, stored", owner, exp.UTC().Format(time.RFC3339))
}

// openBrowser tries to show u in the desktop's browser; failures are
// ignored (the URL is printed anyway).
func openBrowser(u string) {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	case "darwin":
		cmd = exec.Command("open", u)
	default:
		cmd = exec.Command("xdg-open", u)
	}
	if cmd.Start() == nil {
		go func() { _ = cmd.Wait() }()
	}
}
