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
	if len(doc.Steps) == 0 {
		c.errorf(doc.Pos, "WorkFlowMapping", CodeNoSteps, "workflow %q has no Step", doc.WorkFlowID)
		return
	}
	c.numberSteps()
	edges, listed := c.linkSteps()
	startIdx := startSteps(doc, listed)
	if len(startIdx) == 0 {
		c.errorf(doc.Pos, "WorkFlowMapping", CodeNoStartStep, "workflow %q has no start step: every step is listed in some FollowingSteps, so no event can start a run", doc.WorkFlowID)
	} else {
		c.checkReachable(startIdx, edges)
	}
	starts := c.registerStarts(startIdx)
	for i, s := range doc.Steps {
		if s == nil {
			continue
		}
		c.compileConditions(i, s)
		c.compileActions(i, s)
	}
	trigger := c.linkFollowingSteps(edges)
	c.compileEventMaps(starts, trigger)
}

// numberSteps checks each step's number and event and indexes the steps by
// number.
func (c *compiler) numberSteps() {
	doc, p := c.doc, c.p
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
}

// linkSteps resolves every FollowingSteps/No to a step index (-1 for a
// link that is reported as broken) and marks the steps some step lists.
func (c *compiler) linkSteps() (edges [][]int, listed []bool) {
	doc := c.doc
	listed = make([]bool, len(doc.Steps))
	edges = make([][]int, len(doc.Steps))
	for i, s := range doc.Steps {
		if s == nil {
			continue
		}
		for k, f := range s.FollowingSteps {
			j := c.followingStep(i, k, s, f)
			edges[i] = append(edges[i], j)
			if j >= 0 {
				listed[j] = true
			}
		}
	}
	return edges, listed
}

// followingStep returns the index of the step the k-th FollowingSteps/No of
// step i names, or -1 after reporting why it names none.
func (c *compiler) followingStep(i, k int, s *schema.Step, f *schema.FollowingStep) int {
	path := fmt.Sprintf("%s/FollowingSteps/No[%d]", stepPath(i), k+1)
	if f.No == 0 && strings.TrimSpace(f.Text) != "0" {
		c.errorf(f.Pos, path, CodeBadStepNo, "FollowingSteps/No %q is not an integer", f.Text)
		return -1
	}
	j, ok := c.byNo[f.No]
	if !ok {
		c.errorf(f.Pos, path, CodeDanglingStep, "step %d lists following step %s, which does not exist", s.No, strings.TrimSpace(f.Text))
		return -1
	}
	if j == i {
		c.errorf(f.Pos, path, CodeSelfLoop, "step %d lists itself in FollowingSteps; a step runs at most once per run", s.No)
		return -1
	}
	return j
}

// startSteps returns the steps no step lists as following: the ones an
// event starts.
func startSteps(doc *schema.WorkFlowMapping, listed []bool) []int {
	var startIdx []int
	for i, s := range doc.Steps {
		if s != nil && !listed[i] {
			startIdx = append(startIdx, i)
		}
	}
	return startIdx
}

// checkReachable reports every step no start step leads to.
func (c *compiler) checkReachable(startIdx []int, edges [][]int) {
	reach := make([]bool, len(c.doc.Steps))
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
	for i, s := range c.doc.Steps {
		if s != nil && !reach[i] {
			c.errorf(s.Pos, stepPath(i), CodeUnreachableStep, "step %d is unreachable: no start step leads to it", s.No)
		}
	}
}

// registerStarts records which steps each start event starts and returns
// the start steps as a set.
func (c *compiler) registerStarts(startIdx []int) map[int]bool {
	p := c.p
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
	return starts
}

// linkFollowingSteps checks that each following step's event is raised by
// an action of the step listing it, records the links, and returns per
// step the spec of the action whose event starts it.
func (c *compiler) linkFollowingSteps(edges [][]int) []*ActionSpec {
	p := c.p
	trigger := make([]*ActionSpec, len(c.doc.Steps))
	for i, s := range c.doc.Steps {
		if s == nil {
			continue
		}
		for k, j := range edges[i] {
			if j < 0 {
				continue
			}
			ai := raisingAction(s, p.steps[j].event)
			if ai < 0 {
				c.reportUnraisable(i, k, s, j)
				continue
			}
			p.steps[i].next = append(p.steps[i].next, nextStep{step: j, action: ai})
			if ai < len(p.steps[i].actions) && p.steps[i].actions[ai].act != nil {
				trigger[j] = &p.steps[i].actions[ai].spec
			}
		}
	}
	return trigger
}

// raisingAction returns the index of the action of s that raises event:
// the last action of that name, as that is the event the following step
// sees; -1 when none does.
func raisingAction(s *schema.Step, event string) int {
	ai := -1
	for a := range s.Actions {
		if s.Actions[a] != nil && s.Actions[a].Name == event {
			ai = a
		}
	}
	return ai
}

// reportUnraisable reports that the k-th following step j of step i
// listens for an event none of step i's actions raises.
func (c *compiler) reportUnraisable(i, k int, s *schema.Step, j int) {
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
		"following step %d listens for event %q, which step %d never raises (it raises %s)", c.p.steps[j].no, c.p.steps[j].event, s.No, raises)
}

// compileEventMaps resolves each step's EventToContextMap: a start step
// copies event fields by name, a following step the outputs of the action
// that raised its event.
func (c *compiler) compileEventMaps(starts map[int]bool, trigger []*ActionSpec) {
	for i, s := range c.doc.Steps {
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
			c.p.steps[i].toCtx = append(c.p.steps[i].toCtx, em)
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
