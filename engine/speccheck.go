package engine

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadSpec matches (errors.Is) every refusal of AddAction, AddCondition
// and AddDataType: a missing or duplicate name, a parameter without a data
// type or with one the registry does not know, a default that does not
// convert.
var ErrBadSpec = errors.New("bad registration")

// TypeAny is the data type of a parameter, output or input that takes a
// value of any type (SetContextAction's Value, say): a literal is then a
// string unless Parameter@DataType names another type. It must be given
// explicitly; a parameter without a data type is refused.
const TypeAny = "any"

// specError names what is registered and what is wrong with it.
func specError(what, name, format string, args ...any) error {
	return fmt.Errorf("engine: %s %q: %s: %w", what, name, fmt.Sprintf(format, args...), ErrBadSpec)
}

// checkActionSpec checks s against the data types of r (r.mu held).
func (r *Registry) checkActionSpec(s ActionSpec) error {
	if err := r.checkParams("action", s.Name, "parameter", s.Params, true); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, o := range s.Outputs {
		if o.Name == "" {
			return specError("action", s.Name, "output %d has no name", i+1)
		}
		if seen[o.Name] {
			return specError("action", s.Name, "output %q is declared twice", o.Name)
		}
		seen[o.Name] = true
		if err := r.checkType("action", s.Name, "output", o.Name, o.Type); err != nil {
			return err
		}
	}
	return nil
}

// checkConditionSpec checks s against the data types of r (r.mu held).
func (r *Registry) checkConditionSpec(s ConditionSpec) error {
	if err := r.checkParams("condition", s.Name, "input", s.Inputs, false); err != nil {
		return err
	}
	return r.checkParams("condition", s.Name, "check value", s.CheckValues, true)
}

// checkParams refuses nameless or duplicate parameters, missing or unknown
// data types and (withDefaults) defaults that do not convert.
func (r *Registry) checkParams(what, owner, kind string, ps []Param, withDefaults bool) error {
	seen := map[string]bool{}
	for i, p := range ps {
		if p.Name == "" {
			return specError(what, owner, "%s %d has no name", kind, i+1)
		}
		if seen[p.Name] {
			return specError(what, owner, "%s %q is declared twice", kind, p.Name)
		}
		seen[p.Name] = true
		if err := r.checkType(what, owner, kind, p.Name, p.Type); err != nil {
			return err
		}
		if !withDefaults || p.Default == "" {
			continue
		}
		t := r.types[p.Type]
		if p.Type == TypeAny {
			t = r.types[TypeString]
		}
		if _, err := t.Parse(p.Default); err != nil {
			return specError(what, owner, "default of %s %q: %v", kind, p.Name, err)
		}
	}
	return nil
}

func (r *Registry) checkType(what, owner, kind, name, typ string) error {
	if typ == "" {
		return specError(what, owner, "%s %q has no data type (give one of %s, or engine.TypeAny for any type)", kind, name, r.typeNames())
	}
	if typ == TypeAny {
		return nil
	}
	if _, ok := r.types[typ]; !ok {
		return specError(what, owner, "%s %q has data type %q, which is not registered (%sknown: %s; register a data type before the actions using it)",
			kind, name, typ, didYouMean(typ, keys(r.types)), r.typeNames())
	}
	return nil
}

// typeNames lists the canonical names of the registered data types.
func (r *Registry) typeNames() string {
	names := make([]string, len(r.typeList))
	for i, t := range r.typeList {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}
