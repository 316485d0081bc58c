package schema

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// crmDoctype is the document type declaration the CRM writes into exported
// workflows; wfe never resolves it.
const crmDoctype = `DOCTYPE WorkFlowMapping PUBLIC "workflow" "..\..\..\common\workflow\workflow.dtd"`

// Write writes w: its original bytes, unchanged, when w was parsed from a
// document, otherwise a new document made by Format.
func Write(out io.Writer, w *WorkFlowMapping) error {
	b := w.Bytes()
	if b == nil {
		var err error
		if b, err = Format(w); err != nil {
			return err
		}
	}
	_, err := out.Write(b)
	return err
}

// Format builds a new UTF-8 document from the model, in the layout the CRM
// uses (one element per line, elements in the order of workflow.dtd, empty
// maps written as empty elements). It does not look at w.Source: use Bytes
// or Edit to keep an existing document as it was written.
func Format(w *WorkFlowMapping) ([]byte, error) {
	if err := checkModelText(w); err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	doc.WriteSettings.CanonicalAttrVal = true // keeps tabs and line ends in values
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	doc.CreateDirective(crmDoctype)
	root := doc.CreateElement("WorkFlowMapping")
	root.CreateAttr("WorkFlowID", w.WorkFlowID)
	root.CreateAttr("Description", w.Description)
	if w.ExecutionType != "" {
		root.CreateAttr("ExecutionType", w.ExecutionType)
	}
	if w.InternalDescription != "" {
		root.CreateElement("InternalDescription").SetText(w.InternalDescription)
	}
	for _, st := range w.Steps {
		addStep(root, st)
	}
	doc.IndentWithSettings(&etree.IndentSettings{Spaces: 0})
	var buf bytes.Buffer
	if _, err := doc.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("format workflow %s: %w", w.WorkFlowID, err)
	}
	return buf.Bytes(), nil
}

// addStep writes one Step: its number, its Event with the
// EventToContextMap, and its Conditions, Actions and FollowingSteps when
// it has any.
func addStep(root *etree.Element, st *Step) {
	se := root.CreateElement("Step")
	no := st.NoText
	if no == "" {
		no = strconv.Itoa(st.No)
	}
	se.CreateAttr("No", no)
	ev := se.CreateElement("Event")
	var toContext []*SimpleMapping
	if st.Event != nil {
		ev.CreateAttr("Name", st.Event.Name)
		toContext = st.Event.ToContext
	}
	addSimple(ev.CreateElement("EventToContextMap"), toContext)
	if len(st.Conditions) > 0 {
		addConditions(se.CreateElement("Conditions"), st.Conditions)
	}
	if len(st.Actions) > 0 {
		addActions(se.CreateElement("Actions"), st.Actions)
	}
	if len(st.FollowingSteps) > 0 {
		fs := se.CreateElement("FollowingSteps")
		for _, f := range st.FollowingSteps {
			text := f.Text
			if text == "" {
				text = strconv.Itoa(f.No)
			}
			fs.CreateElement("No").SetText(text)
		}
	}
}

// addConditions writes each Condition with its ContextToConditionMap and
// CheckValuesMap.
func addConditions(cs *etree.Element, conds []*Condition) {
	for _, c := range conds {
		ce := cs.CreateElement("Condition")
		ce.CreateAttr("Name", c.Name)
		addSimple(ce.CreateElement("ContextToConditionMap"), c.Inputs)
		cvm := ce.CreateElement("CheckValuesMap")
		for _, cv := range c.CheckValues {
			e := cvm.CreateElement("CheckValue")
			e.CreateAttr("Name", cv.Name)
			e.CreateAttr("Value", cv.Value)
		}
	}
}

// addActions writes each Action with its ContextToActionMap: the
// ValueMappings, then the SimpleMappings.
func addActions(as *etree.Element, actions []*Action) {
	for _, a := range actions {
		ae := as.CreateElement("Action")
		ae.CreateAttr("Name", a.Name)
		m := ae.CreateElement("ContextToActionMap")
		for _, vm := range a.Mappings {
			ve := m.CreateElement("ValueMapping")
			ve.CreateAttr("Name", vm.Name)
			if p := vm.Parameter; p != nil {
				pe := ve.CreateElement("Parameter")
				pe.CreateAttr("Name", p.Name)
				pe.CreateAttr("DataType", p.DataType)
				if p.HasValue || p.Value != "" {
					pe.CreateAttr("Value", p.Value)
				}
			}
		}
		addSimple(m, a.Simple)
	}
}

func addSimple(parent *etree.Element, ms []*SimpleMapping) {
	for _, m := range ms {
		e := parent.CreateElement("SimpleMapping")
		e.CreateAttr("FromName", m.FromName)
		e.CreateAttr("ToName", m.ToName)
	}
}

// checkModelText refuses strings that cannot be written as XML 1.0.
func checkModelText(w *WorkFlowMapping) error {
	var bad error
	check := func(what string, values ...string) {
		for _, s := range values {
			if bad != nil {
				return
			}
			if !utf8.ValidString(s) {
				bad = fmt.Errorf("format workflow %s: %s: %q is not valid UTF-8", w.WorkFlowID, what, s)
				return
			}
			for i, r := range s {
				if !xmlChar(r) {
					bad = fmt.Errorf("format workflow %s: %s: character %U at byte %d cannot appear in XML", w.WorkFlowID, what, r, i)
					return
				}
			}
		}
	}
	check("WorkFlowID", w.WorkFlowID)
	check("Description", w.Description)
	check("ExecutionType", w.ExecutionType)
	check("InternalDescription", w.InternalDescription)
	for _, st := range w.Steps {
		where := fmt.Sprintf("step %s", st.NoText)
		check(where+" No", st.NoText)
		if st.Event != nil {
			check(where+" Event", st.Event.Name)
			for _, m := range st.Event.ToContext {
				check(where+" SimpleMapping", m.FromName, m.ToName)
			}
		}
		for _, c := range st.Conditions {
			check(where+" Condition", c.Name)
			for _, m := range c.Inputs {
				check(where+" SimpleMapping", m.FromName, m.ToName)
			}
			for _, cv := range c.CheckValues {
				check(where+" CheckValue "+cv.Name, cv.Name, cv.Value)
			}
		}
		for _, a := range st.Actions {
			check(where+" Action", a.Name)
			for _, vm := range a.Mappings {
				check(where+" ValueMapping", vm.Name)
				if p := vm.Parameter; p != nil {
					check(where+" Parameter "+p.Name, p.Name, p.DataType, p.Value)
				}
			}
			for _, m := range a.Simple {
				check(where+" SimpleMapping", m.FromName, m.ToName)
			}
		}
		for _, f := range st.FollowingSteps {
			check(where+" FollowingSteps", f.Text)
		}
	}
	return bad
}
