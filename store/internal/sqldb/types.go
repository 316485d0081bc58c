package sqldb

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"gorm.io/gorm/schema"
)

// StringList is a list of strings stored as a JSON array in a text column.
type StringList []string

// Value implements driver.Valuer.
func (l StringList) Value() (driver.Value, error) { return JSONList[string](l).Value() }

// Scan implements sql.Scanner.
func (l *StringList) Scan(src any) error { return (*JSONList[string])(l).Scan(src) }

// JSONList is a list of values stored as a JSON array in a text column
// (an empty list as "[]").
type JSONList[T any] []T

// Value implements driver.Valuer.
func (l JSONList[T]) Value() (driver.Value, error) {
	if l == nil {
		return "[]", nil
	}
	b, err := json.Marshal([]T(l))
	return string(b), err
}

// Scan implements sql.Scanner.
func (l *JSONList[T]) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*l = nil
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("list column: cannot scan %T", src)
	}
	*l = nil
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, (*[]T)(l)); err != nil {
		return fmt.Errorf("list column: %w", err)
	}
	return nil
}

// Has reports whether l holds v.
func (l StringList) Has(v string) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// secondsSerializer stores a time.Duration as whole seconds
// (`gorm:"serializer:seconds"`).
type secondsSerializer struct{}

func (secondsSerializer) Scan(ctx context.Context, field *schema.Field, dst reflect.Value, dbValue any) error {
	var n int64
	switch v := dbValue.(type) {
	case nil:
	case int64:
		n = v
	case int32:
		n = int64(v)
	case int:
		n = int64(v)
	case []byte:
		fmt.Sscan(string(v), &n)
	case string:
		fmt.Sscan(v, &n)
	default:
		return fmt.Errorf("seconds: cannot scan %T", dbValue)
	}
	return field.Set(ctx, dst, time.Duration(n)*time.Second)
}

func (secondsSerializer) Value(ctx context.Context, field *schema.Field, dst reflect.Value, fieldValue any) (any, error) {
	d, _ := fieldValue.(time.Duration)
	return int64(d / time.Second), nil
}

func init() { schema.RegisterSerializer("seconds", secondsSerializer{}) }
