package engine

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/wfehq/wfe/schema"
)

// Program is a compiled workflow: every action, condition, parameter, data
// type and step link resolved to indices. It is immutable and safe for
// concurrent runs.
type Program struct {
	doc      *schema.WorkFlowMapping
	id       string
	steps    []cStep
	varNames []string       // context variable names by slot
	varIndex map[string]int // name -> slot, for Call.Var/SetVar
	// secretSlots marks the context variables that always hold secrets.
	secretSlots []bool
	warnings    schema.Diagnostics
	starts      map[string][]int
	events      []string // start events, sorted
	nActions    int
	nOutputs    int
	maxIn       int
	maxParam    int
	pool        sync.Pool
}

type cStep struct {
	no      int
	event   string
	line    int
	toCtx   []eventMap
	conds   []cCond
	actions []cAction
	next    []nextStep
}

// eventMap copies an event field into a context slot. For a start step the
// field is looked up by name in Event.Fields; for a following step it is
// the output index of the action that raised the event.
type eventMap struct {
	field  string
	out    int // -1: by name
	slot   int
	secret bool // the output copied is secret
}

type nextStep struct {
	step   int // index into Program.steps
	action int // index into the predecessor's actions: its event triggers
}

type cCond struct {
	name       string
	check      Checker
	inSlots    []int
	skipReason string
}

type cAction struct {
	name     string
	line     int
	act      Action
	spec     ActionSpec
	binds    []binding
	outSlots []int // context slot per spec output
	outBase  int   // offset of this action's outputs in the run's output store
}

// binding feeds one spec parameter.
type binding struct {
	param   int    // index into spec.Params
	name    string // parameter name
	slot    int    // context variable slot, -1 when none
	varName string
	lit     any    // converted literal, else converted default, else nil
	litText string // lit as the run record shows it
	typ     *DataType
	session bool // SessionId: empty resolves to the run's session
	dryRun  bool // a Boolean DryRun parameter: true in a dry run, whatever is bound
	secret  bool
}

// WorkflowID returns the WorkFlowMapping@WorkFlowID of the program.
func (p *Program) WorkflowID() string { return p.id }

// Doc returns the model the program was compiled from. Callers must not
// modify it.
func (p *Program) Doc() *schema.WorkFlowMapping { return p.doc }

// StartEvents returns the events that start a run, sorted.
func (p *Program) StartEvents() []string { return append([]string(nil), p.events...) }

// Listens reports whether event starts a run of p.
func (p *Program) Listens(event string) bool { return len(p.starts[event]) > 0 }

// Compile resolves doc against reg. It reports every problem at once as
// schema.Diagnostics (with positions, file from doc.File).
func Compile(doc *schema.WorkFlowMapping, reg *Registry) (*Program, error) {
	if doc == nil {
		return nil, errors.New("engine: Compile of nil document")
	}
	if reg == nil {
		return nil, errors.New("engine: Compile with nil registry")
	}
	c := &compiler{doc: doc, reg: reg, p: &Program{doc: doc, id: doc.WorkFlowID, varIndex: map[string]int{}, starts: map[string][]int{}}}
	c.compile()
	if len(c.diags) > 0 {
		sortDiags(c.diags)
		return nil, c.diags
	}
	c.checkVariables()
	p := c.p
	p.markSecretSlots()
	p.pool.New = func() any { return newRunState(p) }
	return p, nil
}

func sortDiags(ds schema.Diagnostics) {
	sort.SliceStable(ds, func(i, j int) bool {
		if ds[i].Line != ds[j].Line {
			return ds[i].Line < ds[j].Line
		}
		return ds[i].Col < ds[j].Col
	})
}

type compiler struct {
	doc   *schema.WorkFlowMapping
	reg   *Registry
	p     *Program
	diags schema.Diagnostics
	byNo  map[int]int // step number -> index
}

func (c *compiler) errorf(pos schema.Pos, path, code, format string, args ...any) {
	c.diags = append(c.diags, schema.Diagnostic{
		File: c.doc.File, Line: pos.Line, Col: pos.Col, Path: path, Code: code,
		Message: fmt.Sprintf(format, args...),
	})
}

