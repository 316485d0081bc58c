// Package classify is an example of a company's own wfe action:
// ClassifySubjectAction sorts a mail subject into a category by keywords,
// so that later steps can route the mail (for example with
// WFConditionEquals on the Category output).
package classify

import (
	"context"
	"strings"

	"github.com/wfehq/wfe/cmd/wfecmd"
	"github.com/wfehq/wfe/engine"
)

// Register adds ClassifySubjectAction to reg. It is a wfecmd.Extension:
// pass it to wfecmd.Main.
func Register(reg *engine.Registry, deps wfecmd.Deps) error {
	return reg.AddAction(Action{})
}

var _ wfecmd.Extension = Register

// Action is ClassifySubjectAction.
type Action struct{}

var _ engine.Action = Action{}

// Spec declares the action's parameters and outputs; wfe checks workflows
// against it and lists it in `wfe actions`.
func (Action) Spec() engine.ActionSpec {
	return engine.ActionSpec{
		Name:        "ClassifySubjectAction",
		Description: "sets Category to the first category whose keyword occurs in Subject (case-insensitive), else to Fallback",
		Params: []engine.Param{
			{Name: "Subject", Type: engine.TypeString, Required: true, Description: "the text to classify, e.g. a mail subject"},
			{Name: "Rules", Type: engine.TypeString, Required: true, Description: "category=keyword|keyword;category=keyword…, e.g. Offer=angebot|quote;Complaint=reklamation"},
			{Name: "Fallback", Type: engine.TypeString, Default: "Other", Description: "the category when no keyword matches"},
		},
		Outputs: []engine.Output{
			{Name: "Category", Type: engine.TypeString, Description: "the category found"},
		},
	}
}

// Run classifies the subject and logs the result into the run record.
func (Action) Run(ctx context.Context, call *engine.Call) error {
	subject := strings.ToLower(call.String("Subject"))
	category := call.String("Fallback")
	if c, ok := match(subject, call.String("Rules")); ok {
		category = c
	}
	call.SetOutput("Category", category)
	call.Logf("subject classified as %s", category)
	return nil
}

// match returns the first category of rules with a keyword in subject.
func match(subject, rules string) (string, bool) {
	for _, rule := range strings.Split(rules, ";") {
		category, keywords, ok := strings.Cut(rule, "=")
		if !ok {
			continue
		}
		for _, kw := range strings.Split(keywords, "|") {
			kw = strings.ToLower(strings.TrimSpace(kw))
			if kw != "" && strings.Contains(subject, kw) {
				return strings.TrimSpace(category), true
			}
		}
	}
	return "", false
}
