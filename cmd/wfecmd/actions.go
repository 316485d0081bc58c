package wfecmd

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/wfehq/wfe/engine"
)

func init() {
	var asJSON bool
	root.Add(&Command{
		Name:    "actions",
		Short:   "list the registered actions and conditions with their parameters",
		Example: "wfe actions\nwfe actions --json",
		Long: `actions lists every action and condition a workflow may use, with the
parameters (name, data type, required, default, secret, description) and
outputs. --json prints an array of objects with snake_case keys.`,
		Flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("actions takes no arguments")
			}
			reg, err := env.registry()
			if err != nil {
				return err
			}
			list := describe(reg)
			if asJSON {
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(list)
			}
			printDescriptions(env.Stdout, list)
			return nil
		},
	})
}

// description is one action or condition as `wfe actions` shows it.
type description struct {
	Kind        string       `json:"kind"` // "action" or "condition"
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Params      []paramJSON  `json:"params,omitempty"`
	Inputs      []paramJSON  `json:"inputs,omitempty"`
	CheckValues []paramJSON  `json:"check_values,omitempty"`
	AnyInputs   bool         `json:"any_inputs,omitempty"`
	Outputs     []outputJSON `json:"outputs,omitempty"`
}

type paramJSON struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Required    bool   `json:"required"`
	Default     string `json:"default"`
	Secret      bool   `json:"secret"`
	Description string `json:"description"`
}

type outputJSON struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description"`
}

func params(ps []engine.Param) []paramJSON {
	out := make([]paramJSON, len(ps))
	for i, p := range ps {
		out[i] = paramJSON{Name: p.Name, Type: p.Type, Required: p.Required, Default: p.Default, Secret: p.Secret, Description: p.Description}
	}
	return out
}

func describe(reg *engine.Registry) []description {
	var out []description
	for _, a := range reg.Actions() {
		d := description{Kind: "action", Name: a.Name, Description: a.Description, Params: params(a.Params)}
		for _, o := range a.Outputs {
			d.Outputs = append(d.Outputs, outputJSON{Name: o.Name, Type: o.Type, Description: o.Description})
		}
		out = append(out, d)
	}
	for _, c := range reg.Conditions() {
		out = append(out, description{Kind: "condition", Name: c.Name, Description: c.Description,
			Inputs: params(c.Inputs), CheckValues: params(c.CheckValues), AnyInputs: c.AnyInputs})
	}
	return out
}

func printDescriptions(w io.Writer, list []description) {
	for i, d := range list {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s %s\n", d.Kind, d.Name)
		if d.Description != "" {
			fmt.Fprintf(w, "  %s\n", d.Description)
		}
		printParams(w, "params", d.Params)
		if d.AnyInputs {
			fmt.Fprintf(w, "  inputs: any name; each becomes a variable\n")
		}
		printParams(w, "inputs", d.Inputs)
		printParams(w, "check values", d.CheckValues)
		if len(d.Outputs) > 0 {
			fmt.Fprintf(w, "  outputs:\n")
			for _, o := range d.Outputs {
				fmt.Fprintf(w, "    %s (%s): %s\n", o.Name, o.Type, o.Description)
			}
		}
	}
}

func printParams(w io.Writer, label string, ps []paramJSON) {
	if len(ps) == 0 {
		return
	}
	fmt.Fprintf(w, "  %s:\n", label)
	for _, p := range ps {
		typ := p.Type
		if typ == "" {
			typ = "any"
		}
		flags := []string{typ}
		if p.Required {
			flags = append(flags, "required")
		}
		if p.Default != "" {
			flags = append(flags, fmt.Sprintf("default %q", p.Default))
		}
		if p.Secret {
			flags = append(flags, "secret")
		}
		fmt.Fprintf(w, "    %s (%s): %s\n", p.Name, strings.Join(flags, ", "), p.Description)
	}
}