func (c *compiler) slot(name string) int {
	if i, ok := c.p.varIndex[name]; ok {
		return i
	}
	i := len(c.p.varNames)
	c.p.varNames = append(c.p.varNames, name)
	c.p.varIndex[name] = i
	return i
}

func stepPath(i int) string { return fmt.Sprintf("WorkFlowMapping/Step[%d]", i+1) }

func (c *compiler) compile() {
	doc := c.doc
	p := c.p
	if len(doc.Steps) == 0 {
		c.errorf(doc.Pos, "WorkFlowMapping", CodeNoSteps, "workflow %q has no Step", doc.WorkFlowID)
		return
	}
	p.steps = make([]cStep, len(doc.Steps))
	c.byNo = make(map[int]int, len(doc.Steps))
	for i, s := range doc.Steps {
		if s == nil {
			c.errorf(doc.Pos, stepPath(i), CodeMissingStep, "step %d is empty", i+1)
			continue
		}
		if s.NoText != "" && fmt.Sprint(s.No) != strings.TrimSpace(s.NoText) {
			c.errorf(s.Pos, stepPath(i), CodeBadStepNo, "Step@No %q is not an integer", s.NoText)
			continue
		}
		if j, dup := c.byNo[s.No]; dup {
			c.errorf(s.Pos, stepPath(i), CodeDuplicateStep, "step number %d is used twice (first at line %d)", s.No, doc.Steps[j].Line)
			continue
		}
		c.byNo[s.No] = i
		p.steps[i].no = s.No
		p.steps[i].line = s.Line
		if s.Event == nil || s.Event.Name == "" {
			c.errorf(s.Pos, stepPath(i), CodeMissingEvent, "step %d has no Event@Name", s.No)
		} else {
			p.steps[i].event = s.Event.Name
		}
	}

	// Links, start steps, reachability.
	listed := make([]bool, len(doc.Steps))
	edges := make([][]int, len(doc.Steps)) // -1 for dangling
	for i, s := range doc.Steps {
		if s == nil {
			continue
		}
		for k, f := range s.FollowingSteps {
			path := fmt.Sprintf("%s/FollowingSteps/No[%d]", stepPath(i), k+1)
			if f.No == 0 && strings.TrimSpace(f.Text) != "0" {
				c.errorf(f.Pos, path, CodeBadStepNo, "FollowingSteps/No %q is not an integer", f.Text)
				edges[i] = append(edges[i], -1)
				continue
			}
			j, ok := c.byNo[f.No]
			if !ok {
				c.errorf(f.Pos, path, CodeDanglingStep, "step %d lists following step %s, which does not exist", s.No, strings.TrimSpace(f.Text))
				edges[i] = append(edges[i], -1)
				continue
			}
			if j == i {
				c.errorf(f.Pos, path, CodeSelfLoop, "step %d lists itself in FollowingSteps; a step runs at most once per run", s.No)
				edges[i] = append(edges[i], -1)
				continue
			}
			edges[i] = append(edges[i], j)
			listed[j] = true
		}
	}
	var startIdx []int
	for i, s := range doc.Steps {
		if s != nil && !listed[i] {
			startIdx = append(startIdx, i)
		}
	}
	if len(startIdx) == 0 {
		c.errorf(doc.Pos, "WorkFlowMapping", CodeNoStartStep, "workflow %q has no start step: every step is listed in some FollowingSteps, so no event can start a run", doc.WorkFlowID)
	} else {
		reach := make([]bool, len(doc.Steps))
		queue := append([]int(nil), startIdx...)
		for _, i := range startIdx {
			reach[i] = true
		}
		for len(queue) > 0 {
			i := queue[0]
			queue = queue[1:]
			for _, j := range edges[i] {
				if j >= 0 && !reach[j] {
					reach[j] = true
					queue = append(queue, j)
				}
			}
		}
		for i, s := range doc.Steps {
			if s != nil && !reach[i] {
				c.errorf(s.Pos, stepPath(i), CodeUnreachableStep, "step %d is unreachable: no start step leads to it", s.No)
			}
		}
	}
	starts := make(map[int]bool, len(startIdx))
	for _, i := range startIdx {
		starts[i] = true
		if ev := p.steps[i].event; ev != "" {
			if len(p.starts[ev]) == 0 {
				p.events = append(p.events, ev)
			}
			p.starts[ev] = append(p.starts[ev], i)
		}
	}
	sort.Strings(p.events)

	// Conditions and actions.
	trigger := make([]*ActionSpec, len(doc.Steps)) // the spec of the action whose event starts a following step
	for i, s := range doc.Steps {
		if s == nil {
			continue
		}
		c.compileConditions(i, s)
		c.compileActions(i, s)
	}
	// Following steps: events must be raisable.
	for i, s := range doc.Steps {
		if s == nil {
			continue
		}
		for k, j := range edges[i] {
			if j < 0 {
				continue
			}
			ev := p.steps[j].event
			ai := -1
			for a := range s.Actions {
				if s.Actions[a] != nil && s.Actions[a].Name == ev {
					ai = a // the last action of that name raises the event the step sees
				}
			}
			if ai < 0 {
				var names []string
				for _, a := range s.Actions {
					if a != nil {
						names = append(names, a.Name)
					}
				}
				raises := "no events: it has no actions"
				if len(names) > 0 {
					raises = "events " + strings.Join(names, ", ")
				}
				f := s.FollowingSteps[k]
				c.errorf(f.Pos, fmt.Sprintf("%s/FollowingSteps/No[%d]", stepPath(i), k+1), CodeUnraisableEvent,
					"following step %d listens for event %q, which step %d never raises (it raises %s)", p.steps[j].no, ev, s.No, raises)
				continue
			}
			p.steps[i].next = append(p.steps[i].next, nextStep{step: j, action: ai})
			if ai < len(p.steps[i].actions) && p.steps[i].actions[ai].act != nil {
				trigger[j] = &p.steps[i].actions[ai].spec
			}
		}
	}
	// Event mappings.
	for i, s := range doc.Steps {
		if s == nil || s.Event == nil {
			continue
		}
		for k, m := range s.Event.ToContext {
			path := fmt.Sprintf("%s/Event/EventToContextMap/SimpleMapping[%d]", stepPath(i), k+1)
			if m.FromName == "" || m.ToName == "" {
				c.errorf(m.Pos, path, CodeMissingAttr, "SimpleMapping needs FromName and ToName")
				continue
			}
			em := eventMap{field: m.FromName, out: -1, slot: c.slot(m.ToName)}
			if !starts[i] {
				spec := trigger[i]
				if spec == nil {
					continue // the link is already reported
				}
				em.out = outputIndex(spec, m.FromName)
				if em.out < 0 {
					c.errorf(m.Pos, path, CodeUnknownEventField, "event %q carries no field %q (%s)", spec.Name, m.FromName, outputList(spec))
					continue
				}
				em.secret = spec.Outputs[em.out].Secret
			}
			p.steps[i].toCtx = append(p.steps[i].toCtx, em)
		}
	}
}

