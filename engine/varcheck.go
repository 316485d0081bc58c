package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wfehq/wfe/internal/textdist"
	"github.com/wfehq/wfe/schema"
)

// CodeUnsetVariable is the code of the warning about a ${name} that
// nothing in the workflow can have set.
const CodeUnsetVariable = "unset-variable"

// Warnings returns what compiled but is probably wrong, in document order:
// a ${name} in a template parameter (Param.Template, e.g. LogAction's
// Message) that no EventToContextMap, action output or variable-setting
// parameter (Param.SetsVariable, e.g. SetContextAction's Name) of the
// workflow sets. Warnings do not stop a workflow from being imported or run.
func (p *Program) Warnings() schema.Diagnostics { return p.warnings }

// checkVariables finds the ${name} references nothing can set. When a
// variable-setting parameter takes its name from the context, any name
// may be set and nothing is reported.
func (c *compiler) checkVariables() {
	set, known := c.variablesSet()
	if !known {
		return
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	c.forEachLiteral(func(a *cAction, pi int, pr *schema.Parameter, path string) {
		if !a.spec.Params[pi].Template {
			return
		}
		for _, ref := range placeholders(pr.Value) {
			if set[ref.name] {
				continue
			}
			line, col := lineCol(pr.Value, ref.start)
			pos := valueOffsetPos(c.doc.Source, valuePos(pr.ValuePos, pr.Pos), line, col)
			hint := ""
			if near := textdist.Suggest(ref.name, names); near != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", near)
			}
			c.p.warnings = append(c.p.warnings, schema.Diagnostic{File: c.doc.File, Line: pos.Line, Col: pos.Col, Path: path, Code: CodeUnsetVariable,
				Message: fmt.Sprintf("${%s} in parameter %s of %s: no step or event of the workflow sets context variable %q%s; it prints as empty",
					ref.name, pr.Name, a.name, ref.name, hint)})
		}
	})
	sortDiags(c.p.warnings)
}

// variablesSet returns the context variables the workflow can set;
// known is false when an action sets a variable whose name may come from
// the context at run time (its ValueMapping names a variable that is set).
func (c *compiler) variablesSet() (set map[string]bool, known bool) {
	set = map[string]bool{}
	for _, s := range c.doc.Steps {
		if s != nil && s.Event != nil {
			for _, m := range s.Event.ToContext {
				set[m.ToName] = true
			}
		}
	}
	var fromContext []string // variables a variable-setting parameter reads
	for _, st := range c.p.steps {
		for _, a := range st.actions {
			for _, o := range a.spec.Outputs {
				set[o.Name] = true
			}
			for _, b := range a.binds {
				if !a.spec.Params[b.param].SetsVariable {
					continue
				}
				if b.slot >= 0 {
					fromContext = append(fromContext, b.varName)
				}
				if name, ok := b.lit.(string); ok {
					set[name] = true
				}
			}
		}
	}
	for _, v := range fromContext {
		if set[v] {
			return set, false
		}
	}
	return set, true
}

// forEachLiteral calls f for every Parameter with a Value of a resolved
// action, with the index of the parameter in the action's spec.
func (c *compiler) forEachLiteral(f func(a *cAction, pi int, pr *schema.Parameter, path string)) {
	for i, s := range c.doc.Steps {
		if s == nil {
			continue
		}
		for k, xa := range s.Actions {
			a := &c.p.steps[i].actions[k]
			if xa == nil || a.act == nil {
				continue
			}
			for n, vm := range xa.Mappings {
				if vm == nil || vm.Parameter == nil || !vm.Parameter.HasValue {
					continue
				}
				if pi := paramIndex(a.spec.Params, vm.Parameter.Name); pi >= 0 {
					f(a, pi, vm.Parameter, fmt.Sprintf("%s/Actions/Action[%d]/ContextToActionMap/ValueMapping[%d]/Parameter", stepPath(i), k+1, n+1))
				}
			}
		}
	}
}

// lineCol turns a byte offset in s into a 1-based line and column in
// characters, as valueOffsetPos takes them.
func lineCol(s string, off int) (line, col int) {
	before := s[:off]
	line = 1 + strings.Count(before, "\n")
	if i := strings.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i+1:]
	}
	return line, len([]rune(before)) + 1
}
