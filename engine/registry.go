package engine

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/wfehq/wfe/internal/textdist"
)

// ConditionSpec describes a condition: its name in the XML, the inputs fed
// by ContextToConditionMap and the literals of CheckValuesMap.
type ConditionSpec struct {
	Name        string
	Description string
	// Inputs are the ToName values ContextToConditionMap may feed.
	Inputs []Param
	// AnyInputs: the condition accepts inputs of any name (the expression
	// condition turns each into a variable); Inputs then only documents.
	AnyInputs bool
	// CheckValues are the literals of CheckValuesMap, converted to their
	// Type at compile time.
	CheckValues []Param
}

// Condition is a registered condition. Prepare runs once per use in a
// workflow, at compile time; the Checker it returns runs at every run and
// must be safe for concurrent use.
type Condition interface {
	Spec() ConditionSpec
	Prepare(in PrepareInput) (Checker, error)
}

// PrepareInput is what a condition knows at compile time.
type PrepareInput struct {
	// Inputs are the input names bound by ContextToConditionMap, in
	// document order; at check time values arrive in the same order.
	Inputs []string
	// CheckValues holds each CheckValuesMap literal converted to the type
	// its spec declares (nil for an empty literal of a non-string type).
	// Spec defaults fill absent entries.
	CheckValues map[string]any
}

// Checker evaluates a prepared condition. inputs holds the values of
// PrepareInput.Inputs in the same order (nil when the context holds
// nothing). It must not retain inputs.
type Checker func(ctx context.Context, inputs []any) (bool, error)

// ConditionFunc adapts a spec and a prepare function into a Condition.
type ConditionFunc struct {
	S ConditionSpec
	P func(in PrepareInput) (Checker, error)
}

func (c ConditionFunc) Spec() ConditionSpec                      { return c.S }
func (c ConditionFunc) Prepare(in PrepareInput) (Checker, error) { return c.P(in) }

// PositionError is returned by Condition.Prepare for a problem inside a
// CheckValue literal (an expression, say); Compile maps it to the document
// position of that value. ExprError makes one from an expr-lang error.
type PositionError struct {
	CheckValue string // the CheckValue@Name whose Value is at fault
	Line       int    // 1-based line inside the value; 0: no position (the value as a whole)
	Column     int    // 1-based column in characters inside that line
	Err        error
}

func (e *PositionError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %v", e.CheckValue, e.Err)
	}
	return fmt.Sprintf("%s:%d:%d: %v", e.CheckValue, e.Line, e.Column, e.Err)
}
func (e *PositionError) Unwrap() error { return e.Err }

// Registry holds the actions, conditions and data types workflows may use.
// Registration normally happens before compiling; lookups are safe for
// concurrent use.
type Registry struct {
	mu         sync.RWMutex
	actions    map[string]Action
	conditions map[string]Condition
	types      map[string]*DataType // canonical names and aliases
	typeList   []*DataType
}

// NewRegistry returns a registry holding the built-in data types (see
// BuiltinTypes) and no actions or conditions.
func NewRegistry() *Registry {
	r := &Registry{
		actions:    map[string]Action{},
		conditions: map[string]Condition{},
		types:      map[string]*DataType{},
	}
	for _, t := range BuiltinTypes() {
		r.RegisterDataType(t)
	}
	return r
}

