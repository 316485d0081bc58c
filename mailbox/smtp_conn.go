package mailbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail/smtp"
)

// smtpSession is one connected, greeted and (when asked) authenticated
// SMTP connection.
type smtpSession struct {
	c       *smtp.Client
	raw     net.Conn // the TCP connection under any TLS layer
	timeout time.Duration
	stop    func() bool // stops the context watcher
}

// smtpStep receives the outcome of each connection step; CheckSMTP turns
// them into lines. err is nil on success.
type smtpStep func(name, detail string, err error)

// smtpConnect dials ep, says EHLO, upgrades with STARTTLS when the security
// mode asks for it and logs in when auth carries credentials. Errors are
// classified *Error values naming the server and the step.
func smtpConnect(ctx context.Context, ep Endpoint, host string, port int, auth Auth, step smtpStep) (*smtpSession, error) {
	if step == nil {
		step = func(string, string, error) {}
	}
	d := &smtpDialer{ctx: ctx, ep: ep, host: host, server: net.JoinHostPort(host, strconv.Itoa(port)), auth: auth, step: step}
	if err := d.checkSettings(); err != nil {
		return nil, err
	}
	// Nothing secret goes out in clear text to anything but the loopback.
	hasSecret := d.token != "" || auth.Username != ""
	if hasSecret && d.ep.Security == SecurityNone && !isLoopback(host) {
		return nil, d.fail("AUTH", "login", fmt.Errorf("refusing to send credentials unencrypted to %s (use starttls or tls)", host))
	}

	timeout := d.ep.timeout()
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var nd net.Dialer
	raw, err := nd.DialContext(dctx, "tcp", d.server)
	if err != nil {
		return nil, d.fail("connect", "connect", err)
	}
	s := &smtpSession{raw: raw, timeout: timeout}
	s.stop = context.AfterFunc(ctx, func() { _ = raw.Close() })
	done := false
	defer func() {
		if !done {
			s.abort()
		}
	}()
	s.extend()

	if err := d.startClient(dctx, s); err != nil {
		return nil, err
	}
	if err := d.hello(s.c); err != nil {
		return nil, err
	}
	if hasSecret {
		detail, err := smtpLogin(s.c, host, auth, d.token)
		if err != nil {
			return nil, d.fail("AUTH", "login", err)
		}
		step("AUTH", detail, nil)
	}
	done = true
	return s, nil
}

// smtpDialer holds what the steps of one smtpConnect share.
type smtpDialer struct {
	ctx    context.Context
	ep     Endpoint
	host   string
	server string // host:port
	auth   Auth
	token  string // the access token, once fetched; kept out of errors
	step   smtpStep
	tlsCfg *tls.Config // nil for security none
}

// fail reports the failed step name (operation op) and returns the
// classified error, with the end of the context named when it came first.
func (d *smtpDialer) fail(name, op string, err error) error {
	if cerr := d.ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w (%v)", cerr, err)
	}
	e := smtpError(d.server, op, err, d.auth, d.token)
	d.step(name, "", e)
	return e
}

// checkSettings checks the security mode, builds the TLS configuration
// and fetches the token. The credentials are checked before dialing: a
// token is fetched right before the connection is made.
func (d *smtpDialer) checkSettings() error {
	if d.ep.Security == "" {
		d.ep.Security = SecurityNone
	}
	switch d.ep.Security {
	case SecurityNone, SecuritySTARTTLS, SecurityTLS:
	default:
		return d.fail("connect", "connect", fmt.Errorf("unknown security %q", d.ep.Security))
	}
	if d.ep.Security != SecurityNone {
		cfg, err := TLSConfig(d.ep, d.host)
		if err != nil {
			return d.fail("connect", "connect", &Error{Kind: KindTLS, Server: d.server, Op: "connect", Err: err})
		}
		d.tlsCfg = cfg
	}
	token, err := smtpToken(d.auth)
	if err != nil {
		return d.fail("AUTH", "login", err)
	}
	d.token = token
	return nil
}

