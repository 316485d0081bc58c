package schema

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
)

// ErrNoSource is returned when a model has no original document to edit
// (it was not made by Parse), or an element does not belong to the document.
var ErrNoSource = errors.New("schema: element has no source document")

// tagInfo records where the attributes of one start tag sit in the source
// bytes, so that a value can be replaced without touching anything else.
type tagInfo struct {
	src      *Source
	attrs    map[string]span
	insertAt int // after the last attribute: where a new one goes
}

// span is an attribute value in the source bytes, quotes excluded.
type span struct {
	start, end int
	quote      byte
}

// Bytes returns a copy of the original document, byte for byte; nil when w
// was not parsed from a document.
func (w *WorkFlowMapping) Bytes() []byte {
	if w.Source == nil {
		return nil
	}
	return bytes.Clone(w.Source.Bytes)
}

// Editor changes attribute values of a parsed document while keeping every
// other byte as it was. Values are escaped and encoded in the document's
// encoding; characters the encoding cannot hold become character
// references. Create one with WorkFlowMapping.Edit; the setters chain.
type Editor struct {
	w     *WorkFlowMapping
	edits []edit
	err   error
}

type edit struct {
	tag   *tagInfo
	name  string
	value string
	what  string // for errors, e.g. "Parameter MailConfigMatchCode at 13:1"
}

// Edit starts an edit of w's source document. w is not changed; Bytes
// returns the edited document, which Parse reads back.
func (w *WorkFlowMapping) Edit() *Editor { return &Editor{w: w} }

// SetWorkFlowID sets WorkFlowMapping@WorkFlowID.
func (e *Editor) SetWorkFlowID(id string) *Editor {
	return e.set(e.w.tag, "WorkFlowID", id, "WorkFlowMapping")
}

// SetDescription sets WorkFlowMapping@Description.
func (e *Editor) SetDescription(d string) *Editor {
	return e.set(e.w.tag, "Description", d, "WorkFlowMapping")
}

// SetExecutionType sets WorkFlowMapping@ExecutionType.
func (e *Editor) SetExecutionType(t string) *Editor {
	return e.set(e.w.tag, "ExecutionType", t, "WorkFlowMapping")
}

// SetParameterValue sets the Value attribute of p, a Parameter of this
// document (adding the attribute when p has none).
func (e *Editor) SetParameterValue(p *Parameter, v string) *Editor {
	if p == nil {
		return e.fail(fmt.Errorf("set parameter value: nil parameter: %w", ErrNoSource))
	}
	return e.set(p.tag, "Value", v, fmt.Sprintf("Parameter %s at %d:%d", p.Name, p.Line, p.Col))
}

// SetCheckValue sets the Value attribute of c, a CheckValue of this document.
func (e *Editor) SetCheckValue(c *CheckValue, v string) *Editor {
	if c == nil {
		return e.fail(fmt.Errorf("set check value: nil check value: %w", ErrNoSource))
	}
	return e.set(c.tag, "Value", v, fmt.Sprintf("CheckValue %s at %d:%d", c.Name, c.Line, c.Col))
}

func (e *Editor) fail(err error) *Editor {
	if e.err == nil {
		e.err = err
	}
	return e
}

func (e *Editor) set(t *tagInfo, name, value, what string) *Editor {
	if e.w.Source == nil || t == nil || t.src != e.w.Source {
		return e.fail(fmt.Errorf("set %s@%s: %w", what, name, ErrNoSource))
	}
	for i := range e.edits {
		if e.edits[i].tag == t && e.edits[i].name == name {
			e.edits[i].value = value
			return e
		}
	}
	e.edits = append(e.edits, edit{tag: t, name: name, value: value, what: what})
	return e
}

// splice is one replacement of src[start:end].
type splice struct {
	start, end int
	text       []byte
	edit       *edit
	valueAt    int // offset of the new value within text
}

// Bytes returns the document with the edits applied. Only the bytes of the
// changed values differ from the original (plus the attribute name when an
// attribute is added). The result is checked by parsing it again.
func (e *Editor) Bytes() ([]byte, error) {
	if e.err != nil {
		return nil, e.err
	}
	if e.w.Source == nil {
		return nil, ErrNoSource
	}
	src := e.w.Source.Bytes
	enc, ok := lookupEncoding(e.w.Source.Encoding)
	if !ok {
		return nil, fmt.Errorf("edit %s: unsupported encoding %q", e.w.File, e.w.Source.Encoding)
	}
	var sp []splice
	for i := range e.edits {
		ed := &e.edits[i]
		s, exists := ed.tag.attrs[ed.name]
		quote := s.quote
		if !exists {
			quote = '"'
		}
		val, err := enc.encodeAttrValue(ed.value, quote)
		if err != nil {
			return nil, fmt.Errorf("edit %s: %s@%s: %w", e.w.File, ed.what, ed.name, err)
		}
		if exists {
			sp = append(sp, splice{start: s.start, end: s.end, text: val, edit: ed})
			continue
		}
		text := append([]byte(" "+ed.name+`="`), val...)
		text = append(text, '"')
		sp = append(sp, splice{start: ed.tag.insertAt, end: ed.tag.insertAt, text: text, edit: ed, valueAt: len(ed.name) + 3})
	}
	slices.SortStableFunc(sp, func(a, b splice) int { return a.start - b.start })
	out := make([]byte, 0, len(src)+64)
	last := 0
	newAt := map[int]*edit{} // new offset of each changed value
	for _, s := range sp {
		out = append(out, src[last:s.start]...)
		newAt[len(out)+s.valueAt] = s.edit
		out = append(out, s.text...)
		last = s.end
	}
	out = append(out, src[last:]...)
	if err := e.verify(out, newAt); err != nil {
		return nil, err
	}
	return out, nil
}

// verify parses the edited document and checks that every changed value
// reads back as set.
func (e *Editor) verify(out []byte, newAt map[int]*edit) error {
	m, err := Parse(e.w.File, out)
	var ds Diagnostics
	if errors.As(err, &ds) {
		for _, d := range ds {
			if d.Code == CodeSyntax || d.Code == CodeUnknownEncoding {
				return fmt.Errorf("edited document does not parse: %w", d)
			}
		}
	}
	// Each element that can be edited, with its attribute values.
	type element struct {
		tag    *tagInfo
		values map[string]string
	}
	elems := []element{{m.tag, map[string]string{
		"WorkFlowID": m.WorkFlowID, "Description": m.Description, "ExecutionType": m.ExecutionType,
	}}}
	for _, st := range m.Steps {
		for _, c := range st.Conditions {
			for _, cv := range c.CheckValues {
				elems = append(elems, element{cv.tag, map[string]string{"Value": cv.Value}})
			}
		}
		for _, a := range st.Actions {
			for _, vm := range a.Mappings {
				if vm.Parameter != nil {
					elems = append(elems, element{vm.Parameter.tag, map[string]string{"Value": vm.Parameter.Value}})
				}
			}
		}
	}
	found := 0
	for _, el := range elems {
		if el.tag == nil {
			continue
		}
		for name, s := range el.tag.attrs {
			ed, ok := newAt[s.start]
			if !ok || ed.name != name {
				continue
			}
			if got := el.values[name]; got != ed.value {
				return fmt.Errorf("edit %s: %s@%s reads back as %q, want %q", e.w.File, ed.what, name, got, ed.value)
			}
			found++
		}
	}
	if found != len(newAt) {
		return fmt.Errorf("edit %s: %d of %d changed values not found when reading back", e.w.File, len(newAt)-found, len(newAt))
	}
	return nil
}
