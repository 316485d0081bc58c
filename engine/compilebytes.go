package engine

import (
	"errors"

	"github.com/wfehq/wfe/schema"
)

// structural codes are checked by schema.Parse already; Compile reports
// them only for models built by hand.
var structural = map[string]bool{
	CodeNoSteps: true, CodeMissingStep: true, CodeBadStepNo: true, CodeDuplicateStep: true,
	CodeMissingEvent: true, CodeMissingAttr: true, CodeMissingParameter: true,
}

// fatal parse codes leave too little of the model to compile.
var fatal = map[string]bool{
	schema.CodeSyntax: true, schema.CodeUnknownEncoding: true, schema.CodeWrongRoot: true,
}

// CompileBytes parses data (named file in diagnostics) with schema.Parse
// and compiles it. Parse and compile problems come back together, in
// document order, as schema.Diagnostics.
func CompileBytes(file string, data []byte, reg *Registry) (*Program, error) {
	doc, perr := schema.Parse(file, data)
	var diags schema.Diagnostics
	if perr != nil {
		if !errors.As(perr, &diags) {
			return nil, perr
		}
		for _, d := range diags {
			if fatal[d.Code] {
				return nil, diags
			}
		}
	}
	prog, cerr := Compile(doc, reg)
	if cerr != nil {
		var cd schema.Diagnostics
		if !errors.As(cerr, &cd) {
			return nil, cerr
		}
		for _, d := range cd {
			if !structural[d.Code] {
				diags = append(diags, d)
			}
		}
	}
	if len(diags) > 0 {
		sortDiags(diags)
		return nil, diags
	}
	return prog, nil
}