// startClient does the implicit TLS handshake when the security mode is
// tls and starts the SMTP client on the connection of s.
func (d *smtpDialer) startClient(dctx context.Context, s *smtpSession) error {
	conn := s.raw
	if d.ep.Security == SecurityTLS {
		tc := tls.Client(s.raw, d.tlsCfg)
		if err := tc.HandshakeContext(dctx); err != nil {
			return d.fail("connect", "tls handshake", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, d.host)
	if err != nil {
		return d.fail("connect", "connect", err)
	}
	s.c = c
	connected := "connected to " + d.server
	if d.ep.Security == SecurityTLS {
		connected += " with implicit TLS (" + tlsSummary(conn.(*tls.Conn).ConnectionState()) + ")"
	}
	d.step("connect", connected, nil)
	return nil
}

// hello says EHLO and upgrades with STARTTLS when the security mode asks
// for it.
func (d *smtpDialer) hello(c *smtp.Client) error {
	if err := c.Hello(smtpHeloName()); err != nil {
		return d.fail("EHLO", "ehlo", err)
	}
	d.step("EHLO", smtpExtensions(c), nil)
	if d.ep.Security != SecuritySTARTTLS {
		return nil
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return d.fail("STARTTLS", "starttls", &Error{Kind: KindTLS, Server: d.server, Op: "starttls",
			Err: errors.New("server does not offer STARTTLS, which the security mode starttls requires")})
	}
	if err := c.StartTLS(d.tlsCfg); err != nil {
		return d.fail("STARTTLS", "starttls", err)
	}
	state, _ := c.TLSConnectionState()
	d.step("STARTTLS", tlsSummary(state), nil)
	return nil
}

// smtpLogin authenticates with XOAUTH2 when a token is given, else with
// PLAIN or LOGIN, and describes what happened.
func smtpLogin(c *smtp.Client, host string, auth Auth, token string) (string, error) {
	_, offered := c.Extension("AUTH")
	mechs := strings.Fields(strings.ToUpper(offered))
	offeredText := "offered: " + strings.Join(mechs, " ")
	if len(mechs) == 0 {
		offeredText = "no AUTH offered"
	}
	var a smtp.Auth
	var mech string
	switch {
	case token != "":
		if auth.Username == "" {
			return "", errors.New("XOAUTH2 needs a user name")
		}
		mech, a = "XOAUTH2", smtp.XOAuth2Auth(auth.Username, token)
	case slices.Contains(mechs, "PLAIN"):
		mech, a = "PLAIN", smtp.PlainAuth("", auth.Username, auth.Password, host, true)
	case slices.Contains(mechs, "LOGIN"):
		mech, a = "LOGIN", smtp.LoginAuth(auth.Username, auth.Password, host, true)
	default:
		return "", fmt.Errorf("server %s; wfe logs in with PLAIN, LOGIN or XOAUTH2", offeredText)
	}
	if !slices.Contains(mechs, mech) {
		return "", fmt.Errorf("server %s; %s is needed", offeredText, mech)
	}
	if err := c.Auth(a); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s; logged in as %s with %s", offeredText, auth.Username, mech), nil
}

// smtpToken returns the access token for XOAUTH2, fetching a fresh one
// from the token source; empty when auth uses no token.
func smtpToken(auth Auth) (string, error) {
	if auth.TokenSource != nil {
		tok, err := auth.TokenSource.AccessToken()
		if err != nil {
			if KindOf(err) != KindOther {
				return "", err
			}
			return "", &Error{Kind: KindAuth, Op: "token", Err: err}
		}
		if tok == "" {
			return "", &Error{Kind: KindAuth, Op: "token", Err: errors.New("token source returned an empty access token")}
		}
		return tok, nil
	}
	return auth.Token, nil
}

// extend moves the connection deadline one timeout ahead.
func (s *smtpSession) extend() { _ = s.raw.SetDeadline(time.Now().Add(s.timeout)) }

// quit ends the session politely.
func (s *smtpSession) quit() {
	if s == nil || s.c == nil {
		return
	}
	s.extend()
	_ = s.c.Quit()
	s.abort()
}

// abort closes the connection without a goodbye; safe to call twice.
func (s *smtpSession) abort() {
	if s == nil {
		return
	}
	if s.stop != nil {
		s.stop()
	}
	_ = s.raw.Close()
}

func tlsSummary(st tls.ConnectionState) string {
	s := tls.VersionName(st.Version) + ", " + tls.CipherSuiteName(st.CipherSuite)
	if len(st.PeerCertificates) > 0 {
		s += ", certificate " + st.PeerCertificates[0].Subject.CommonName
	}
	return s
}

// smtpExtensions lists the EHLO extensions the session cares about.
func smtpExtensions(c *smtp.Client) string {
	var have []string
	for _, ext := range []string{"STARTTLS", "AUTH", "8BITMIME", "SMTPUTF8", "SIZE", "ENHANCEDSTATUSCODES", "PIPELINING"} {
		if ok, param := c.Extension(ext); ok {
			if param != "" {
				ext += " " + param
			}
			have = append(have, ext)
		}
	}
	if len(have) == 0 {
		return "no extensions"
	}
	return "extensions: " + strings.Join(have, ", ")
}

func smtpHeloName() string {
	h, err := os.Hostname()
	if err != nil || h == "" || strings.ContainsAny(h, " \r\n") {
		return "localhost"
	}
	return h
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
