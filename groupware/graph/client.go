// Package graph is the Microsoft Graph connector: contacts, calendar
// events and Microsoft To Do tasks of one mailbox over plain net/http,
// signed in with an oauth2.TokenSource.
//
// Application sign-in (client credentials, acting for /users/{upn}) comes
// from AppTokenSource; delegated sign-in takes the stored tokens of the
// employee or the mail configuration as any oauth2.TokenSource. The base
// URL and the token URL are configurable (national clouds, tests).
//
// Manners: at most 4 requests in flight per mailbox (shared by every
// Connector of the process for the same base URL and mailbox name);
// Retry-After honoured on 429, 503 and 504 with a jittered, capped
// backoff (see shouldRetry); contact writes go through $batch, 20 at most
// per request.
//
// Calendars are found by display name (/calendars). Events have delta
// only through calendarView/delta, so an events source is bound to a
// window: its token is the window and the delta link, and a token or a
// delta link of another window is refused as expired. Delta lists
// instances; a change of any instance is a change of its series, which
// Get reads as the master with its exceptions, and with a cancelled
// occurrence for each instance the rule has in the window that Graph no
// longer lists. Zones are written as Windows names through package
// groupware/calendar, and the CRM id is a single-value extended property.
// A new meeting can ask for a Teams link (isOnlineMeeting with the
// teamsForBusiness provider); its join URL is read back into
// Event.JoinURL. To Do lists are the task folders, followed with
// tasks/delta; the CRM id of a task is an open extension (To Do tasks take
// no extended properties in v1.0).
package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/pacer"
)

// DefaultBaseURL is Graph v1.0 in the global cloud.
const DefaultBaseURL = "https://graph.microsoft.com/v1.0"

// MaxInFlight is Graph's limit of concurrent requests per mailbox.
const MaxInFlight = 4

// Config configures a Connector.
type Config struct {
	// BaseURL is the Graph root including the version; DefaultBaseURL
	// when empty.
	BaseURL string
	// Mailbox is the user principal name to act for (/users/{upn}); empty
	// means the signed-in user (/me). Give it for delegated sign-in too
	// where it is known: the limit of 4 requests in flight is shared by
	// every Connector of the process for the same mailbox, while a /me
	// Connector without it keeps a limit of its own.
	Mailbox string
	// TokenSource signs every request in; required.
	TokenSource oauth2.TokenSource
	// HTTPClient supplies the transport; http.DefaultClient when nil.
	HTTPClient *http.Client
	// Pacer decides waits between retries; pacer.New() when nil.
	Pacer *pacer.Pacer
	// TimeZone is the mailbox's IANA zone, given to all-day events,
	// floating times and To Do due dates, which Graph cannot hold without
	// one; "" is UTC.
	TimeZone string
}

// Connector is one mailbox on Microsoft Graph.
type Connector struct {
	base     string
	userPath string // "/me" or "/users/{upn}", relative to base
	http     *http.Client
	pacer    *pacer.Pacer
	slots    *mailboxSlots
	zone     string
}

var _ groupware.Connector = (*Connector)(nil)

