package console

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/wfehq/wfe/store"
)

// mailData is the mail configurations page: the list, or one
// configuration's form with the result of its last test.
type mailData struct {
	Configs   []store.MailConfig
	Config    *store.MailConfig
	Employees []store.Employee
	CanTest   bool
	TestLog   string
}

func (s *Server) mailConfigsPage(w http.ResponseWriter, r *http.Request) {
	cfgs, err := s.opts.Store.ListMailConfigs(r.Context())
	if err != nil {
		s.internal(w, r, "list mail configurations", err)
		return
	}
	emps, err := s.opts.Store.ListEmployees(r.Context())
	if err != nil {
		s.internal(w, r, "list employees", err)
		return
	}
	s.render(w, r, http.StatusOK, "mailconfigs", mailData{Configs: cfgs, Employees: emps})
}

func (s *Server) mailConfigPage(w http.ResponseWriter, r *http.Request) {
	cfg, ok := s.loadMailConfig(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "mailconfig", mailData{Config: cfg, CanTest: s.opts.TestMailConfig != nil})
}

func (s *Server) loadMailConfig(w http.ResponseWriter, r *http.Request) (*store.MailConfig, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "no mail configuration "+r.PathValue("id"))
		return nil, false
	}
	cfg, err := s.opts.Store.GetMailConfig(r.Context(), id)
	if err != nil {
		s.storeFailure(w, r, "mail configuration "+r.PathValue("id"), err)
		return nil, false
	}
	return cfg, true
}

// mailConfigFields are the form fields of a configuration that are not
// secrets, with their setters.
var mailConfigFields = map[string]func(c *store.MailConfig, v string){
	"user_name":     func(c *store.MailConfig, v string) { c.UserName = v },
	"imap_addr":     func(c *store.MailConfig, v string) { c.IMAPAddr = v },
	"imap_security": func(c *store.MailConfig, v string) { c.IMAPSecurity = v },
	"smtp_addr":     func(c *store.MailConfig, v string) { c.SMTPAddr = v },
	"smtp_security": func(c *store.MailConfig, v string) { c.SMTPSecurity = v },
	"import_folder": func(c *store.MailConfig, v string) { c.ImportFolder = v },
	"error_folder":  func(c *store.MailConfig, v string) { c.ErrorFolder = v },
	"display_name":  func(c *store.MailConfig, v string) { c.DisplayName = v },
}

// applyMailForm copies the posted text fields into c (fields left out of
// the form keep their value; an unchecked checkbox is false) and returns the names of
// the fields that changed. The password is write-only: an empty field
// keeps the stored one, and its value is never echoed or logged.
func applyMailForm(r *http.Request, c *store.MailConfig) []string {
	var changed []string
	for name, set := range mailConfigFields {
		if _, posted := r.PostForm[name]; !posted {
			continue
		}
		before := *c
		set(c, strings.TrimSpace(r.PostFormValue(name)))
		if before != *c {
			changed = append(changed, name)
		}
	}
	for name, field := range map[string]*bool{"auto_import": &c.AutoImport, "smtp_auth": &c.SMTPAuth, "is_locked": &c.IsLocked} {
		if v := r.PostFormValue(name) == "1"; v != *field {
			*field = v
			changed = append(changed, name)
		}
	}
	if pw := r.PostFormValue("password"); pw != "" {
		c.Password = pw
		changed = append(changed, "password")
	}
	sort.Strings(changed)
	return changed
}

// saveMailConfig creates (no {id}) or updates a configuration from the
// form; the audit log names the changed fields, never secret values.
func (s *Server) saveMailConfig(w http.ResponseWriter, r *http.Request) {
	cfg := &store.MailConfig{MatchCode: strings.TrimSpace(r.PostFormValue("match_code"))}
	action := "mailconfig.create"
	if r.PathValue("id") != "" {
		var ok bool
		if cfg, ok = s.loadMailConfig(w, r); !ok {
			return
		}
		action = "mailconfig.update"
	}
	changed := applyMailForm(r, cfg)
	var err error
	if action == "mailconfig.create" {
		err = s.opts.Store.CreateMailConfig(r.Context(), cfg)
	} else {
		err = s.opts.Store.UpdateMailConfig(r.Context(), cfg)
	}
	if err != nil {
		s.storeFailure(w, r, "mail configuration "+cfg.MatchCode, err)
		return
	}
	detail := "changed: " + strings.Join(changed, ", ")
	s.changed(w, r, action, cfg.MatchCode, detail, fmt.Sprintf("/mailconfigs/%d", cfg.ID), "mail configuration "+cfg.MatchCode+" saved")
}

// testMailConfig logs in over IMAP and checks SMTP (as `wfe mailconfig
// test` does) and shows the check lines.
func (s *Server) testMailConfig(w http.ResponseWriter, r *http.Request) {
	cfg, ok := s.loadMailConfig(w, r)
	if !ok {
		return
	}
	if s.opts.TestMailConfig == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "testing accounts is not available in this process")
		return
	}
	var out bytes.Buffer
	err := s.opts.TestMailConfig(r.Context(), cfg.MatchCode, &out)
	s.audit(r, principalOf(r), "mailconfig.test", cfg.MatchCode, map[bool]string{true: "ok", false: "failed"}[err == nil])
	if err != nil && out.Len() == 0 {
		fmt.Fprintf(&out, "FAIL %v\n", err)
	}
	s.render(w, r, http.StatusOK, "mailconfig", mailData{Config: cfg, CanTest: true, TestLog: out.String()})
}

// TestMailConfigFunc checks a mail configuration's accounts and writes one
// line per check ("ok ..." or "FAIL ...") to w.
type TestMailConfigFunc func(ctx context.Context, matchCode string, w io.Writer) error
