package calendar

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// benchCalendar is n weekly meetings with two attendees each, as one
// iCalendar stream.
func benchCalendar(b *testing.B, n int) []byte {
	b.Helper()
	series := make([]Series, n)
	loc, _ := time.LoadLocation("Europe/Berlin")
	for i := range series {
		start := time.Date(2026, 10, 1+i%28, 8+i%9, 0, 0, 0, loc)
		m := Item{FieldKind: KindEvent, FieldUID: fmt.Sprintf("bench-%d@example.com", i), FieldSubject: fmt.Sprintf("Termin %d", i),
			FieldRecurrence: "FREQ=WEEKLY;COUNT=20"}
		m.SetWhen(FieldStart, At(start))
		m.SetWhen(FieldEnd, At(start.Add(time.Hour)))
		m.SetAttendees([]Attendee{{Email: "a@example.com", Name: "Ä"}, {Email: "b@example.com", Name: "B"}})
		series[i] = Series{Master: m}
	}
	var buf bytes.Buffer
	if err := EncodeICS(&buf, testStamp, series...); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkDecodeICS5000 reads 5,000 series from one stream (a CalDAV
// initial sync reads them one resource at a time; this measures the
// model's share of that cost).
func BenchmarkDecodeICS5000(b *testing.B) {
	data := benchCalendar(b, 5000)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := DecodeICS(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeOneSeries writes one series with its VTIMEZONE, as a
// PUT of one CalDAV resource does.
func BenchmarkEncodeOneSeries(b *testing.B) {
	series, err := DecodeICS(bytes.NewReader(benchCalendar(b, 1)))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := EncodeICS(&buf, testStamp, series...); err != nil {
			b.Fatal(err)
		}
	}
}
