package wfecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/actions/mailconn"
	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/store"
)

// optString is a string flag that remembers whether it was given, so
// `mailconfig set` changes only the fields named on the command line.
type optString struct {
	v   string
	set bool
}

func (o *optString) String() string {
	if o == nil {
		return ""
	}
	return o.v
}
func (o *optString) Set(s string) error { o.v, o.set = s, true; return nil }

// optBool is a boolean flag that remembers whether it was given.
type optBool struct {
	v   bool
	set bool
}

func (o *optBool) String() string {
	if o == nil {
		return "false"
	}
	return strconv.FormatBool(o.v)
}
func (o *optBool) IsBoolFlag() bool { return true }
func (o *optBool) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false")
	}
	o.v, o.set = b, true
	return nil
}

// mailConfigFlags are the flags of `mailconfig set`. Secrets come from
// stdin or an environment variable, never from a flag value.
type mailConfigFlags struct {
	user, groupwareSystem, imap, imapSecurity, smtp, smtpSecurity, caFile,
	responsible, importFolder, errorFolder, groupwareHost, groupwarePort,
	calendarSystem, displayName, importSince,
	oauthTenant, oauthClientID, oauthAuthURL, oauthTokenURL, oauthScopes, groupwareURL optString
	smtpAuth, locked, autoImport      optBool
	push                              optBool
	passwordStdin                     bool
	passwordEnv, oauthClientSecretEnv string
}

func (f *mailConfigFlags) define(fs *flag.FlagSet) {
	*f = mailConfigFlags{}
	fs.Var(&f.user, "user", "user name for the mail servers (empty: the run-as employee's groupware login)")
	fs.BoolVar(&f.passwordStdin, "password-stdin", false, "read the password from standard input")
	fs.StringVar(&f.passwordEnv, "password-env", "", "read the password from environment variable `VAR`")
	fs.Var(&f.groupwareSystem, "groupware-system", "groupware system (GroupwareSystem.MailConfig), e.g. SERVER")
	fs.Var(&f.imap, "imap", "incoming (IMAP) server `host:port`")
	fs.Var(&f.imapSecurity, "imap-security", "IMAP transport security: none, starttls or tls")
	fs.Var(&f.smtp, "smtp", "outgoing (SMTP) server `host:port`")
	fs.Var(&f.smtpSecurity, "smtp-security", "SMTP transport security: none, starttls or tls")
	fs.Var(&f.smtpAuth, "smtp-auth", "authenticate for outgoing mail (true/false)")
	fs.Var(&f.caFile, "ca-file", "PEM `file` of extra CA certificates to trust")
	fs.Var(&f.locked, "locked", "\"is locked\": keep the configuration but do not use it (true/false)")
	fs.Var(&f.autoImport, "auto-import", "import automatically (true/false)")
	fs.Var(&f.push, "push", "under wfe serve, also watch the inbox with IMAP IDLE and import new mail at once (needs --auto-import; --push=false turns it off)")
	fs.Var(&f.responsible, "responsible", "`LOGIN` of the employee imported mails are delegated to (empty clears)")
	fs.Var(&f.importFolder, "import-folder", "folder imported mails are moved to (default "+store.DefaultImportFolder+")")
	fs.Var(&f.errorFolder, "error-folder", "folder mails that cannot be imported are moved to (default "+store.DefaultErrorFolder+")")
	fs.Var(&f.groupwareHost, "groupware-host", "groupware server host (GroupwareServer.MailConfig)")
	fs.Var(&f.groupwarePort, "groupware-port", "groupware server port (Port.MailConfig)")
	fs.Var(&f.calendarSystem, "calendar-system", "groupware system for sync (NewsSystem.MailConfig): none, graph or dav")
	fs.Var(&f.groupwareURL, "groupware-url", "groupware `URL`: Graph's service root (default "+groupwaresync.DefaultGraphRoot+", wfe appends /v1.0) or the CardDAV server")
	fs.Var(&f.displayName, "display-name", "sender name for mail sent over SMTP")
	fs.Var(&f.importSince, "import-since", "import only mail received on or after `DATE` (YYYY-MM-DD or RFC 3339; empty clears)")
	fs.Var(&f.oauthTenant, "oauth-tenant", "OAuth2 tenant id (Microsoft 365)")
	fs.Var(&f.oauthClientID, "oauth-client-id", "OAuth2 client id of the app registration")
	fs.StringVar(&f.oauthClientSecretEnv, "oauth-client-secret-env", "", "read the OAuth2 client secret from environment variable `VAR`")
	fs.Var(&f.oauthAuthURL, "oauth-auth-url", "OAuth2 authorization endpoint (default: Microsoft identity platform)")
	fs.Var(&f.oauthTokenURL, "oauth-token-url", "OAuth2 token endpoint (default: Microsoft identity platform)")
	fs.Var(&f.oauthScopes, "oauth-scopes", "OAuth2 scopes, space separated")
}

