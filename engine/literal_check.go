package engine

// LiteralChecker is an optional capability of an Action. Compile calls
// CheckLiteral for every parameter the XML binds to a literal
// (Parameter@Value), after the literal was converted to the parameter's
// data type, so that an action can refuse a value that cannot work (an
// expression that does not compile, a stored search that does not exist)
// when the workflow is imported rather than when it first runs. The error
// becomes a diagnostic with code CodeBadLiteral at the position of the
// value. CheckLiteral must be safe for concurrent use.
type LiteralChecker interface {
	CheckLiteral(param string, value any) error
}
