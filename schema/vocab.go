package schema

import "github.com/wfehq/wfe/internal/textdist"

// The element vocabulary of a WorkFlowMapping document. It is the single
// source of truth for the parser's structural checks; workflow.dtd states the
// same vocabulary and a test keeps the two in agreement.

// attrSpec is one attribute an element may carry.
type attrSpec struct {
	Name     string
	Required bool // #REQUIRED in the DTD, otherwise #IMPLIED
}

// particle is one entry of a content model: one of Names, at least Min and
// at most Max times (Max < 0: unbounded).
type particle struct {
	Names []string
	Min   int
	Max   int
}

// elemSpec describes an element: its attributes and its content. Content is
// a sequence of particles in document order; Text marks (#PCDATA) elements;
// an element with neither is EMPTY.
type elemSpec struct {
	Name    string
	Attrs   []attrSpec
	Content []particle
	Text    bool
}

const unbounded = -1

func one(name string) particle      { return particle{Names: []string{name}, Min: 1, Max: 1} }
func optional(name string) particle { return particle{Names: []string{name}, Min: 0, Max: 1} }
func oneOrMore(name string) particle {
	return particle{Names: []string{name}, Min: 1, Max: unbounded}
}
func anyOf(names ...string) particle { return particle{Names: names, Min: 0, Max: unbounded} }

func required(name string) attrSpec { return attrSpec{Name: name, Required: true} }
func implied(name string) attrSpec  { return attrSpec{Name: name} }

// vocabulary lists every element the parser accepts.
var vocabulary = []elemSpec{
	{Name: "WorkFlowMapping",
		Attrs:   []attrSpec{required("WorkFlowID"), implied("Description"), implied("ExecutionType")},
		Content: []particle{optional("InternalDescription"), oneOrMore("Step")}},
	{Name: "InternalDescription", Text: true},
	{Name: "Step",
		Attrs:   []attrSpec{required("No")},
		Content: []particle{one("Event"), optional("Conditions"), optional("Actions"), optional("FollowingSteps")}},
	{Name: "Event",
		Attrs:   []attrSpec{required("Name")},
		Content: []particle{optional("EventToContextMap")}},
	{Name: "EventToContextMap", Content: []particle{anyOf("SimpleMapping")}},
	{Name: "Conditions", Content: []particle{anyOf("Condition")}},
	{Name: "Condition",
		Attrs:   []attrSpec{required("Name")},
		Content: []particle{optional("ContextToConditionMap"), optional("CheckValuesMap")}},
	{Name: "ContextToConditionMap", Content: []particle{anyOf("SimpleMapping")}},
	{Name: "CheckValuesMap", Content: []particle{anyOf("CheckValue")}},
	{Name: "CheckValue", Attrs: []attrSpec{required("Name"), implied("Value")}},
	{Name: "Actions", Content: []particle{anyOf("Action")}},
	{Name: "Action",
		Attrs:   []attrSpec{required("Name")},
		Content: []particle{optional("ContextToActionMap")}},
	{Name: "ContextToActionMap", Content: []particle{anyOf("ValueMapping", "SimpleMapping")}},
	{Name: "ValueMapping",
		Attrs:   []attrSpec{required("Name")},
		Content: []particle{one("Parameter")}},
	{Name: "Parameter", Attrs: []attrSpec{required("Name"), required("DataType"), implied("Value")}},
	{Name: "SimpleMapping", Attrs: []attrSpec{required("FromName"), required("ToName")}},
	{Name: "FollowingSteps", Content: []particle{anyOf("No")}},
	{Name: "No", Text: true},
}

// rootElement is the only element a document may start with.
const rootElement = "WorkFlowMapping"

var (
	specByName   = map[string]*elemSpec{}
	elementNames []string
	// parentsOf lists, for each element, the elements that may contain it.
	parentsOf = map[string][]string{}
)

func init() {
	for i := range vocabulary {
		s := &vocabulary[i]
		specByName[s.Name] = s
		elementNames = append(elementNames, s.Name)
		for _, p := range s.Content {
			for _, n := range p.Names {
				parentsOf[n] = append(parentsOf[n], s.Name)
			}
		}
	}
}

func (s *elemSpec) attr(name string) (attrSpec, bool) {
	for _, a := range s.Attrs {
		if a.Name == name {
			return a, true
		}
	}
	return attrSpec{}, false
}

func (s *elemSpec) attrNames() []string {
	names := make([]string, len(s.Attrs))
	for i, a := range s.Attrs {
		names[i] = a.Name
	}
	return names
}

// particleOf returns the index of the particle of s that admits name, or -1.
func (s *elemSpec) particleOf(name string) int {
	for i, p := range s.Content {
		for _, n := range p.Names {
			if n == name {
				return i
			}
		}
	}
	return -1
}

// closest returns the candidate nearest to name (ignoring case), or ""
// when none is near enough to be a plausible typo.
func closest(name string, candidates []string) string {
	return textdist.Suggest(name, candidates)
}