// apply copies the given flags onto c and returns the names of the
// changed fields. Secrets are read from stdin or the environment.
func (f *mailConfigFlags) apply(ctx context.Context, env *Env, st *store.Store, c *store.MailConfig) ([]string, error) {
	if err := f.checkServersAndSystem(); err != nil {
		return nil, err
	}
	var ch fieldChanges
	if err := f.applyServers(&ch, c); err != nil {
		return nil, err
	}
	f.applyTexts(&ch, c)
	if err := f.applyParsed(ctx, st, &ch, c); err != nil {
		return nil, err
	}
	if err := f.applySecrets(env, &ch, c); err != nil {
		return nil, err
	}
	return ch, nil
}

// fieldChanges collects the flag names of the fields apply changed.
type fieldChanges []string

// str sets *dst to the flag's value when it was given and differs.
func (ch *fieldChanges) str(o optString, name string, dst *string) {
	if o.set && *dst != o.v {
		*dst = o.v
		*ch = append(*ch, name)
	}
}

// boolean sets *dst to the flag's value when it was given and differs.
func (ch *fieldChanges) boolean(o optBool, name string, dst *bool) {
	if o.set && *dst != o.v {
		*dst = o.v
		*ch = append(*ch, name)
	}
}

// security sets *dst to the transport security the flag names, when given.
func (ch *fieldChanges) security(o optString, name string, dst *string) error {
	if !o.set {
		return nil
	}
	sec, err := mailbox.ParseSecurity(o.v)
	if err != nil {
		return usagef("--%s: %v", name, err)
	}
	ch.str(optString{v: string(sec), set: true}, name, dst)
	return nil
}

// checkServersAndSystem checks the --imap and --smtp addresses and
// replaces --calendar-system by the system's canonical name.
func (f *mailConfigFlags) checkServersAndSystem() error {
	for _, a := range []struct {
		name string
		o    optString
	}{{"imap", f.imap}, {"smtp", f.smtp}} {
		if a.o.set && a.o.v != "" {
			if err := checkHostPort(a.name, a.o.v, false); err != nil {
				return err
			}
		}
	}
	if f.calendarSystem.set {
		system, err := groupwaresync.ParseSystem(f.calendarSystem.v)
		if err != nil {
			return usagef("--calendar-system: %v", err)
		}
		f.calendarSystem.v = system
	}
	return nil
}

// applyServers applies the user, the mail servers with their security,
// SMTP authentication and the CA file.
func (f *mailConfigFlags) applyServers(ch *fieldChanges, c *store.MailConfig) error {
	ch.str(f.user, "user", &c.UserName)
	ch.str(f.groupwareSystem, "groupware-system", &c.GroupwareSystem)
	ch.str(f.imap, "imap", &c.IMAPAddr)
	if err := ch.security(f.imapSecurity, "imap-security", &c.IMAPSecurity); err != nil {
		return err
	}
	ch.str(f.smtp, "smtp", &c.SMTPAddr)
	if err := ch.security(f.smtpSecurity, "smtp-security", &c.SMTPSecurity); err != nil {
		return err
	}
	ch.boolean(f.smtpAuth, "smtp-auth", &c.SMTPAuth)
	if f.caFile.set && f.caFile.v != "" {
		// checked now rather than at the first connection, and kept as
		// an absolute path: serve and timers may run elsewhere
		abs, err := filepath.Abs(f.caFile.v)
		if err == nil {
			err = mailbox.CheckCAFile(abs)
		}
		if err != nil {
			return usagef("--ca-file %s: %v", f.caFile.v, err)
		}
		f.caFile.v = abs
	}
	ch.str(f.caFile, "ca-file", &c.CAFile)
	return nil
}

