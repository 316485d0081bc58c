// Package dav is the CardDAV and CalDAV connector.
//
// Discovery goes through github.com/emersion/go-webdav: the
// current-user-principal, its addressbook-home-set, and the address books
// there. The rest is written here over net/http because go-webdav v0.6.0
// sends no If-Match/If-None-Match and asks for every card's full data in a
// sync-collection REPORT, which it then holds in memory: Changes asks for
// ETags only (one sync-collection REPORT with the last token, so an
// unchanged address book costs one request whatever its size), Get reads
// cards with addressbook-multiget parsed one response at a time, updates
// read the current card and merge into it streaming, and every write is
// conditional. A server without sync-collection is compared by its CTag
// and an ETag listing instead.
//
// Cards wfe creates get a resource name and UID derived from the CRM id
// (wfe-<escaped id>.vcf), written with If-None-Match: *, so a create
// repeated after a crash finds the first one (ErrExists) instead of making
// a second card, and FindByCRMID is one GET.
//
// Calendars (appointments: VEVENT, tasks: VTODO) are found through the
// principal's calendar-home-set. An events source is bound to a window:
// its first listing is a calendar-query REPORT with a time-range (the
// server expands series to decide), later ones are the calendar's
// sync-collection (go-webdav's CalDAV client has none, the REPORT is
// written here), and its tokens carry the window, so a token of another
// window is refused as expired. Objects wfe creates are named and given a
// UID from the CRM id (wfe-<escaped id>.ics) unless the series has a UID
// of its own, and every component carries X-WFE-CRM-ID. An update reads
// the stored object and keeps every property the calendar mapping does
// not write (alarms, categories, X- properties of other clients); the
// iCalendar mapping itself is package groupware/calendar.
package dav

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/pacer"
)

// Config configures a Connector.
type Config struct {
	// URL is the server's base URL or a context path ("https://dav.example/",
	// "https://cloud.example/remote.php/dav/"); the principal is found from it.
	URL      string
	Username string
	Password string
	// HTTPClient carries the requests; http.DefaultClient when nil.
	HTTPClient *http.Client
	// Pacer decides waits between retries; pacer.New() when nil.
	Pacer *pacer.Pacer
	// MaxInFlight is how many writes or reads run at once (default 4).
	MaxInFlight int
}

// Connector is one account on a CardDAV server.
type Connector struct {
	base     *url.URL
	user     string
	password string
	hc       *http.Client
	pacer    *pacer.Pacer
	inFlight int
}

var _ groupware.Connector = (*Connector)(nil)

// New checks cfg and returns a Connector; it makes no request.
func New(cfg Config) (*Connector, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("dav: server URL %q is not an http(s) URL", cfg.URL)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	c := &Connector{base: u, user: cfg.Username, password: cfg.Password, hc: cfg.HTTPClient, pacer: cfg.Pacer, inFlight: cfg.MaxInFlight}
	if c.hc == nil {
		c.hc = http.DefaultClient
	}
	if c.pacer == nil {
		c.pacer = pacer.New()
	}
	if c.inFlight <= 0 {
		c.inFlight = 4
	}
	return c, nil
}

// Contacts is the account's address books.
func (c *Connector) Contacts() groupware.Source[groupware.Contact] { return &contacts{c: c} }

// Do sends one request with basic auth and retries as shouldRetry says;
// any answer other than 2xx comes back as a *StatusError. It implements
// go-webdav's HTTPClient, so discovery shares it.
func (c *Connector) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.pacer.Do(req.Context(), shouldRetry, func() (*http.Response, error) {
		try := req.Clone(req.Context())
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			try.Body = body
		}
		try.SetBasicAuth(c.user, c.password)
		return c.hc.Do(try)
	})
	if err != nil {
		return nil, fmt.Errorf("dav: %s %s: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		detail, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, &StatusError{Method: req.Method, Path: req.URL.Path, Code: resp.StatusCode, Detail: strings.TrimSpace(string(detail))}
	}
	return resp, nil
}

// request builds a request for a server path (unescaped) with headers
// given as name, value pairs.
func (c *Connector) request(ctx context.Context, method, path string, body io.Reader, headers ...string) (*http.Request, error) {
	u := *c.base
	u.Path, u.RawPath, u.RawQuery = path, "", ""
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req, nil
}

// StatusError is an HTTP answer other than 2xx. It unwraps to the
// groupware error kind of its status.
type StatusError struct {
	Method, Path string
	Code         int
	Detail       string // start of the body: the server's reason
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("dav: %s %s: HTTP %d %s", e.Method, e.Path, e.Code, http.StatusText(e.Code))
	if e.Detail != "" && len(e.Detail) < 200 {
		msg += ": " + e.Detail
	}
	return msg
}

func (e *StatusError) Unwrap() error {
	switch {
	case e.Code == http.StatusUnauthorized:
		return groupware.ErrAuth
	case e.Code == http.StatusNotFound || e.Code == http.StatusGone:
		return groupware.ErrNotFound
	case e.Code == http.StatusPreconditionFailed:
		return groupware.ErrPreconditionFailed
	case e.Code == http.StatusBadRequest || e.Code == http.StatusUnsupportedMediaType || e.Code == http.StatusUnprocessableEntity:
		return groupware.ErrInvalidData
	case e.Code >= 500 || e.Code == http.StatusTooManyRequests:
		return groupware.ErrServer
	}
	return nil
}

// statusOf is the HTTP status of a *StatusError in err, or 0.
func statusOf(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// shouldRetry is the DAV servers' retry decision: throttling and an
// unavailable server (429, 503 with Retry-After, 502, 504) and transport
// failures are retried; wrong credentials never are (a lockout counts
// them), nor is any other answer.
func shouldRetry(resp *http.Response, err error) pacer.Decision {
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return pacer.Decision{}
		}
		return pacer.Decision{Retry: true}
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return pacer.Decision{Retry: true, Wait: pacer.RetryAfter(resp.Header, time.Now())}
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return pacer.Decision{Retry: true}
	}
	return pacer.Decision{}
}
