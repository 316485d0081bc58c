package engine

// Stable codes of compile diagnostics (schema.Diagnostic.Code).
const (
	CodeUnknownAction     = "unknown-action"      // action name not registered
	CodeUnknownCondition  = "unknown-condition"   // condition name not registered
	CodeUnknownType       = "unknown-type"        // Parameter@DataType not registered
	CodeUnknownParam      = "unknown-param"       // the action has no such parameter
	CodeUnknownInput      = "unknown-input"       // the condition has no such input
	CodeUnknownCheckValue = "unknown-check-value" // the condition has no such check value
	CodeUnknownEventField = "unknown-event-field" // EventToContextMap reads a field the event does not carry
	CodeMissingParam      = "missing-param"       // required action parameter not bound
	CodeMissingInput      = "missing-input"       // required condition input not fed
	CodeMissingCheckValue = "missing-check-value" // required check value absent
	CodeDuplicateParam    = "duplicate-param"     // parameter bound twice
	CodeDuplicateInput    = "duplicate-input"     // condition input fed twice
	CodeTypeMismatch      = "type-mismatch"       // Parameter@DataType does not fit the parameter's type
	CodeBadLiteral        = "bad-literal"         // Value does not convert to the data type
	CodeBadDefault        = "bad-default"         // a spec default does not convert (a bug in the action)
	CodeBadExpression     = "bad-expression"      // a check value (expression) does not compile
	CodeConditionError    = "condition-error"     // the condition refused its inputs or check values
	CodeDanglingStep      = "dangling-step"       // FollowingSteps names a step that does not exist
	CodeSelfLoop          = "self-loop"           // a step lists itself in FollowingSteps
	CodeUnreachableStep   = "unreachable-step"    // no start step leads to the step
	CodeNoStartStep       = "no-start-step"       // every step is a following step
	CodeUnraisableEvent   = "unraisable-event"    // a following step listens for an event its predecessor never raises

	// Structural codes; schema.Parse reports these for parsed documents,
	// Compile only for models built by hand.
	CodeNoSteps          = "no-steps"
	CodeMissingStep      = "missing-step"
	CodeBadStepNo        = "bad-step-no"
	CodeDuplicateStep    = "duplicate-step"
	CodeMissingEvent     = "missing-event"
	CodeMissingAttr      = "missing-attr"
	CodeMissingParameter = "missing-parameter"
)