// applyTexts applies the flags copied as they are.
func (f *mailConfigFlags) applyTexts(ch *fieldChanges, c *store.MailConfig) {
	ch.boolean(f.locked, "locked", &c.IsLocked)
	ch.boolean(f.autoImport, "auto-import", &c.AutoImport)
	ch.boolean(f.push, "push", &c.Push)
	ch.str(f.importFolder, "import-folder", &c.ImportFolder)
	ch.str(f.errorFolder, "error-folder", &c.ErrorFolder)
	ch.str(f.groupwareHost, "groupware-host", &c.GroupwareHost)
	ch.str(f.calendarSystem, "calendar-system", &c.CalendarSystem)
	ch.str(f.displayName, "display-name", &c.DisplayName)
	ch.str(f.oauthTenant, "oauth-tenant", &c.OAuthTenantID)
	ch.str(f.oauthClientID, "oauth-client-id", &c.OAuthClientID)
	ch.str(f.oauthAuthURL, "oauth-auth-url", &c.OAuthAuthURL)
	ch.str(f.oauthTokenURL, "oauth-token-url", &c.OAuthTokenURL)
	ch.str(f.oauthScopes, "oauth-scopes", &c.OAuthScopes)
}

// applyParsed applies the flags that need parsing or a look-up: the
// groupware port, the import start date and the responsible employee.
func (f *mailConfigFlags) applyParsed(ctx context.Context, st *store.Store, ch *fieldChanges, c *store.MailConfig) error {
	if f.groupwarePort.set {
		port := 0
		if f.groupwarePort.v != "" {
			n, err := strconv.Atoi(f.groupwarePort.v)
			if err != nil || n < 1 || n > 65535 {
				return usagef("--groupware-port %q is not a port number (1-65535)", f.groupwarePort.v)
			}
			port = n
		}
		if c.GroupwarePort != port {
			c.GroupwarePort = port
			*ch = append(*ch, "groupware-port")
		}
	}
	if f.importSince.set {
		since, err := parseDate(f.importSince.v)
		if err != nil {
			return usagef("--import-since: %v", err)
		}
		if !equalTime(c.ImportSince, since) {
			c.ImportSince = since
			*ch = append(*ch, "import-since")
		}
	}
	if f.responsible.set {
		var id *int64
		if f.responsible.v != "" {
			emp, err := st.EmployeeByLogin(ctx, f.responsible.v)
			if err != nil {
				return fmt.Errorf("--responsible %s: %w", f.responsible.v, err)
			}
			id = &emp.ID
		}
		if !equalID(c.ResponsibleID, id) {
			c.ResponsibleID = id
			*ch = append(*ch, "responsible")
		}
	}
	return nil
}

// applySecrets applies the password and the OAuth2 client secret, read
// from stdin or the environment.
func (f *mailConfigFlags) applySecrets(env *Env, ch *fieldChanges, c *store.MailConfig) error {
	if f.passwordStdin || f.passwordEnv != "" {
		pw, err := f.password(env)
		if err != nil {
			return err
		}
		if pw != c.Password {
			c.Password = pw
			*ch = append(*ch, "password")
		}
	}
	if f.oauthClientSecretEnv != "" {
		secret := env.Getenv(f.oauthClientSecretEnv)
		if secret == "" {
			return fmt.Errorf("environment variable %s (--oauth-client-secret-env) is empty or not set", f.oauthClientSecretEnv)
		}
		if secret != c.OAuthClientSecret {
			c.OAuthClientSecret = secret
			*ch = append(*ch, "oauth-client-secret")
		}
	}
	return nil
}

