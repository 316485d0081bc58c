// Package schema holds the WorkFlowMapping XML model, its parser with
// positions, structural validation and byte-faithful writing.
package schema

// Pos is a position in the source document (1-based line and column).
type Pos struct {
	Line int
	Col  int
}

// WorkFlowMapping is the root of a workflow definition (docs/REQUIREMENTS.md R1).
type WorkFlowMapping struct {
	Pos
	WorkFlowID          string
	Description         string
	ExecutionType       string
	InternalDescription string
	Steps               []*Step

	// File is the name the document was parsed under (used in diagnostics).
	File string
	// Source is the original document, bytes and encoding, kept for
	// byte-faithful write-back.
	Source *Source

	tag *tagInfo // attribute spans of the root element, for Edit
}

// Step is one node of a workflow (docs/REQUIREMENTS.md R2).
type Step struct {
	Pos
	NoText         string // the raw Step@No attribute
	No             int    // parsed Step@No (0 when NoText is not an integer)
	Event          *Event
	Conditions     []*Condition
	Actions        []*Action
	FollowingSteps []*FollowingStep
}

// FollowingStep is one <No>n</No> entry of FollowingSteps.
type FollowingStep struct {
	Pos
	Text string
	No   int
}

// Event names the event that activates a step (docs/REQUIREMENTS.md R3, R4).
type Event struct {
	Pos
	Name      string
	ToContext []*SimpleMapping // EventToContextMap
}

// Condition is a registered condition with its input bindings (docs/REQUIREMENTS.md R5).
type Condition struct {
	Pos
	Name        string
	Inputs      []*SimpleMapping // ContextToConditionMap
	CheckValues []*CheckValue    // CheckValuesMap
}

// CheckValue is a literal value in a CheckValuesMap:
// <CheckValue Name="WFConditionEquals.VALUE" Value="E"/>.
type CheckValue struct {
	Pos
	Name  string
	Value string
	// ValuePos is where the Value attribute's value starts (for expression
	// diagnostics mapped into the document).
	ValuePos Pos

	tag *tagInfo
}

// Action is a registered action with its parameter bindings (docs/REQUIREMENTS.md R6).
type Action struct {
	Pos
	Name     string
	Mappings []*ValueMapping  // ContextToActionMap/ValueMapping
	Simple   []*SimpleMapping // ContextToActionMap/SimpleMapping (context variable -> parameter, no literal)
}

// ValueMapping binds a context variable (Name) to an action parameter.
type ValueMapping struct {
	Pos
	Name      string
	Parameter *Parameter
}

// Parameter is the action parameter a ValueMapping feeds (docs/REQUIREMENTS.md R6, R7).
type Parameter struct {
	Pos
	Name     string
	DataType string
	Value    string
	HasValue bool // the Value attribute is present (possibly empty)
	// ValuePos is where the Value attribute's value starts.
	ValuePos Pos

	tag *tagInfo
}

// SimpleMapping copies FromName into ToName.
type SimpleMapping struct {
	Pos
	FromName string
	ToName   string
}

// Source is the original document: its bytes and declared encoding.
type Source struct {
	Bytes    []byte
	Encoding string // "UTF-8", "ISO-8859-1", "windows-1252", ...
}