// AddAction adds a, or says why it cannot: a nil action, an empty or
// duplicate name, a parameter or output without a name, declared twice,
// without a data type or with one not registered, a default that does not
// convert. The error names the action and matches ErrBadSpec. Extensions
// register with AddAction and return its error.
func (r *Registry) AddAction(a Action) error {
	if a == nil {
		return fmt.Errorf("engine: AddAction of a nil action: %w", ErrBadSpec)
	}
	s := a.Spec()
	if s.Name == "" {
		return fmt.Errorf("engine: action of type %T has an empty name: %w", a, ErrBadSpec)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.actions[s.Name]; dup {
		return specError("action", s.Name, "an action of this name is already registered")
	}
	if err := r.checkActionSpec(s); err != nil {
		return err
	}
	r.actions[s.Name] = a
	return nil
}

// RegisterAction is AddAction for built-in actions registered from code
// that cannot fail: it panics on AddAction's error.
func (r *Registry) RegisterAction(a Action) {
	if err := r.AddAction(a); err != nil {
		panic(err)
	}
}

// AddCondition adds c, or says why it cannot, as AddAction does for
// actions (inputs and check values are checked like parameters).
func (r *Registry) AddCondition(c Condition) error {
	if c == nil {
		return fmt.Errorf("engine: AddCondition of a nil condition: %w", ErrBadSpec)
	}
	s := c.Spec()
	if s.Name == "" {
		return fmt.Errorf("engine: condition of type %T has an empty name: %w", c, ErrBadSpec)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.conditions[s.Name]; dup {
		return specError("condition", s.Name, "a condition of this name is already registered")
	}
	if err := r.checkConditionSpec(s); err != nil {
		return err
	}
	r.conditions[s.Name] = c
	return nil
}

// RegisterCondition is AddCondition for built-in conditions: it panics on
// AddCondition's error.
func (r *Registry) RegisterCondition(c Condition) {
	if err := r.AddCondition(c); err != nil {
		panic(err)
	}
}

// AddDataType adds t under its name and aliases, or says why it cannot:
// an empty name or alias, TypeAny, missing Parse or Accept, a name or
// alias already taken.
func (r *Registry) AddDataType(t DataType) error {
	if t.Name == "" {
		return fmt.Errorf("engine: data type with an empty name (aliases %v): %w", t.Aliases, ErrBadSpec)
	}
	if t.Parse == nil || t.Accept == nil {
		return specError("data type", t.Name, "Parse and Accept are both required")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	names := append([]string{t.Name}, t.Aliases...)
	for i, n := range names {
		switch _, dup := r.types[n]; {
		case n == "":
			return specError("data type", t.Name, "alias %d is empty", i)
		case n == TypeAny:
			return specError("data type", t.Name, "%q is reserved for parameters of any type", TypeAny)
		case dup || slicesContains(names[:i], n):
			return specError("data type", t.Name, "the name %q is already registered", n)
		}
	}
	p := &t
	for _, n := range names {
		r.types[n] = p
	}
	r.typeList = append(r.typeList, p)
	return nil
}

// RegisterDataType is AddDataType for built-in data types: it panics on
// AddDataType's error.
func (r *Registry) RegisterDataType(t DataType) {
	if err := r.AddDataType(t); err != nil {
		panic(err)
	}
}

// Action returns the action registered under name, or an error naming the
// closest known action.
func (r *Registry) Action(name string) (Action, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if a, ok := r.actions[name]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("unknown action %q (%sis its package registered?)", name, didYouMean(name, keys(r.actions)))
}

// Condition returns the condition registered under name, or an error naming
// the closest known condition.
func (r *Registry) Condition(name string) (Condition, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if c, ok := r.conditions[name]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("unknown condition %q (%sis its package registered?)", name, didYouMean(name, keys(r.conditions)))
}

// DataType returns the data type registered under name or alias.
func (r *Registry) DataType(name string) (*DataType, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if t, ok := r.types[name]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("unknown data type %q (%sknown: %s)", name, didYouMean(name, keys(r.types)), r.typeNames())
}

// Actions returns the specs of all registered actions, sorted by name.
func (r *Registry) Actions() []ActionSpec {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]ActionSpec, 0, len(r.actions))
	for _, a := range r.actions {
		out = append(out, a.Spec())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Conditions returns the specs of all registered conditions, sorted by name.
func (r *Registry) Conditions() []ConditionSpec {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]ConditionSpec, 0, len(r.conditions))
	for _, c := range r.conditions {
		out = append(out, c.Spec())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// DataTypes returns the registered data types in registration order.
func (r *Registry) DataTypes() []DataType {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]DataType, len(r.typeList))
	for i, t := range r.typeList {
		out[i] = *t
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// didYouMean returns `did you mean "X"? ` for a candidate close enough to
// name to be a plausible typo, or "".
func didYouMean(name string, candidates []string) string {
	best := textdist.Suggest(name, candidates)
	if best == "" {
		return ""
	}
	return fmt.Sprintf("did you mean %q? ", best)
}
