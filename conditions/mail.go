package conditions

import (
	"errors"
	"fmt"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/wfehq/wfe/internal/exprpos"
)

// Mail is what a mail rule expression sees as `mail` (DESIGN "Mail rule
// conditions"): the sender address, the To and Cc addresses (all
// lower-case), the subject, and header(name) for any header field (first
// field of that name, decoded; "" when absent). From is one address, so a
// rule reads `mail.from == "boss@example.com" && mail.subject contains
// "Angebot"`; `"vertrieb@firma.example" in mail.to` tests a recipient.
//
// Use it as the example type of the input "mail" of WFConditionExpression
// (ExpressionCondition.Types) to have field names checked at compile time.
type Mail struct {
	From    string              `expr:"from"`
	To      []string            `expr:"to"`
	Cc      []string            `expr:"cc"`
	Subject string              `expr:"subject"`
	Header  func(string) string `expr:"header"`
}

type mailRuleEnv struct {
	Mail Mail `expr:"mail"`
}

// MailRule is a compiled mail rule expression; safe for concurrent use.
type MailRule struct {
	Source string
	prog   *vm.Program
}

// CompileMailRule compiles and type-checks a mail rule. The error names
// the position (1-based line and column) of the problem.
func CompileMailRule(src string) (*MailRule, error) {
	if strings.TrimSpace(src) == "" {
		return nil, errors.New("empty mail rule")
	}
	prog, err := expr.Compile(src, expr.Env(mailRuleEnv{}), expr.AsBool())
	if err != nil {
		if _, pos := exprpos.Of(err); pos.Line == 0 {
			return nil, fmt.Errorf("mail rule %q: %s (it must give true or false)", src, mailEnvNames.Replace(exprpos.Describe(err)))
		}
		return nil, fmt.Errorf("mail rule %q: %s", src, mailEnvNames.Replace(exprpos.Describe(err)))
	}
	return &MailRule{Source: src, prog: prog}, nil
}

var mailEnvNames = strings.NewReplacer("conditions.Mail", "mail", "conditions.mailRuleEnv", "the rule")

// Match evaluates the rule for one mail.
func (r *MailRule) Match(m Mail) (bool, error) {
	if m.Header == nil {
		m.Header = func(string) string { return "" }
	}
	out, err := expr.Run(r.prog, mailRuleEnv{Mail: m})
	if err != nil {
		return false, fmt.Errorf("mail rule %q: %w", r.Source, err)
	}
	b, _ := out.(bool)
	return b, nil
}
