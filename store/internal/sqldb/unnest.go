package sqldb

import (
	"context"
	"database/sql/driver"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"
)

// InsertRows inserts rows (a slice of pointers to one model) in the
// transaction tx and returns how many were inserted; generated IDs are
// set on the rows when every row was inserted. doNothing skips rows whose
// key is taken (ON CONFLICT DO NOTHING).
//
// On PostgreSQL the rows go in one INSERT ... SELECT FROM unnest(...)
// with one array parameter per column: binding a multi-row INSERT's
// thousands of parameters costs the server more than executing it, while
// the array statement has as many parameters as the table has columns and
// is prepared once per connection. On SQLite it is gorm's multi-row
// INSERT (see RowsPerInsert): a prepared single-row INSERT executed per
// row took 40% more CPU there (BenchmarkCommitImport100: the per-call
// cost of database/sql outweighs the statement compilation it saves).
func InsertRows(tx *gorm.DB, rows any, doNothing bool) (int64, error) {
	if reflect.ValueOf(rows).Len() == 0 {
		return 0, nil
	}
	if tx.Dialector.Name() != "postgres" {
		return insertMultiRow(tx, rows, doNothing)
	}
	stmt := &gorm.Statement{DB: tx}
	if err := stmt.Parse(rows); err != nil {
		return 0, err
	}
	u, err := unnestFor(tx, stmt.Schema)
	if err != nil {
		return 0, err
	}
	return u.insert(tx, reflect.ValueOf(rows), doNothing)
}

func insertMultiRow(tx *gorm.DB, rows any, doNothing bool) (int64, error) {
	q := tx
	if doNothing {
		q = q.Clauses(clause.OnConflict{DoNothing: true})
	}
	// RowsPerInsert's parameter limit bounds the rows of a statement
	res := q.Omit("id").CreateInBatches(rows, RowsPerInsert(tx, rows, 4*InsertChunk))
	return res.RowsAffected, res.Error
}

// insertColumns are the columns of a table an insert writes: every
// creatable field but an auto-increment key (id, nil when none), which
// the database assigns.
type insertColumns struct {
	table  string
	fields []*schema.Field
	id     *schema.Field
}

func newInsertColumns(sch *schema.Schema) insertColumns {
	c := insertColumns{table: sch.Table}
	if f := sch.PrioritizedPrimaryField; f != nil && f.AutoIncrement {
		c.id = f
	}
	for _, f := range sch.Fields {
		if f.DBName != "" && f.Creatable && f != c.id {
			c.fields = append(c.fields, f)
		}
	}
	return c
}

// values returns the column values of row; an automatic creation or
// update time left zero is set to now first, as gorm's Create does.
func (c *insertColumns) values(ctx context.Context, row reflect.Value, now time.Time, out []any) ([]any, error) {
	out = out[:0]
	for _, f := range c.fields {
		v, zero := f.ValueOf(ctx, row)
		if zero && (f.AutoCreateTime > 0 || f.AutoUpdateTime > 0) {
			if err := f.Set(ctx, row, now); err != nil {
				return nil, err
			}
			v, _ = f.ValueOf(ctx, row)
		}
		out = append(out, v)
	}
	return out, nil
}

// unnestInsert is the array INSERT of one table: its columns and their
// PostgreSQL types.
type unnestInsert struct {
	insertColumns
	types []string
}

// columnTypes caches the column types of a table by name; the tables an
// import inserts into have the same columns in every schema.
var columnTypes sync.Map // table name -> map[column]type

func unnestFor(tx *gorm.DB, sch *schema.Schema) (*unnestInsert, error) {
	types, err := tableColumnTypes(tx, sch.Table)
	if err != nil {
		return nil, err
	}
	u := &unnestInsert{insertColumns: newInsertColumns(sch)}
	for _, f := range u.fields {
		t, ok := types[f.DBName]
		if !ok {
			return nil, fmt.Errorf("insert into %s: no column %s", sch.Table, f.DBName)
		}
		u.types = append(u.types, t)
	}
	return u, nil
}