func outputIndex(spec *ActionSpec, name string) int {
	for i, o := range spec.Outputs {
		if o.Name == name {
			return i
		}
	}
	return -1
}

func outputList(spec *ActionSpec) string {
	if len(spec.Outputs) == 0 {
		return "the action has no outputs"
	}
	names := make([]string, len(spec.Outputs))
	for i, o := range spec.Outputs {
		names[i] = o.Name
	}
	return "outputs: " + strings.Join(names, ", ")
}

func paramIndex(ps []Param, name string) int {
	for i, p := range ps {
		if p.Name == name {
			return i
		}
	}
	return -1
}

func paramNames(ps []Param) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

func (c *compiler) compileConditions(i int, s *schema.Step) {
	st := &c.p.steps[i]
	for k, cd := range s.Conditions {
		if cd == nil {
			continue
		}
		path := fmt.Sprintf("%s/Conditions/Condition[%d]", stepPath(i), k+1)
		if cd.Name == "" {
			c.errorf(cd.Pos, path, CodeMissingAttr, "<Condition> is missing required attribute Name")
			continue
		}
		cond, err := c.reg.Condition(cd.Name)
		if err != nil {
			c.errorf(cd.Pos, path, CodeUnknownCondition, "%v", err)
			continue
		}
		spec := cond.Spec()
		cc := cCond{name: cd.Name}
		var inputs []string
		ok := true
		for n, m := range cd.Inputs {
			mpath := fmt.Sprintf("%s/ContextToConditionMap/SimpleMapping[%d]", path, n+1)
			if m.FromName == "" || m.ToName == "" {
				c.errorf(m.Pos, mpath, CodeMissingAttr, "SimpleMapping needs FromName and ToName")
				ok = false
				continue
			}
			if !spec.AnyInputs && paramIndex(spec.Inputs, m.ToName) < 0 {
				c.errorf(m.Pos, mpath, CodeUnknownInput, "condition %s has no input %q (%sinputs: %s)", cd.Name, m.ToName,
					didYouMean(m.ToName, paramNames(spec.Inputs)), strings.Join(paramNames(spec.Inputs), ", "))
				ok = false
				continue
			}
			if slicesContains(inputs, m.ToName) {
				c.errorf(m.Pos, mpath, CodeDuplicateInput, "condition %s input %q is fed twice", cd.Name, m.ToName)
				ok = false
				continue
			}
			inputs = append(inputs, m.ToName)
			cc.inSlots = append(cc.inSlots, c.slot(m.FromName))
		}
		for _, in := range spec.Inputs {
			if in.Required && !slicesContains(inputs, in.Name) {
				c.errorf(cd.Pos, path, CodeMissingInput, "condition %s needs input %q (add <SimpleMapping FromName=\"...\" ToName=%q/>)", cd.Name, in.Name, in.Name)
				ok = false
			}
		}
		checks := map[string]any{}
		cvPos := map[string]schema.Pos{}
		unnamedCheck := false // a nameless CheckValue may be the one a "needs" message would ask for
		for n, cv := range cd.CheckValues {
			cpath := fmt.Sprintf("%s/CheckValuesMap/CheckValue[%d]", path, n+1)
			if cv.Name == "" {
				c.errorf(cv.Pos, cpath, CodeMissingAttr, "<CheckValue> is missing required attribute Name")
				ok = false
				unnamedCheck = true
				continue
			}
			pi := paramIndex(spec.CheckValues, cv.Name)
			if pi < 0 {
				c.errorf(cv.Pos, cpath, CodeUnknownCheckValue, "condition %s has no check value %q (%sknown: %s)", cd.Name, cv.Name,
					didYouMean(cv.Name, paramNames(spec.CheckValues)), strings.Join(paramNames(spec.CheckValues), ", "))
				ok = false
				continue
			}
			v, err := c.convert(spec.CheckValues[pi].Type, cv.Value)
			if err != nil {
				c.errorf(valuePos(cv.ValuePos, cv.Pos), cpath, CodeBadLiteral, "check value %s: %v", cv.Name, err)
				ok = false
				continue
			}
			checks[cv.Name] = v
			cvPos[cv.Name] = valuePos(cv.ValuePos, cv.Pos)
		}
		for _, pv := range spec.CheckValues {
			if _, set := checks[pv.Name]; set {
				continue
			}
			if pv.Default != "" {
				v, err := c.convert(pv.Type, pv.Default)
				if err != nil {
					c.errorf(cd.Pos, path, CodeBadDefault, "condition %s: default of %s: %v", cd.Name, pv.Name, err)
					ok = false
					continue
				}
				checks[pv.Name] = v
			} else if pv.Required && !unnamedCheck {
				c.errorf(cd.Pos, path, CodeMissingCheckValue, "condition %s needs check value %q (add <CheckValue Name=%q Value=\"...\"/>)", cd.Name, pv.Name, pv.Name)
				ok = false
			}
		}
		if !ok {
			continue
		}
		chk, err := cond.Prepare(PrepareInput{Inputs: inputs, CheckValues: checks})
		if err != nil {
			var pe *PositionError
			if errors.As(err, &pe) {
				pos, found := cvPos[pe.CheckValue]
				if !found {
					pos = cd.Pos
				} else {
					pos = valueOffsetPos(c.doc.Source, pos, pe.Line, pe.Column)
				}
				c.errorf(pos, path, CodeBadExpression, "condition %s: %s: %v", cd.Name, pe.CheckValue, pe.Err)
			} else {
				c.errorf(cd.Pos, path, CodeConditionError, "condition %s: %v", cd.Name, err)
			}
			continue
		}
		if chk == nil {
			c.errorf(cd.Pos, path, CodeConditionError, "condition %s: Prepare returned no checker", cd.Name)
			continue
		}
		cc.check = chk
		cc.skipReason = fmt.Sprintf("condition %s (line %d) does not hold", cd.Name, cd.Line)
		if len(cc.inSlots) > c.p.maxIn {
			c.p.maxIn = len(cc.inSlots)
		}
		st.conds = append(st.conds, cc)
	}
}