func (f *mailConfigFlags) password(env *Env) (string, error) {
	if f.passwordStdin && f.passwordEnv != "" {
		return "", usagef("give the password either with --password-stdin or with --password-env, not both")
	}
	if f.passwordEnv != "" {
		pw := env.Getenv(f.passwordEnv)
		if pw == "" {
			return "", fmt.Errorf("environment variable %s (--password-env) is empty or not set", f.passwordEnv)
		}
		return pw, nil
	}
	b, err := io.ReadAll(io.LimitReader(env.Stdin, 64<<10))
	if err != nil {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	pw := strings.TrimRight(string(b), "\r\n")
	if pw == "" {
		return "", fmt.Errorf("--password-stdin: standard input is empty")
	}
	return pw, nil
}

// parseDate accepts YYYY-MM-DD (midnight UTC) or RFC 3339; "" is no date.
func parseDate(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	return nil, fmt.Errorf("%q is not a date (want YYYY-MM-DD or RFC 3339)", s)
}

func equalTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func equalID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func init() {
	mc := root.Sub("mailconfig", "manage mail configurations (IMAP/SMTP accounts)")
	mc.Add(mailConfigSetCommand(), mailConfigListCommand(), mailConfigTestCommand())
}

func mailConfigSetCommand() *Command {
	var set mailConfigFlags
	return &Command{
		Name:    "set",
		Args:    "MATCHCODE",
		Short:   "create or update a mail configuration",
		Example: "wfe mailconfig set 123 --user info@firma.example --imap imap.firma.example:993 --imap-security tls --password-stdin",
		Long: `set creates the mail configuration MATCHCODE or, when it exists, changes
the fields given as flags (others keep their values). More than one
configuration with that match code is refused.

The password is read from standard input (--password-stdin) or from an
environment variable (--password-env VAR), never from a flag value; the
OAuth2 client secret likewise (--oauth-client-secret-env VAR). Secrets are
stored encrypted. Changing the credentials (user, password, OAuth client)
clears the automatic lock an authentication failure set.`,
		Flags: set.define,
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 1, "set needs exactly one MATCHCODE")
			if err != nil {
				return err
			}
			return mailConfigSet(ctx, env, st, args[0], &set)
		},
	}
}

func mailConfigListCommand() *Command {
	var asJSON bool
	return &Command{
		Name:    "list",
		Short:   "list mail configurations (never their secrets)",
		Example: "wfe mailconfig list --json",
		Flags:   func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "print JSON") },
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 0, "list takes no arguments")
			if err != nil {
				return err
			}
			return mailConfigList(ctx, env, st, asJSON)
		},
	}
}

func mailConfigTestCommand() *Command {
	var testAs string
	return &Command{
		Name:    "test",
		Args:    "MATCHCODE",
		Short:   "log in over IMAP, check SMTP and test the groupware",
		Example: "wfe mailconfig test 123",
		Long: `test logs in to the IMAP server of MATCHCODE, lists its folders and the
unseen mail of INBOX, and checks the SMTP server (connect, TLS, login) without
sending mail. Each check prints one line starting with "ok" or "FAIL"; the
exit status is 1 when a check failed.

When the configuration has no user name or password, the groupware login of
the employee given with --as is used. A failed login here does not lock the
configuration: the test is an administrator's deliberate attempt.

With a calendar system (graph or dav) it also tests the groupware as the
employee given with --as: signs in, lists the contact folders, finds the
folders of every active sync rule and, for Microsoft Graph, checks each
permission the rules need by name (Contacts.ReadWrite; User.Read and
offline_access for a delegated sign-in). It changes nothing on the server. A
configuration with a groupware and no IMAP or SMTP server tests only the
groupware.`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&testAs, "as", "", "employee `LOGIN` whose groupware login stands in for missing credentials")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 1, "test needs exactly one MATCHCODE")
			if err != nil {
				return err
			}
			return mailConfigTest(ctx, env, st, args[0], testAs)
		},
	}
}

