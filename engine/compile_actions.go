package engine

import (
	"fmt"
	"strings"

	"github.com/wfehq/wfe/schema"
)

func (c *compiler) compileActions(i int, s *schema.Step) {
	st := &c.p.steps[i]
	st.actions = make([]cAction, len(s.Actions))
	for k, a := range s.Actions {
		if a == nil {
			continue
		}
		c.compileAction(fmt.Sprintf("%s/Actions/Action[%d]", stepPath(i), k+1), a, &st.actions[k])
	}
}

// actionBinder binds the parameters of one action of a step.
type actionBinder struct {
	c      *compiler
	a      *schema.Action
	act    Action
	spec   *ActionSpec
	path   string
	ptypes []*DataType // the data type of each spec parameter, nil for any type
	bound  []*binding  // the binding of each spec parameter, nil while unbound
}

// compileAction resolves one action into ca: the registered action, its
// parameter bindings and the context slots of its outputs.
func (c *compiler) compileAction(path string, a *schema.Action, ca *cAction) {
	ca.name = a.Name
	ca.line = a.Line
	if a.Name == "" {
		c.errorf(a.Pos, path, CodeMissingAttr, "<Action> is missing required attribute Name")
		return
	}
	act, err := c.reg.Action(a.Name)
	if err != nil {
		c.errorf(a.Pos, path, CodeUnknownAction, "%v", err)
		return
	}
	ca.act = act
	ca.spec = act.Spec()
	spec := &ca.spec
	b := &actionBinder{c: c, a: a, act: act, spec: spec, path: path, bound: make([]*binding, len(spec.Params))}
	b.ptypes = c.paramTypes(path, a, spec)
	for n, vm := range a.Mappings {
		b.bindValueMapping(n, vm)
	}
	for n, sm := range a.Simple {
		b.bindSimpleMapping(n, sm)
	}
	ca.binds = b.completeBindings()
	if len(spec.Params) > c.p.maxParam {
		c.p.maxParam = len(spec.Params)
	}
	ca.outSlots = make([]int, len(spec.Outputs))
	for oi, o := range spec.Outputs {
		ca.outSlots[oi] = c.slot(o.Name)
	}
	ca.outBase = c.p.nOutputs
	c.p.nOutputs += len(spec.Outputs)
	c.p.nActions++
}

// paramTypes looks up the data type of each parameter of spec (nil for a
// parameter of any type), reporting a type the registry does not know.
func (c *compiler) paramTypes(path string, a *schema.Action, spec *ActionSpec) []*DataType {
	ptypes := make([]*DataType, len(spec.Params))
	for pi, p := range spec.Params {
		if p.Type == "" || p.Type == TypeAny {
			continue
		}
		t, err := c.reg.DataType(p.Type)
		if err != nil {
			c.errorf(a.Pos, path, CodeUnknownType, "action %s parameter %s: %v", a.Name, p.Name, err)
			continue
		}
		ptypes[pi] = t
	}
	return ptypes
}

// param returns the index of the spec parameter pname, reporting an
// unknown or already bound parameter.
func (b *actionBinder) param(pos schema.Pos, mpath, pname string) (int, bool) {
	spec := b.spec
	pi := paramIndex(spec.Params, pname)
	if pi < 0 {
		b.c.errorf(pos, mpath, CodeUnknownParam, "action %s has no parameter %q (%sparameters: %s)", b.a.Name, pname,
			didYouMean(pname, paramNames(spec.Params)), strings.Join(paramNames(spec.Params), ", "))
		return -1, false
	}
	if b.bound[pi] != nil {
		b.c.errorf(pos, mpath, CodeDuplicateParam, "action %s parameter %s is bound twice", b.a.Name, pname)
		return -1, false
	}
	return pi, true
}