// New checks cfg and returns a Connector; it makes no request.
func New(cfg Config) (*Connector, error) {
	if cfg.TokenSource == nil {
		return nil, errors.New("graph: Config.TokenSource is required")
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("graph: base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	userPath := "/me"
	if cfg.Mailbox != "" {
		userPath = "/users/" + url.PathEscape(cfg.Mailbox)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	transport := &oauth2.Transport{Source: oauth2.ReuseTokenSource(nil, cfg.TokenSource), Base: hc.Transport}
	p := cfg.Pacer
	if p == nil {
		p = pacer.New()
	}
	return &Connector{
		base:     base,
		userPath: userPath,
		http:     &http.Client{Transport: transport, Timeout: hc.Timeout},
		pacer:    p,
		slots:    slotsFor(base, cfg.Mailbox),
		zone:     cfg.TimeZone,
	}, nil
}

// Contacts is the contacts table of the mailbox.
func (c *Connector) Contacts() groupware.Source[groupware.Contact] { return &contacts{c: c} }

// call sends one request (with retries) holding n of the mailbox's slots
// and returns the response for the caller to read and close. rawURL is
// absolute, or a path relative to the base URL.
func (c *Connector) call(ctx context.Context, n int, method, rawURL string, body []byte) (*http.Response, error) {
	return c.callWith(ctx, n, method, rawURL, body, nil)
}

// callWith is call with extra request headers (If-Match).
func (c *Connector) callWith(ctx context.Context, n int, method, rawURL string, body []byte, headers map[string]string) (*http.Response, error) {
	if !strings.HasPrefix(rawURL, "http") {
		rawURL = c.base + rawURL
	} else if !strings.HasPrefix(rawURL, c.base+"/") {
		return nil, fmt.Errorf("graph: refusing to send the token to %q, outside %s", rawURL, c.base)
	}
	if err := c.slots.acquire(ctx, n); err != nil {
		return nil, err
	}
	defer c.slots.release(n)
	resp, err := c.pacer.Do(ctx, shouldRetry, func() (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, method, rawURL, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		return c.http.Do(req)
	})
	if err != nil {
		return nil, transportError(err)
	}
	return resp, nil
}

// getJSON reads a JSON answer into out; a non-2xx status becomes an error
// classified by statusError.
func (c *Connector) getJSON(ctx context.Context, rawURL string, out any) error {
	resp, err := c.call(ctx, 1, http.MethodGet, rawURL, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return statusError(resp.StatusCode, resp.Body)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("graph: reading %s: %w", redactURL(rawURL), err)
	}
	return nil
}

// sendJSON sends body (nil for none) as JSON with headers and reads a
// JSON answer into out (nil to ignore it).
func (c *Connector) sendJSON(ctx context.Context, method, rawURL string, body any, headers map[string]string, out any) error {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return err
		}
	}
	resp, err := c.callWith(ctx, 1, method, rawURL, data, headers)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return statusError(resp.StatusCode, resp.Body)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	err = json.NewDecoder(resp.Body).Decode(out)
	if errors.Is(err, io.EOF) {
		return nil // a 2xx without a body: the request was done, out stays as it is
	}
	if err != nil {
		return fmt.Errorf("graph: reading %s answer of %s: %w", method, redactURL(rawURL), err)
	}
	return nil
}

// ifMatch is the header map of a conditional write ("" for none).
func ifMatch(etag string) map[string]string {
	if etag == "" {
		return nil
	}
	return map[string]string{"If-Match": etag}
}

// transportError classifies a failure without a response: a refused
// sign-in at the token endpoint is ErrAuth.
func transportError(err error) error {
	var retrieve *oauth2.RetrieveError
	if errors.As(err, &retrieve) {
		code := retrieve.ErrorCode
		if code == "" && retrieve.Response != nil {
			code = fmt.Sprint(retrieve.Response.StatusCode)
		}
		return fmt.Errorf("graph: sign-in refused (%s): %w", code, groupware.ErrAuth)
	}
	return fmt.Errorf("graph: %w", err)
}

// graphError is Graph's error body.
type graphError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// statusError turns a non-2xx answer into an error that wraps the
// matching groupware error kind and names Graph's error code.
func statusError(status int, body io.Reader) error {
	var ge graphError
	if body != nil {
		_ = json.NewDecoder(io.LimitReader(body, 64<<10)).Decode(&ge)
	}
	what := fmt.Sprintf("graph: HTTP %d %s: %s", status, ge.Error.Code, ge.Error.Message)
	switch {
	case status == http.StatusUnauthorized:
		return fmt.Errorf("%s: %w", what, groupware.ErrAuth)
	case status == http.StatusGone || ge.Error.Code == "syncStateNotFound" || ge.Error.Code == "resyncRequired":
		return fmt.Errorf("%s: %w", what, groupware.ErrTokenExpired)
	case status == http.StatusNotFound:
		return fmt.Errorf("%s: %w", what, groupware.ErrNotFound)
	case status == http.StatusPreconditionFailed:
		return fmt.Errorf("%s: %w", what, groupware.ErrPreconditionFailed)
	case status == http.StatusConflict:
		return fmt.Errorf("%s: %w", what, groupware.ErrExists)
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		return fmt.Errorf("%s: %w", what, groupware.ErrInvalidData)
	case status >= 500 || status == http.StatusTooManyRequests:
		return fmt.Errorf("%s: %w", what, groupware.ErrServer)
	}
	return errors.New(what)
}

// redactURL drops the query (delta tokens are credentials of a kind).
func redactURL(raw string) string {
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		return raw[:i] + "?…"
	}
	return raw
}