func mailConfigSet(ctx context.Context, env *Env, st *store.Store, matchCode string, f *mailConfigFlags) error {
	cfgs, err := st.MailConfigsByMatchCode(ctx, matchCode)
	if err != nil {
		return err
	}
	if len(cfgs) > 1 {
		return fmt.Errorf("%d mail configurations have match code %q; refusing to change one of them", len(cfgs), matchCode)
	}
	if len(cfgs) == 0 {
		c := &store.MailConfig{MatchCode: matchCode}
		if _, err := f.apply(ctx, env, st, c); err != nil {
			return err
		}
		if err := st.CreateMailConfig(ctx, c); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "mail configuration %s created (id %d)\n", c.MatchCode, c.ID)
		return setGroupwareURL(ctx, st, c, f)
	}
	c := &cfgs[0]
	wasLocked, reason := c.AutoLocked, c.AutoLockedReason
	changed, err := f.apply(ctx, env, st, c)
	if err != nil {
		return err
	}
	if err := setGroupwareURL(ctx, st, c, f); err != nil {
		return err
	}
	if len(changed) == 0 {
		fmt.Fprintf(env.Stdout, "mail configuration %s unchanged (id %d)\n", c.MatchCode, c.ID)
		return nil
	}
	if err := st.UpdateMailConfig(ctx, c); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "mail configuration %s updated (id %d): %s\n", c.MatchCode, c.ID, strings.Join(changed, ", "))
	if wasLocked && !c.AutoLocked {
		fmt.Fprintf(env.Stdout, "automatic lock cleared (was: %s)\n", reason)
	}
	return nil
}

// mailConfigJSON is one configuration as `mailconfig list --json` prints
// it: the stored fields (secrets are never marshalled) and what the
// listing works out.
type mailConfigJSON struct {
	store.MailConfig
	Responsible    string `json:"responsible"`
	HasPassword    bool   `json:"has_password"`
	OAuthSignedIn  bool   `json:"oauth_signed_in"`
	AutoLockStatus string `json:"auto_lock"`
}

func mailConfigList(ctx context.Context, env *Env, st *store.Store, asJSON bool) error {
	cfgs, err := st.ListMailConfigs(ctx)
	if err != nil {
		return err
	}
	emps, err := employeeLogins(ctx, st)
	if err != nil {
		return err
	}
	out := make([]mailConfigJSON, len(cfgs))
	for i, c := range cfgs {
		out[i] = mailConfigJSON{MailConfig: c, Responsible: emps.of(c.ResponsibleID),
			HasPassword: c.Password != "", OAuthSignedIn: c.OAuthToken != "", AutoLockStatus: autoLockStatus(&c)}
	}
	if asJSON {
		return printJSON(env.Stdout, out)
	}
	t := newTable("ID", "MATCH CODE", "USER", "IMAP", "SMTP", "SECURITY", "FLAGS", "LOCKED", "AUTO-LOCK").keepWhole("ID", "MATCH CODE").
		freeText("USER", "IMAP", "SMTP", "FLAGS", "AUTO-LOCK")
	for _, c := range out {
		user := c.UserName
		if user == "" {
			user = "(employee's login)"
		}
		t.row(c.ID, c.MatchCode, user, dash(c.IMAPAddr), dash(c.SMTPAddr),
			orNone(c.IMAPSecurity)+"/"+orNone(c.SMTPSecurity), mailConfigFlagsText(&c), yesNo(c.IsLocked), dash(c.AutoLockStatus))
	}
	return t.print(env.Stdout, env.Wide)
}

func mailConfigFlagsText(c *mailConfigJSON) string {
	var fl []string
	if c.AutoImport {
		fl = append(fl, "auto-import")
	}
	if c.Push {
		fl = append(fl, "push")
	}
	if c.SMTPAuth {
		fl = append(fl, "smtp-auth")
	}
	if c.HasOAuth() {
		fl = append(fl, "oauth")
	}
	if c.Responsible != "" {
		fl = append(fl, "responsible="+c.Responsible)
	}
	return dash(strings.Join(fl, ","))
}