func valuePos(vp, elem schema.Pos) schema.Pos {
	if vp.Line == 0 {
		return elem
	}
	return vp
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// isDryRunParam reports whether p is an action's own dry-run switch: a
// Boolean parameter named DryRun. A dry run of the whole run sets it, so
// the action and the run record agree that nothing is changed.
func isDryRunParam(p Param, t *DataType) bool {
	return p.Name == "DryRun" && t != nil && t.Name == TypeBoolean
}

// convert parses a literal as the named type (a string for any type).
func (c *compiler) convert(typ, lit string) (any, error) {
	if anyType(typ) {
		typ = TypeString
	}
	t, err := c.reg.DataType(typ)
	if err != nil {
		return nil, err
	}
	return t.Parse(lit)
}

func (c *compiler) compileActions(i int, s *schema.Step) {
	st := &c.p.steps[i]
	st.actions = make([]cAction, len(s.Actions))
	for k, a := range s.Actions {
		if a == nil {
			continue
		}
		path := fmt.Sprintf("%s/Actions/Action[%d]", stepPath(i), k+1)
		ca := &st.actions[k]
		ca.name = a.Name
		ca.line = a.Line
		if a.Name == "" {
			c.errorf(a.Pos, path, CodeMissingAttr, "<Action> is missing required attribute Name")
			continue
		}
		act, err := c.reg.Action(a.Name)
		if err != nil {
			c.errorf(a.Pos, path, CodeUnknownAction, "%v", err)
			continue
		}
		ca.act = act
		ca.spec = act.Spec()
		spec := &ca.spec
		bound := make([]*binding, len(spec.Params))
		// param types of the spec
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
		bindParam := func(pos schema.Pos, mpath, pname string) (int, bool) {
			pi := paramIndex(spec.Params, pname)
			if pi < 0 {
				c.errorf(pos, mpath, CodeUnknownParam, "action %s has no parameter %q (%sparameters: %s)", a.Name, pname,
					didYouMean(pname, paramNames(spec.Params)), strings.Join(paramNames(spec.Params), ", "))
				return -1, false
			}
			if bound[pi] != nil {
				c.errorf(pos, mpath, CodeDuplicateParam, "action %s parameter %s is bound twice", a.Name, pname)
				return -1, false
			}
			return pi, true
		}
		for n, vm := range a.Mappings {
			mpath := fmt.Sprintf("%s/ContextToActionMap/ValueMapping[%d]", path, n+1)
			if vm == nil || vm.Parameter == nil || vm.Parameter.Name == "" {
				pos := a.Pos
				if vm != nil {
					pos = vm.Pos
				}
				c.errorf(pos, mpath, CodeMissingParameter, "ValueMapping needs a <Parameter Name=...> child")
				continue
			}
			pr := vm.Parameter
			ppath := mpath + "/Parameter"
			pi, ok := bindParam(pr.Pos, ppath, pr.Name)
			if !ok {
				continue
			}
			b := &binding{param: pi, name: pr.Name, slot: -1, typ: ptypes[pi], secret: spec.Params[pi].Secret,
				session: pr.Name == "SessionId" && (spec.Params[pi].Type == TypeString || anyType(spec.Params[pi].Type))}
			bound[pi] = b
			typ := ptypes[pi]
			if pr.DataType != "" {
				mt, err := c.reg.DataType(pr.DataType)
				if err != nil {
					c.errorf(pr.Pos, ppath, CodeUnknownType, "parameter %s: %v", pr.Name, err)
					continue
				}
				if !typeCompatible(mt.Name, spec.Params[pi].Type) {
					c.errorf(pr.Pos, ppath, CodeTypeMismatch, "parameter %s of %s is %s; DataType %s does not fit", pr.Name, a.Name, spec.Params[pi].Type, pr.DataType)
					continue
				}
				if typ == nil {
					typ = mt
					b.typ = mt
				}
			}
			if vm.Name != "" {
				b.slot = c.slot(vm.Name)
				b.varName = vm.Name
			}
			if pr.HasValue {
				if typ == nil { // a parameter of any type: the literal is a string
					typ, _ = c.reg.DataType(TypeString)
				}
				v, err := typ.Parse(pr.Value)
				if err != nil {
					c.errorf(valuePos(pr.ValuePos, pr.Pos), ppath, CodeBadLiteral, "parameter %s (%s): %v", pr.Name, typ.Name, err)
					continue
				}
				if lc, ok := act.(LiteralChecker); ok {
					if err := lc.CheckLiteral(pr.Name, v); err != nil {
						c.errorf(valuePos(pr.ValuePos, pr.Pos), ppath, CodeBadLiteral, "action %s parameter %s: %v", a.Name, pr.Name, err)
						continue
					}
				}
				b.lit = v
			}
		}
		for n, sm := range a.Simple {
			mpath := fmt.Sprintf("%s/ContextToActionMap/SimpleMapping[%d]", path, n+1)
			if sm == nil || sm.FromName == "" || sm.ToName == "" {
				c.errorf(a.Pos, mpath, CodeMissingAttr, "SimpleMapping needs FromName and ToName")
				continue
			}
			pi, ok := bindParam(sm.Pos, mpath, sm.ToName)
			if !ok {
				continue
			}
			bound[pi] = &binding{param: pi, name: sm.ToName, slot: c.slot(sm.FromName), varName: sm.FromName, typ: ptypes[pi],
				secret: spec.Params[pi].Secret, session: sm.ToName == "SessionId" && spec.Params[pi].Type == TypeString}
		}
		for pi, p := range spec.Params {
			b := bound[pi]
			if p.Default != "" && (b == nil || b.lit == nil) {
				t := ptypes[pi]
				if t == nil {
					t, _ = c.reg.DataType(TypeString)
				}
				v, err := t.Parse(p.Default)
				if err != nil {
					c.errorf(a.Pos, path, CodeBadDefault, "action %s: default of parameter %s: %v", a.Name, p.Name, err)
					continue
				}
				if b == nil {
					b = &binding{param: pi, name: p.Name, slot: -1, typ: ptypes[pi], secret: p.Secret}
					bound[pi] = b
				}
				b.lit = v
			}
			if b == nil && isDryRunParam(p, ptypes[pi]) {
				b = &binding{param: pi, name: p.Name, slot: -1, typ: ptypes[pi]}
				bound[pi] = b
			}
			if b == nil {
				if p.Required {
					c.errorf(a.Pos, path, CodeMissingParam, "action %s needs parameter %s (%s); add <ValueMapping Name=%q><Parameter Name=%q DataType=%q Value=\"...\"/></ValueMapping>",
						a.Name, p.Name, p.Type, p.Name, p.Name, p.Type)
				}
				continue
			}
			b.litText = FormatValue(b.lit)
			b.dryRun = isDryRunParam(p, ptypes[pi])
			ca.binds = append(ca.binds, *b)
		}
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
}