func tableColumnTypes(tx *gorm.DB, table string) (map[string]string, error) {
	if t, ok := columnTypes.Load(table); ok {
		return t.(map[string]string), nil
	}
	var cols []struct{ Name, Type string }
	err := tx.Raw(`SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
		WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped`, table).Scan(&cols).Error
	if err != nil || len(cols) == 0 {
		return nil, fmt.Errorf("columns of %s: %v", table, err)
	}
	types := map[string]string{}
	for _, c := range cols {
		types[c.Name] = c.Type
	}
	columnTypes.Store(table, types)
	return types, nil
}

// insert runs the array INSERT for rows and sets the returned IDs.
func (u *unnestInsert) insert(tx *gorm.DB, rows reflect.Value, doNothing bool) (int64, error) {
	args, err := u.arrays(tx, rows)
	if err != nil {
		return 0, err
	}
	q := u.sql(doNothing)
	if u.id == nil {
		res := tx.Exec(q, args...)
		return res.RowsAffected, res.Error
	}
	res, err := tx.Raw(q, args...).Rows()
	if err != nil {
		return 0, err
	}
	defer res.Close()
	var ids []int64
	for res.Next() {
		var id int64
		if err := res.Scan(&id); err != nil {
			return 0, err
		}
		ids = append(ids, id)
	}
	if err := res.Err(); err != nil {
		return 0, err
	}
	if len(ids) == rows.Len() {
		for i, id := range ids {
			if err := u.id.Set(tx.Statement.Context, reflect.Indirect(rows.Index(i)), id); err != nil {
				return 0, err
			}
		}
	}
	return int64(len(ids)), nil
}

func (u *unnestInsert) sql(doNothing bool) string {
	var cols, params []string
	for i, f := range u.fields {
		cols = append(cols, strconv.Quote(f.DBName))
		params = append(params, "?::text[]::"+u.types[i]+"[]")
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) SELECT * FROM unnest(%s)", strconv.Quote(u.table),
		strings.Join(cols, ", "), strings.Join(params, ", "))
	if doNothing {
		q += " ON CONFLICT DO NOTHING"
	}
	if u.id != nil {
		q += " RETURNING " + strconv.Quote(u.id.DBName)
	}
	return q
}

// arrays returns one array literal per column of rows.
func (u *unnestInsert) arrays(tx *gorm.DB, rows reflect.Value) ([]any, error) {
	ctx, now := tx.Statement.Context, tx.NowFunc()
	cols := make([]strings.Builder, len(u.fields))
	var vals []any
	for i := range rows.Len() {
		var err error
		if vals, err = u.values(ctx, reflect.Indirect(rows.Index(i)), now, vals); err != nil {
			return nil, err
		}
		for c, v := range vals {
			if i > 0 {
				cols[c].WriteByte(',')
			}
			if err := writeArrayElem(&cols[c], v); err != nil {
				return nil, fmt.Errorf("insert into %s, column %s: %w", u.table, u.fields[c].DBName, err)
			}
		}
	}
	args := make([]any, len(cols))
	for c := range cols {
		args[c] = "{" + cols[c].String() + "}"
	}
	return args, nil
}

// writeArrayElem writes v as an element of a PostgreSQL array literal:
// NULL, or its text form in double quotes with " and \ escaped.
func writeArrayElem(b *strings.Builder, v any) error {
	s, null, err := arrayText(v)
	if err != nil {
		return err
	}
	if null {
		b.WriteString("NULL")
		return nil
	}
	b.WriteByte('"')
	for i := range len(s) {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return nil
}

// arrayText is the text form PostgreSQL reads v from.
func arrayText(v any) (s string, null bool, err error) {
	if vr, ok := v.(driver.Valuer); ok {
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return "", true, nil
		}
		if v, err = vr.Value(); err != nil {
			return "", false, err
		}
	}
	switch x := v.(type) {
	case nil:
		return "", true, nil
	case string:
		return x, false, nil
	case []byte:
		return string(x), false, nil
	case bool:
		return strconv.FormatBool(x), false, nil
	case time.Time:
		return x.Format("2006-01-02 15:04:05.999999999Z07:00"), false, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return "", true, nil
		}
		return arrayText(rv.Elem().Interface())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), false, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10), false, nil
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(rv.Float(), 'g', -1, 64), false, nil
	case reflect.String:
		return rv.String(), false, nil
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool()), false, nil
	}
	return "", false, fmt.Errorf("no text form for %T", v)
}
