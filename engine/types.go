package engine

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Canonical data type names, as the CRM writes them in Parameter@DataType.
const (
	TypeString    = "java.lang.String"
	TypeInteger   = "java.lang.Integer"
	TypeLong      = "java.lang.Long"
	TypeBoolean   = "java.lang.Boolean"
	TypeDate      = "java.util.Date"
	TypeWorkSpace = "de.cursor.jevi.server.system.WorkSpace"
)

// DataType converts XML literals and checks run-time values for one
// Parameter@DataType. Parse runs at compile time; Accept runs when a
// context value is bound to a parameter of this type.
type DataType struct {
	// Name is the canonical name (a Java class name for the built-ins).
	Name string
	// Aliases are other names accepted in Parameter@DataType.
	Aliases []string
	// GoType documents the Go type values have, e.g. "int64".
	GoType string
	// Parse converts a literal. An empty literal may return (nil, nil),
	// meaning "no value".
	Parse func(literal string) (any, error)
	// Accept checks a run-time value and may convert it (a string from an
	// event field into an int64, say). It never sees nil.
	Accept func(v any) (any, error)
}

// BuiltinTypes returns the data types every registry starts with:
// String, Integer, Long, Boolean, Date and WorkSpace with their aliases.
func BuiltinTypes() []DataType {
	return []DataType{
		{Name: TypeString, Aliases: []string{"String", "string"}, GoType: "string",
			Parse:  func(s string) (any, error) { return s, nil },
			Accept: acceptString},
		{Name: TypeInteger, Aliases: []string{"Integer", "int"}, GoType: "int64 (32-bit range)",
			Parse:  func(s string) (any, error) { return parseInt(s, 32) },
			Accept: func(v any) (any, error) { return acceptInt(v, 32) }},
		{Name: TypeLong, Aliases: []string{"Long", "long"}, GoType: "int64",
			Parse:  func(s string) (any, error) { return parseInt(s, 64) },
			Accept: func(v any) (any, error) { return acceptInt(v, 64) }},
		{Name: TypeBoolean, Aliases: []string{"Boolean", "bool"}, GoType: "bool",
			Parse: parseBool, Accept: acceptBool},
		{Name: TypeDate, Aliases: []string{"Date", "date"}, GoType: "time.Time",
			Parse: parseDate, Accept: acceptDate},
		{Name: TypeWorkSpace, Aliases: []string{"WorkSpace"}, GoType: "engine.WorkSpace",
			Parse: func(s string) (any, error) {
				if strings.TrimSpace(s) != "" {
					return nil, fmt.Errorf("a WorkSpace cannot be written as a literal (got %q); leave Value empty and map a context variable", s)
				}
				return nil, nil
			},
			Accept: func(v any) (any, error) {
				if ws, ok := v.(WorkSpace); ok {
					return ws, nil
				}
				return nil, fmt.Errorf("%w: %T is not a WorkSpace", ErrParamType, v)
			}},
	}
}

func acceptString(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case fmt.Stringer:
		return x.String(), nil
	case int64, int, int32, bool:
		return fmt.Sprint(x), nil
	case time.Time:
		return x.Format(time.RFC3339), nil
	}
	return nil, fmt.Errorf("%w: %T is not a string", ErrParamType, v)
}

func parseInt(s string, bits int) (any, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, bits)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return nil, fmt.Errorf("%q is out of range for a %d-bit integer", s, bits)
		}
		return nil, fmt.Errorf("%q is not an integer", s)
	}
	return n, nil
}

func acceptInt(v any, bits int) (any, error) {
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	case string:
		p, err := parseInt(x, bits)
		if err != nil || p == nil {
			return nil, fmt.Errorf("%w: %q is not an integer", ErrParamType, x)
		}
		return p, nil
	default:
		return nil, fmt.Errorf("%w: %T is not an integer", ErrParamType, v)
	}
	if bits == 32 && (n < math.MinInt32 || n > math.MaxInt32) {
		return nil, fmt.Errorf("%w: %d is out of range for a 32-bit integer", ErrParamType, n)
	}
	return n, nil
}

func parseBool(s string) (any, error) {
	switch strings.TrimSpace(s) {
	case "":
		return nil, nil
	case "true", "TRUE", "True", "1":
		return true, nil
	case "false", "FALSE", "False", "0":
		return false, nil
	}
	return nil, fmt.Errorf("%q is not a boolean (true, false, 1 or 0)", s)
}

func acceptBool(v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		b, err := parseBool(x)
		if err != nil || b == nil {
			return nil, fmt.Errorf("%w: %q is not a boolean", ErrParamType, x)
		}
		return b, nil
	}
	return nil, fmt.Errorf("%w: %T is not a boolean", ErrParamType, v)
}

func parseDate(s string) (any, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return nil, fmt.Errorf("%q is not a date (RFC 3339 like 2024-05-01T10:00:00Z, or 2024-05-01)", s)
}

func acceptDate(v any) (any, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case string:
		t, err := parseDate(x)
		if err != nil || t == nil {
			return nil, fmt.Errorf("%w: %q is not a date", ErrParamType, x)
		}
		return t, nil
	}
	return nil, fmt.Errorf("%w: %T is not a date", ErrParamType, v)
}

// typeCompatible reports whether a mapping of type from may feed a
// parameter of type to (both canonical). TypeAny accepts every type.
func typeCompatible(from, to string) bool {
	return anyType(to) || from == to || (from == TypeInteger && to == TypeLong)
}

// anyType reports whether typ accepts values of every type: TypeAny, or
// "" in a spec built by hand that was never registered.
func anyType(typ string) bool { return typ == TypeAny || typ == "" }
