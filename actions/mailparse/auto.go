package mailparse

import "strings"

// IsAutoSubmitted reports whether the mail was sent by a machine (RFC 3834
// and common practice), so that no automatic answer must be sent to it.
func (m *Mail) IsAutoSubmitted() bool { return m.AutoSubmittedReason() != "" }

// AutoSubmittedReason names the first header that marks the mail as
// machine-sent, e.g. `Auto-Submitted: auto-replied` or
// `From: mailer-daemon@example.com`; "" for a mail written by a person.
func (m *Mail) AutoSubmittedReason() string {
	if v := m.header.get("Auto-Submitted"); v != "" {
		kw, _, _ := strings.Cut(strings.ToLower(v), ";")
		if kw = strings.TrimSpace(kw); kw != "no" {
			return "Auto-Submitted: " + kw
		}
	}
	if v := strings.ToLower(strings.TrimSpace(m.header.get("Precedence"))); v == "bulk" || v == "list" || v == "junk" {
		return "Precedence: " + v
	}
	for _, name := range []string{"List-Id", "List-Unsubscribe"} {
		if m.header.first(name) != nil {
			return name + " present"
		}
	}
	for _, tok := range strings.Split(m.header.get("X-Auto-Response-Suppress"), ",") {
		switch t := strings.ToLower(strings.TrimSpace(tok)); t {
		case "all", "autoreply", "oof":
			return "X-Auto-Response-Suppress: " + strings.TrimSpace(tok)
		}
	}
	if f := m.header.first("Return-Path"); f != nil && strings.ReplaceAll(strings.TrimSpace(f.value), " ", "") == "<>" {
		return "Return-Path: <>"
	}
	if m.header.first("From") != nil {
		local, _, _ := strings.Cut(m.From.Addr, "@")
		local = strings.ReplaceAll(strings.ReplaceAll(local, "_", "-"), ".", "-")
		switch local {
		case "no-reply", "noreply", "do-not-reply", "donotreply", "mailer-daemon", "postmaster":
			return "From: " + m.From.Addr
		}
		if m.From.Addr == "" && strings.EqualFold(strings.TrimSpace(m.From.Name), "mailer-daemon") {
			return "From: MAILER-DAEMON"
		}
	}
	return ""
}
