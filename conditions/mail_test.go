package conditions_test

import (
	"strings"
	"testing"

	"github.com/wfehq/wfe/conditions"
)

func TestMailRule(t *testing.T) {
	m := conditions.Mail{
		From: "boss@example.com", To: []string{"vertrieb@firma.example"}, Cc: []string{"a@b.example"},
		Subject: "Angebot 4711",
		Header: func(name string) string {
			if strings.EqualFold(name, "X-Priority") {
				return "1"
			}
			return ""
		},
	}
	for _, c := range []struct {
		src  string
		want bool
	}{
		{`mail.from == "boss@example.com" && mail.subject contains "Angebot"`, true},
		{`mail.from == "other@example.com"`, false},
		{`"vertrieb@firma.example" in mail.to`, true},
		{`"vertrieb@firma.example" in mail.cc`, false},
		{`mail.header("x-priority") == "1"`, true},
		{`mail.header("List-Id") != ""`, false},
		{`mail.from endsWith "@example.com"`, true},
	} {
		r, err := conditions.CompileMailRule(c.src)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		got, err := r.Match(m)
		if err != nil || got != c.want {
			t.Errorf("%s = %v, %v; want %v", c.src, got, err, c.want)
		}
	}
	for _, src := range []string{``, `mail.sender == "x"`, `mail.subject`, `mail.from ==`} {
		if _, err := conditions.CompileMailRule(src); err == nil {
			t.Errorf("%q compiled", src)
		}
	}
	_, err := conditions.CompileMailRule("mail.sender == \"x\"")
	if err == nil || !strings.Contains(err.Error(), "line 1, column 6") {
		t.Errorf("unknown field error = %v, want a position", err)
	}
	// a rule without header function does not crash
	r, _ := conditions.CompileMailRule(`mail.header("X") == ""`)
	if ok, err := r.Match(conditions.Mail{}); !ok || err != nil {
		t.Errorf("empty mail: %v %v", ok, err)
	}
}
