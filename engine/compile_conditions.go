package engine

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wfehq/wfe/schema"
)

func (c *compiler) compileConditions(i int, s *schema.Step) {
	st := &c.p.steps[i]
	for k, cd := range s.Conditions {
		if cd == nil {
			continue
		}
		cc, ok := c.compileCondition(fmt.Sprintf("%s/Conditions/Condition[%d]", stepPath(i), k+1), cd)
		if !ok {
			continue
		}
		if len(cc.inSlots) > c.p.maxIn {
			c.p.maxIn = len(cc.inSlots)
		}
		st.conds = append(st.conds, cc)
	}
}

// compileCondition resolves one condition: its inputs, its check values and
// the checker it prepares. ok is false when a problem was reported.
func (c *compiler) compileCondition(path string, cd *schema.Condition) (cCond, bool) {
	if cd.Name == "" {
		c.errorf(cd.Pos, path, CodeMissingAttr, "<Condition> is missing required attribute Name")
		return cCond{}, false
	}
	cond, err := c.reg.Condition(cd.Name)
	if err != nil {
		c.errorf(cd.Pos, path, CodeUnknownCondition, "%v", err)
		return cCond{}, false
	}
	spec := cond.Spec()
	cc := cCond{name: cd.Name}
	inputs, inSlots, inputsOK := c.conditionInputs(path, cd, &spec)
	cc.inSlots = inSlots
	checks, cvPos, checksOK := c.conditionCheckValues(path, cd, &spec)
	if !inputsOK || !checksOK {
		return cCond{}, false
	}
	chk, ok := c.prepareCondition(path, cd, cond, PrepareInput{Inputs: inputs, CheckValues: checks}, cvPos)
	if !ok {
		return cCond{}, false
	}
	cc.check = chk
	cc.skipReason = fmt.Sprintf("condition %s (line %d) does not hold", cd.Name, cd.Line)
	return cc, true
}

// conditionInputs resolves the ContextToConditionMap of a condition: the
// input names fed and the context slot feeding each. ok is false when a
// problem was reported.
func (c *compiler) conditionInputs(path string, cd *schema.Condition, spec *ConditionSpec) (inputs []string, inSlots []int, ok bool) {
	ok = true
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
		inSlots = append(inSlots, c.slot(m.FromName))
	}
	for _, in := range spec.Inputs {
		if in.Required && !slicesContains(inputs, in.Name) {
			c.errorf(cd.Pos, path, CodeMissingInput, "condition %s needs input %q (add <SimpleMapping FromName=\"...\" ToName=%q/>)", cd.Name, in.Name, in.Name)
			ok = false
		}
	}
	return inputs, inSlots, ok
}

// conditionCheckValues converts the CheckValues of a condition, then fills
// in the defaults of those not given. cvPos holds where each given value
// stands. ok is false when a problem was reported.
func (c *compiler) conditionCheckValues(path string, cd *schema.Condition, spec *ConditionSpec) (checks map[string]any, cvPos map[string]schema.Pos, ok bool) {
	ok = true
	checks = map[string]any{}
	cvPos = map[string]schema.Pos{}
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
	if !c.defaultCheckValues(path, cd, spec, checks, unnamedCheck) {
		ok = false
	}
	return checks, cvPos, ok
}

// defaultCheckValues sets the default of each check value not given and
// reports a required one that has none (unless a nameless CheckValue may
// be meant for it). It returns false when it reported a problem.
func (c *compiler) defaultCheckValues(path string, cd *schema.Condition, spec *ConditionSpec, checks map[string]any, unnamedCheck bool) bool {
	ok := true
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
	return ok
}

// prepareCondition asks the condition for its checker, reporting an error
// in an expression at its place inside the check value.
func (c *compiler) prepareCondition(path string, cd *schema.Condition, cond Condition, in PrepareInput, cvPos map[string]schema.Pos) (Checker, bool) {
	chk, err := cond.Prepare(in)
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
		return nil, false
	}
	if chk == nil {
		c.errorf(cd.Pos, path, CodeConditionError, "condition %s: Prepare returned no checker", cd.Name)
		return nil, false
	}
	return chk, true
}
