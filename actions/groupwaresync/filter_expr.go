package groupwaresync

import (
	"fmt"

	"github.com/expr-lang/expr"
)

// compileFilter compiles a rule's filter src against the environment
// its records are seen in (env of an empty record); an empty filter
// passes every record.
func compileFilter(src string, env map[string]any) (*Filter, error) {
	if src == "" {
		return &Filter{}, nil
	}
	prog, err := expr.Compile(src, expr.Env(env), expr.AsBool())
	if err != nil {
		return nil, fmt.Errorf("filter %q: %w", src, err)
	}
	return &Filter{prog: prog}, nil
}

// matches runs the filter on one record's environment; what names the
// record in errors.
func (f *Filter) matches(env map[string]any, what string) (bool, error) {
	if f.prog == nil {
		return true, nil
	}
	out, err := expr.Run(f.prog, env)
	if err != nil {
		return false, fmt.Errorf("filter on %s: %w", what, err)
	}
	return out.(bool), nil
}
