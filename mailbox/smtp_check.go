package mailbox

import (
	"context"
	"net"
	"strconv"
)

// Check is one line of a connection test (`wfe mailconfig test`).
type Check struct {
	Name   string // "connect", "EHLO", "STARTTLS", "AUTH", "QUIT"
	OK     bool
	Detail string // what was found, or the classified error
}

// CheckSMTP connects to ep the way Send does and reports each step:
// connect (with implicit TLS), EHLO and its extensions, STARTTLS when the
// security mode uses it, and AUTH (mechanisms offered and the login
// result) when auth carries credentials. It never sends a mail. The lines
// stop at the first failing step; their details hold no secret.
func CheckSMTP(ctx context.Context, ep Endpoint, auth Auth) []Check {
	host, port, err := ep.HostPort(false)
	if err != nil {
		return []Check{{Name: "connect", Detail: smtpError(ep.Addr, "connect", err, auth).Error()}}
	}
	var checks []Check
	sess, err := smtpConnect(ctx, ep, host, port, auth, func(name, detail string, err error) {
		c := Check{Name: name, OK: err == nil, Detail: detail}
		if err != nil {
			c.Detail = err.Error()
		}
		checks = append(checks, c)
	})
	if err != nil {
		return checks
	}
	if auth.Username == "" && auth.Token == "" && auth.TokenSource == nil {
		_, offered := sess.c.Extension("AUTH")
		detail := "no credentials configured; not logged in"
		if offered != "" {
			detail += " (offered: " + offered + ")"
		}
		checks = append(checks, Check{Name: "AUTH", OK: true, Detail: detail})
	}
	sess.extend()
	if err := sess.c.Quit(); err != nil {
		checks = append(checks, Check{Name: "QUIT", Detail: smtpError(net.JoinHostPort(host, strconv.Itoa(port)), "quit", err, auth).Error()})
	}
	sess.abort()
	return checks
}
