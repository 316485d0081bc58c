package sqldb_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/wfehq/wfe/store/internal/sqldb"
	"github.com/wfehq/wfe/store/storetest"
)

type unnestProbe struct {
	ID        int64 `gorm:"primaryKey"`
	Name      string
	Key       string `gorm:"uniqueIndex"`
	Count     int
	Ref       *int64
	When      *time.Time
	Flag      bool
	List      sqldb.StringList `gorm:"type:text"`
	CreatedAt time.Time
}

// TestInsertRowsPostgres: rows inserted as column arrays read back as
// they were written (quotes, backslashes, braces, commas, NULL as text,
// umlauts, NULL pointers, times, JSON lists), get their IDs in order,
// and with doNothing a taken key is skipped and not counted.
func TestInsertRowsPostgres(t *testing.T) {
	d, err := sqldb.Open(context.Background(), storetest.PostgresDSN(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.AutoMigrate(&unnestProbe{}); err != nil {
		t.Fatal(err)
	}
	ref := int64(42)
	when := time.Date(2026, 11, 2, 9, 30, 1, 123456000, time.UTC)
	rows := []*unnestProbe{
		{Name: `a "quoted" \ back, {brace}`, Key: "k1", Count: -3, Ref: &ref, When: &when, Flag: true, List: sqldb.StringList{"x", `y"z`}},
		{Name: "NULL", Key: "k2", List: nil},
		{Name: "Müller ß 日本", Key: "k3", Count: 7},
	}
	n, err := sqldb.InsertRows(d.DB, rows, false)
	if err != nil || n != 3 {
		t.Fatalf("InsertRows: %d rows, %v", n, err)
	}
	var back []*unnestProbe
	if err := d.Order("id").Find(&back).Error; err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if rows[i].ID != back[i].ID || rows[i].CreatedAt.IsZero() {
			t.Errorf("row %d: id %d, read back %d; created %v", i, rows[i].ID, back[i].ID, rows[i].CreatedAt)
		}
		rows[i].CreatedAt = rows[i].CreatedAt.Round(time.Microsecond).UTC()
		back[i].CreatedAt = back[i].CreatedAt.UTC()
		if back[i].When != nil {
			*back[i].When = back[i].When.UTC()
		}
		if rows[i].List == nil {
			rows[i].List = sqldb.StringList{}
		}
		if back[i].List == nil {
			back[i].List = sqldb.StringList{}
		}
		if !reflect.DeepEqual(rows[i], back[i]) {
			t.Errorf("row %d:\nwrote %+v\nread  %+v", i, *rows[i], *back[i])
		}
	}
	again := []*unnestProbe{{Name: "new", Key: "k4"}, {Name: "taken", Key: "k1"}}
	if n, err := sqldb.InsertRows(d.DB, again, true); err != nil || n != 1 {
		t.Errorf("InsertRows with a taken key: %d rows, %v; want 1", n, err)
	}
}
