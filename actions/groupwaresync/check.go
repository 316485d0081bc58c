package groupwaresync

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/syncstate"
)

// Check is one finding of an account test: what was tried and whether it
// works.
type Check struct {
	OK     bool
	What   string
	Detail string
}

// graphPermission is the Microsoft Graph permission each table of a rule
// needs (R66).
var graphPermission = map[groupware.Table]string{
	groupware.TableContacts: "Contacts.ReadWrite", groupware.TableAppointments: "Calendars.ReadWrite",
	groupware.TableTasks: "Tasks.ReadWrite", groupware.TableMail: "Mail.ReadWrite",
}

// TestAccount tests the groupware of cfg for emp (the "test account"
// check, R67): it signs in, lists the contact folders, finds each active
// rule's folders, and on Graph names every permission the rules need
// that the sign-in lacks. It writes nothing to the server and locks
// nothing: a refused sign-in is only reported.
func TestAccount(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee, hc *http.Client) []Check {
	system, err := ParseSystem(cfg.CalendarSystem)
	if err != nil || system == SystemNone {
		return nil
	}
	if emp == nil {
		return []Check{{What: system + " groupware", Detail: "not tested: give --as LOGIN, the employee whose groupware account to test"}}
	}
	rules, err := st.Sync().ListRules(ctx)
	if err != nil {
		return []Check{{What: "sync rules", Detail: err.Error()}}
	}
	var out []Check
	if system == SystemGraph {
		out = append(out, graphChecks(ctx, st, cfg, emp, rules, hc)...)
		if !out[0].OK {
			return out
		}
	}
	return append(out, folderChecks(ctx, st, cfg, emp, rules, hc)...)
}

// folderChecks signs in, lists the contact folders and finds each active
// rule's folders.
func folderChecks(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee, rules []syncstate.Rule, hc *http.Client) []Check {
	s, err := Connect(ctx, st, cfg, emp, hc)
	if err != nil {
		return []Check{{What: "groupware sign-in", Detail: err.Error()}}
	}
	all, err := s.conn.Folders(ctx, groupware.TableContacts)
	if err != nil {
		return []Check{{What: s.system + " sign-in and contact folders", Detail: err.Error()}}
	}
	names := make([]string, len(all))
	for i, f := range all {
		names[i] = f.Path
	}
	out := []Check{{OK: true, What: s.system + " sign-in as " + firstNonEmpty(emp.GroupwareLogin, emp.Email),
		Detail: fmt.Sprintf("contact folders (%d): %s", len(all), strings.Join(names, ", "))}}
	for i := range rules {
		r := &rules[i]
		if !r.Active {
			continue
		}
		what := "sync rule " + r.Name
		if IsEmailTable(r.Table) {
			out = append(out, emailFolderCheck(ctx, s, r, what))
			continue
		}
		folders, newItems, err := ruleFolders(ctx, s.conn, r)
		if err != nil {
			out = append(out, Check{What: what, Detail: err.Error()})
			continue
		}
		out = append(out, Check{OK: true, What: what, Detail: fmt.Sprintf("%d folder(s) found, new items go to %q", len(folders), newItems.Path)})
	}
	return out
}

// graphChecks signs in to Graph and compares the token's permissions with
// those the active rules need.
func graphChecks(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee, rules []syncstate.Rule, hc *http.Client) []Check {
	ts, owner, err := graphTokenSource(ctx, st, cfg, emp, hc)
	if err != nil {
		return []Check{{What: "graph sign-in", Detail: err.Error()}}
	}
	tok, err := ts.Token()
	if err != nil {
		return []Check{{What: "graph sign-in", Detail: fmt.Sprintf("%v: %v", groupware.ErrAuth, err)}}
	}
	delegated := owner != ownerConfig || cfg.OAuthClientSecret == ""
	how := "as the app registration (application permissions)"
	if delegated {
		how = "with the stored sign-in of the " + owner + " (delegated permissions)"
	}
	out := []Check{{OK: true, What: "graph sign-in", Detail: how}}
	granted, readable := tokenPermissions(tok.AccessToken)
	for _, p := range neededGraphPermissions(rules, delegated) {
		c := Check{What: "graph permission " + p}
		switch {
		case p == "offline_access":
			c.OK = tok.RefreshToken != ""
			c.Detail = map[bool]string{true: "granted (the sign-in holds a refresh token)", false: "missing: the sign-in holds no refresh token, background runs stop when the access token expires"}[c.OK]
		case !readable:
			c.OK, c.Detail = true, "not shown by the access token (not a readable JWT); reading the contact folders below shows whether reading works"
		case slices.Contains(granted, p):
			c.OK, c.Detail = true, "granted"
		default:
			c.Detail = "missing: grant it to the app registration (and admin consent); granted are: " + strings.Join(granted, ", ")
		}
		out = append(out, c)
	}
	return out
}

// teamsPermission lets an appointments rule with Teams links ask for a
// Teams meeting.
const teamsPermission = "OnlineMeetings.ReadWrite"

// neededGraphPermissions are the permissions of R66 the active rules
// need (contacts when there is no rule yet); a delegated sign-in also
// needs User.Read and offline_access.
func neededGraphPermissions(rules []syncstate.Rule, delegated bool) []string {
	var out []string
	for _, r := range rules {
		if p := graphPermission[groupware.Table(r.Table)]; r.Active && p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
		if r.Active && r.TeamsLinks && !slices.Contains(out, teamsPermission) {
			out = append(out, teamsPermission)
		}
	}
	if len(out) == 0 {
		out = append(out, graphPermission[groupware.TableContacts])
	}
	if delegated {
		out = append(out, "User.Read", "offline_access")
	}
	return out
}

// tokenPermissions reads the permissions of a Microsoft identity platform
// access token (a JWT): application permissions in "roles", delegated
// ones in "scp". readable is false for a token that is no such JWT.
func tokenPermissions(token string) (granted []string, readable bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, false
	}
	body, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, false
	}
	var claims struct {
		Roles []string `json:"roles"`
		Scp   string   `json:"scp"`
	}
	if json.Unmarshal(body, &claims) != nil {
		return nil, false
	}
	return append(claims.Roles, strings.Fields(claims.Scp)...), true
}