// bindValueMapping binds the n-th ValueMapping: its parameter to a context
// variable, a literal, or both.
func (b *actionBinder) bindValueMapping(n int, vm *schema.ValueMapping) {
	c, spec := b.c, b.spec
	mpath := fmt.Sprintf("%s/ContextToActionMap/ValueMapping[%d]", b.path, n+1)
	if vm == nil || vm.Parameter == nil || vm.Parameter.Name == "" {
		pos := b.a.Pos
		if vm != nil {
			pos = vm.Pos
		}
		c.errorf(pos, mpath, CodeMissingParameter, "ValueMapping needs a <Parameter Name=...> child")
		return
	}
	pr := vm.Parameter
	ppath := mpath + "/Parameter"
	pi, ok := b.param(pr.Pos, ppath, pr.Name)
	if !ok {
		return
	}
	bd := &binding{param: pi, name: pr.Name, slot: -1, typ: b.ptypes[pi], secret: spec.Params[pi].Secret,
		session: pr.Name == "SessionId" && (spec.Params[pi].Type == TypeString || anyType(spec.Params[pi].Type))}
	b.bound[pi] = bd
	typ := b.ptypes[pi]
	if pr.DataType != "" {
		mt, err := c.reg.DataType(pr.DataType)
		if err != nil {
			c.errorf(pr.Pos, ppath, CodeUnknownType, "parameter %s: %v", pr.Name, err)
			return
		}
		if !typeCompatible(mt.Name, spec.Params[pi].Type) {
			c.errorf(pr.Pos, ppath, CodeTypeMismatch, "parameter %s of %s is %s; DataType %s does not fit", pr.Name, b.a.Name, spec.Params[pi].Type, pr.DataType)
			return
		}
		if typ == nil {
			typ = mt
			bd.typ = mt
		}
	}
	if vm.Name != "" {
		bd.slot = c.slot(vm.Name)
		bd.varName = vm.Name
	}
	if pr.HasValue {
		if v, ok := b.literal(pr, ppath, typ); ok {
			bd.lit = v
		}
	}
}

// literal parses the Value of a parameter as typ (a string when the
// parameter takes any type) and lets the action check it.
func (b *actionBinder) literal(pr *schema.Parameter, ppath string, typ *DataType) (any, bool) {
	c := b.c
	if typ == nil { // a parameter of any type: the literal is a string
		typ, _ = c.reg.DataType(TypeString)
	}
	v, err := typ.Parse(pr.Value)
	if err != nil {
		c.errorf(valuePos(pr.ValuePos, pr.Pos), ppath, CodeBadLiteral, "parameter %s (%s): %v", pr.Name, typ.Name, err)
		return nil, false
	}
	if lc, ok := b.act.(LiteralChecker); ok {
		if err := lc.CheckLiteral(pr.Name, v); err != nil {
			c.errorf(valuePos(pr.ValuePos, pr.Pos), ppath, CodeBadLiteral, "action %s parameter %s: %v", b.a.Name, pr.Name, err)
			return nil, false
		}
	}
	return v, true
}

// bindSimpleMapping binds the n-th SimpleMapping: a parameter fed from a
// context variable.
func (b *actionBinder) bindSimpleMapping(n int, sm *schema.SimpleMapping) {
	spec := b.spec
	mpath := fmt.Sprintf("%s/ContextToActionMap/SimpleMapping[%d]", b.path, n+1)
	if sm == nil || sm.FromName == "" || sm.ToName == "" {
		b.c.errorf(b.a.Pos, mpath, CodeMissingAttr, "SimpleMapping needs FromName and ToName")
		return
	}
	pi, ok := b.param(sm.Pos, mpath, sm.ToName)
	if !ok {
		return
	}
	b.bound[pi] = &binding{param: pi, name: sm.ToName, slot: b.c.slot(sm.FromName), varName: sm.FromName, typ: b.ptypes[pi],
		secret: spec.Params[pi].Secret, session: sm.ToName == "SessionId" && spec.Params[pi].Type == TypeString}
}

// completeBindings applies the parameter defaults, binds an unbound DryRun
// switch, reports a required parameter left unbound, and returns the
// bindings in parameter order.
func (b *actionBinder) completeBindings() []binding {
	c := b.c
	var binds []binding
	for pi, p := range b.spec.Params {
		bd := b.bound[pi]
		if p.Default != "" && (bd == nil || bd.lit == nil) {
			t := b.ptypes[pi]
			if t == nil {
				t, _ = c.reg.DataType(TypeString)
			}
			v, err := t.Parse(p.Default)
			if err != nil {
				c.errorf(b.a.Pos, b.path, CodeBadDefault, "action %s: default of parameter %s: %v", b.a.Name, p.Name, err)
				continue
			}
			if bd == nil {
				bd = &binding{param: pi, name: p.Name, slot: -1, typ: b.ptypes[pi], secret: p.Secret}
				b.bound[pi] = bd
			}
			bd.lit = v
		}
		if bd == nil && isDryRunParam(p, b.ptypes[pi]) {
			bd = &binding{param: pi, name: p.Name, slot: -1, typ: b.ptypes[pi]}
			b.bound[pi] = bd
		}
		if bd == nil {
			if p.Required {
				c.errorf(b.a.Pos, b.path, CodeMissingParam, "action %s needs parameter %s (%s); add <ValueMapping Name=%q><Parameter Name=%q DataType=%q Value=\"...\"/></ValueMapping>",
					b.a.Name, p.Name, p.Type, p.Name, p.Name, p.Type)
			}
			continue
		}
		bd.litText = FormatValue(bd.lit)
		bd.dryRun = isDryRunParam(p, b.ptypes[pi])
		binds = append(binds, *bd)
	}
	return binds
}
