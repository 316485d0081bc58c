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
	server := net.JoinHostPort(host, strconv.Itoa(port))
	var token string
	fail := func(name, op string, err error) (*smtpSession, error) {
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			err = fmt.Errorf("%w (%v)", cerr, err)
		}
		e := smtpError(server, op, err, auth, token)
		step(name, "", e)
		return nil, e
	}
	if ep.Security == "" {
		ep.Security = SecurityNone
	}
	switch ep.Security {
	case SecurityNone, SecuritySTARTTLS, SecurityTLS:
	default:
		return fail("connect", "connect", fmt.Errorf("unknown security %q", ep.Security))
	}
	var tlsCfg *tls.Config
	if ep.Security != SecurityNone {
		cfg, err := TLSConfig(ep, host)
		if err != nil {
			return fail("connect", "connect", &Error{Kind: KindTLS, Server: server, Op: "connect", Err: err})
		}
		tlsCfg = cfg
	}

	// The credentials are checked before dialing: a token is fetched right
	// before the connection is made, and nothing secret goes out in clear
	// text to anything but the loopback.
	var err error
	token, err = smtpToken(auth)
	if err != nil {
		return fail("AUTH", "login", err)
	}
	hasSecret := token != "" || auth.Username != ""
	if hasSecret && ep.Security == SecurityNone && !isLoopback(host) {
		return fail("AUTH", "login", fmt.Errorf("refusing to send credentials unencrypted to %s (use starttls or tls)", host))
	}

	timeout := ep.timeout()
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	raw, err := d.DialContext(dctx, "tcp", server)
	if err != nil {
		return fail("connect", "connect", err)
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

	conn := raw
	if ep.Security == SecurityTLS {
		tc := tls.Client(raw, tlsCfg)
		if err := tc.HandshakeContext(dctx); err != nil {
			return fail("connect", "tls handshake", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fail("connect", "connect", err)
	}
	s.c = c
	connected := "connected to " + server
	if ep.Security == SecurityTLS {
		connected += " with implicit TLS (" + tlsSummary(conn.(*tls.Conn).ConnectionState()) + ")"
	}
	step("connect", connected, nil)

	if err := c.Hello(smtpHeloName()); err != nil {
		return fail("EHLO", "ehlo", err)
	}
	step("EHLO", smtpExtensions(c), nil)

	if ep.Security == SecuritySTARTTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fail("STARTTLS", "starttls", &Error{Kind: KindTLS, Server: server, Op: "starttls",
				Err: errors.New("server does not offer STARTTLS, which the security mode starttls requires")})
		}
		if err := c.StartTLS(tlsCfg); err != nil {
			return fail("STARTTLS", "starttls", err)
		}
		state, _ := c.TLSConnectionState()
		step("STARTTLS", tlsSummary(state), nil)
	}

	if hasSecret {
		detail, err := smtpLogin(c, host, auth, token)
		if err != nil {
			return fail("AUTH", "login", err)
		}
		step("AUTH", detail, nil)
	}
	done = true
	return s, nil
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
