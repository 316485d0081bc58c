package groupwaretest

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// DAVServer is a real Radicale or Xandikos started for a test, behind a
// Proxy. Connectors talk to URL (the proxy).
type DAVServer struct {
	Kind     string // "radicale" or "xandikos"
	URL      string // the proxy in front of the server
	Username string
	Password string
	// HomePath is the address-book home of the user.
	HomePath string
	Proxy    *Proxy
}

// RequireServers tells whether missing servers fail the tests
// (WFE_REQUIRE_SERVERS=1, as in CI) instead of skipping them.
func RequireServers() bool { return os.Getenv("WFE_REQUIRE_SERVERS") == "1" }

// findBinary finds a server program, or skips (fails under
// WFE_REQUIRE_SERVERS=1) naming the Debian package to install.
func findBinary(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	msg := fmt.Sprintf("%s not found on PATH (apt-get install %s)", name, name)
	if RequireServers() {
		t.Fatal(msg + "; WFE_REQUIRE_SERVERS=1 requires it")
	}
	t.Skip(msg)
	return ""
}

// StartRadicale starts Radicale as the current user on a free loopback
// port with a private data directory and an htpasswd file holding one
// user, alice, with a plain password.
func StartRadicale(t testing.TB) *DAVServer {
	bin := findBinary(t, "radicale")
	dir := t.TempDir()
	users := filepath.Join(dir, "users")
	writeFile(t, users, "alice:alice-secret\n")
	confPath := filepath.Join(dir, "config")
	port := startOnFreePort(t, bin, func(port int) []string {
		writeFile(t, confPath, fmt.Sprintf(`[server]
hosts = 127.0.0.1:%d
[auth]
type = htpasswd
htpasswd_filename = %s
htpasswd_encryption = plain
delay = 0
[storage]
filesystem_folder = %s
[rights]
type = owner_only
[web]
type = none
[logging]
level = warning
`, port, users, filepath.Join(dir, "collections")))
		return []string{"-C", confPath}
	})
	proxy := newProxy(t, fmt.Sprintf("http://127.0.0.1:%d", port))
	return &DAVServer{Kind: "radicale", URL: proxy.URL, Proxy: proxy, Username: "alice", Password: "alice-secret", HomePath: "/alice/"}
}

// StartXandikos starts Xandikos as the current user on a free loopback
// port with a private data directory. Xandikos has no authentication of
// its own: any credentials pass.
func StartXandikos(t testing.TB) *DAVServer {
	bin := findBinary(t, "xandikos")
	dir := t.TempDir()
	port := startOnFreePort(t, bin, func(port int) []string {
		return []string{"--defaults", "-d", dir, "-l", "127.0.0.1", "-p", strconv.Itoa(port), "--current-user-principal", "/alice/"}
	})
	proxy := newProxy(t, fmt.Sprintf("http://127.0.0.1:%d", port))
	return &DAVServer{Kind: "xandikos", URL: proxy.URL, Proxy: proxy, Username: "alice", Password: "any", HomePath: "/alice/contacts/"}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// mkcolBody creates an address book with a display name (extended MKCOL,
// RFC 5689), which both servers take.
const mkcolBody = `<?xml version="1.0" encoding="utf-8"?>
<d:mkcol xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:set><d:prop><d:resourcetype><d:collection/><c:addressbook/></d:resourcetype><d:displayname>%s</d:displayname></d:prop></d:set></d:mkcol>`

// Do sends one request to the server as the test user, through the
// proxy, as another client would.
func (s *DAVServer) Do(t testing.TB, method, path, body string, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(s.Username, s.Password)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// MakeAddressBook creates an address book named name (display name too)
// in the user's home and returns its path.
func (s *DAVServer) MakeAddressBook(t testing.TB, name string) string {
	t.Helper()
	if s.Kind == "radicale" { // Radicale makes the principal on first use
		s.Do(t, "PROPFIND", s.HomePath, "", "Depth", "0").Body.Close()
	}
	path := s.HomePath + name + "/"
	resp := s.Do(t, "MKCOL", path, fmt.Sprintf(mkcolBody, name), "Content-Type", "application/xml; charset=utf-8")
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("MKCOL %s on %s: %s", path, s.Kind, resp.Status)
	}
	return path
}

// mkcalendarBody creates a calendar for one component with a display
// name (extended MKCOL, RFC 5689), which both servers take.
const mkcalendarBody = `<?xml version="1.0" encoding="utf-8"?>
<d:mkcol xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype><d:displayname>%s</d:displayname><c:supported-calendar-component-set><c:comp name="%s"/></c:supported-calendar-component-set></d:prop></d:set></d:mkcol>`

// CalendarHome is the user's calendar home: /alice/ on Radicale,
// /alice/calendars/ on Xandikos.
func (s *DAVServer) CalendarHome() string {
	if s.Kind == "xandikos" {
		return "/alice/calendars/"
	}
	return s.HomePath
}

// MakeCalendar creates a calendar named name for component (VEVENT or
// VTODO) in the user's calendar home and returns its path.
func (s *DAVServer) MakeCalendar(t testing.TB, name, component string) string {
	t.Helper()
	if s.Kind == "radicale" { // Radicale makes the principal on first use
		s.Do(t, "PROPFIND", s.HomePath, "", "Depth", "0").Body.Close()
	}
	path := s.CalendarHome() + name + "/"
	resp := s.Do(t, "MKCOL", path, fmt.Sprintf(mkcalendarBody, name, component), "Content-Type", "application/xml; charset=utf-8")
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("MKCOL %s on %s: %s", path, s.Kind, resp.Status)
	}
	return path
}