// autoLockStatus says why a configuration cannot sign in by itself: the
// automatic lock with its reason, or an OAuth configuration without a
// stored token.
func autoLockStatus(c *store.MailConfig) string {
	switch {
	case c.AutoLocked && c.AutoLockedReason != "":
		return c.AutoLockedReason
	case c.AutoLocked:
		return "locked"
	case c.HasOAuth() && c.OAuthToken == "":
		return "sign-in needed"
	}
	return ""
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// checkLine prints one result line of `mailconfig test`.
type checkLines struct {
	w      io.Writer
	failed bool
}

func (c *checkLines) ok(format string, args ...any) {
	fmt.Fprintf(c.w, "ok   "+format+"\n", args...)
}

func (c *checkLines) fail(what string, err error) {
	c.failed = true
	fmt.Fprintf(c.w, "FAIL %s: %v\n", what, err)
}

func mailConfigTest(ctx context.Context, env *Env, st *store.Store, matchCode, as string) error {
	cfg, err := st.MailConfigByMatchCode(ctx, matchCode)
	if err != nil {
		return err
	}
	emp, err := employeeFlag(ctx, st, "as", as)
	if err != nil {
		return err
	}
	if cfg.IsLocked {
		fmt.Fprintf(env.Stdout, "note the configuration is locked by hand (\"is locked\"); imports skip it\n")
	}
	if s := autoLockStatus(cfg); s != "" {
		fmt.Fprintf(env.Stdout, "note automatic lock: %s\n", s)
	}
	lines := &checkLines{w: env.Stdout}
	hasGroupware := testGroupware(ctx, st, cfg, emp, lines)
	if !hasGroupware || cfg.IMAPAddr != "" || cfg.SMTPAddr != "" {
		if cfg.HasOAuth() {
			testOAuth(ctx, st, cfg, emp, lines)
		}
		testIMAP(ctx, st, cfg, emp, lines)
		testSMTP(ctx, st, cfg, emp, lines)
	}
	if lines.failed {
		return silentError{errors.New("mail configuration test failed")}
	}
	return nil
}

// testIMAP logs in without the account protection of mailconn.DialIMAP:
// a failure here must not lock the configuration.
func testIMAP(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee, lines *checkLines) {
	ep, auth, err := mailconn.IMAP(ctx, st, cfg, emp)
	if err != nil {
		lines.fail("imap login", err)
		return
	}
	c, err := mailbox.DialIMAP(ctx, ep, auth, mailbox.WithoutMove())
	if err != nil {
		lines.fail("imap login", err)
		return
	}
	defer c.Close()
	lines.ok("imap login %s@%s (%s)", auth.Username, c.Server(), ep.Security)
	folders, err := c.ListFolders(ctx)
	if err != nil {
		lines.fail("imap folders", err)
		return
	}
	names := make([]string, len(folders))
	have := map[string]bool{}
	for i, f := range folders {
		names[i] = f.Name
		have[f.Name] = true
	}
	lines.ok("imap folders (%d): %s", len(names), clip(strings.Join(names, ", "), 200))
	status, err := c.Status(ctx, "INBOX")
	if err != nil {
		lines.fail("imap INBOX", err)
		return
	}
	lines.ok("imap INBOX: %d message(s), %d unseen", status.Messages, status.Unseen)
	for _, f := range []struct{ what, name string }{{"import folder", cfg.ImportFolder}, {"error folder", cfg.ErrorFolder}} {
		if have[f.name] {
			lines.ok("imap %s %q exists", f.what, f.name)
		} else {
			lines.ok("imap %s %q does not exist yet (created by the first import that needs it)", f.what, f.name)
		}
	}
	_ = c.Logout(ctx)
}

func testSMTP(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee, lines *checkLines) {
	if strings.TrimSpace(cfg.SMTPAddr) == "" {
		lines.ok("smtp: no outgoing server configured (not checked)")
		return
	}
	ep, auth, err := mailconn.SMTP(ctx, st, cfg, emp)
	if err != nil {
		lines.fail("smtp", err)
		return
	}
	for _, c := range mailbox.CheckSMTP(ctx, ep, auth) {
		if c.OK {
			lines.ok("smtp %s %s", c.Name, c.Detail)
		} else {
			lines.fail("smtp "+c.Name, errors.New(c.Detail))
		}
	}
}
