package engine

import "reflect"

// FormatValue shows a context or parameter value as text: strings as they
// are, integers in decimal, booleans as true/false, times in RFC 3339, work
// spaces by their name, nil as "".
func FormatValue(v any) string {
	if v == nil {
		return ""
	}
	return render(v)
}

// IsNil reports whether v is nil or a nil pointer, map, slice, channel,
// function or interface stored in an interface value.
func IsNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface, reflect.UnsafePointer:
		return rv.IsNil()
	}
	return false
}

// normalize turns typed nils into nil so that "no value" has one form in
// the context.
func normalize(v any) any {
	if IsNil(v) {
		return nil
	}
	return v
}
