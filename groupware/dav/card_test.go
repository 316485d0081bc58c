package dav

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"

	"github.com/wfehq/wfe/groupware"
)

func crlf(s string) string { return strings.ReplaceAll(strings.TrimPrefix(s, "\n"), "\n", "\r\n") }

func mustRead(t *testing.T, card string) *groupware.Contact {
	t.Helper()
	c, err := readCard(strings.NewReader(card))
	if err != nil {
		t.Fatalf("readCard: %v", err)
	}
	return c
}

func TestReadCardVersions(t *testing.T) {
	v4 := crlf(`
BEGIN:VCARD
VERSION:4.0
FN:Dr. Anna Berg
N:Berg;Anna;Maria;Dr.;
EMAIL;TYPE=work:anna@firma.example
TEL;TYPE="work,voice";VALUE=uri:tel:+49-30-1
TEL;TYPE=cell:+49 170 2
ORG:Firma AG;Vertrieb\; Innendienst
TITLE:Leiterin\, Vertrieb
ADR;TYPE=work;LABEL="Weg 1: Haus B":;;Weg 1\nHaus B;Berlin;;10115;Deutschland
END:VCARD
`)
	c := mustRead(t, v4)
	want := groupware.Contact{DisplayName: "Dr. Anna Berg", Surname: "Berg", GivenName: "Anna", MiddleName: "Maria",
		Emails: []string{"anna@firma.example"}, BusinessPhones: []string{"tel:+49-30-1"}, MobilePhone: "+49 170 2",
		Company: "Firma AG", Department: "Vertrieb; Innendienst", JobTitle: "Leiterin, Vertrieb",
		BusinessAddress: groupware.Address{Street: "Weg 1\nHaus B", City: "Berlin", PostalCode: "10115", Country: "Deutschland"}}
	if !sameContact(c, &want) {
		t.Fatalf("4.0 card:\n got %#v\nwant %#v", *c, want)
	}
	v3 := crlf(`
BEGIN:VCARD
VERSION:3.0
FN:Bo
N:;Bo;;;
item1.EMAIL;TYPE=INTERNET,PREF:bo@x.example
TEL;TYPE=WORK,VOICE:1
END:VCARD
`)
	c = mustRead(t, v3)
	if c.GivenName != "Bo" || len(c.Emails) != 1 || c.Emails[0] != "bo@x.example" || len(c.BusinessPhones) != 1 {
		t.Fatalf("3.0 card: %#v", *c)
	}
}

func sameContact(a, b *groupware.Contact) bool {
	x, y := *a, *b
	x.Unmapped, y.Unmapped, x.ID, y.ID, x.ETag, y.ETag = nil, nil, "", "", "", ""
	return strings.EqualFold(strings.Join(fieldsOf(&x), "|"), strings.Join(fieldsOf(&y), "|"))
}

func fieldsOf(c *groupware.Contact) []string {
	return []string{c.CRMID, c.GivenName, c.MiddleName, c.Surname, c.DisplayName, strings.Join(c.Emails, ","),
		strings.Join(c.BusinessPhones, ","), c.MobilePhone, c.Company, c.Department, c.JobTitle,
		c.BusinessAddress.Street, c.BusinessAddress.City, c.BusinessAddress.State, c.BusinessAddress.PostalCode, c.BusinessAddress.Country}
}

// Several EMAIL and TEL of each kind: every e-mail and business phone is
// mapped, the first mobile is, the rest are kept as they are.
func TestReadCardSeveralOfEachKind(t *testing.T) {
	card := crlf(`
BEGIN:VCARD
VERSION:3.0
FN:Many
EMAIL:a@x.example
EMAIL;TYPE=home:b@x.example
EMAIL;TYPE=work:c@x.example
TEL;TYPE=work:1
TEL;TYPE=work:2
TEL;TYPE=cell:3
TEL;TYPE=cell:4
TEL;TYPE=work,fax:5
TEL;TYPE=home:6
END:VCARD
`)
	c := mustRead(t, card)
	if strings.Join(c.Emails, ",") != "a@x.example,b@x.example,c@x.example" || strings.Join(c.BusinessPhones, ",") != "1,2" || c.MobilePhone != "3" {
		t.Fatalf("mapped: %#v", *c)
	}
	for _, kept := range []string{"TEL;TYPE=cell:4", "TEL;TYPE=work,fax:5", "TEL;TYPE=home:6"} {
		if !bytes.Contains(c.Unmapped, []byte(kept)) {
			t.Errorf("unmapped lines lack %q: %q", kept, c.Unmapped)
		}
	}
	var out bytes.Buffer
	c.MobilePhone = "33"
	if err := mergeCard(&out, strings.NewReader(card), c); err != nil {
		t.Fatal(err)
	}
	back := mustRead(t, out.String())
	if back.MobilePhone != "33" || !bytes.Contains(back.Unmapped, []byte("TEL;TYPE=cell:4")) || len(back.BusinessPhones) != 2 {
		t.Fatalf("after merge: %#v\n%s", *back, out.String())
	}
}

// Broken encodings: a vCard 2.1 quoted-printable value in ISO-8859-1
// with soft line breaks, raw Latin-1 bytes without a charset, a line
// without a name, no FN.
func TestReadCardBrokenEncodings(t *testing.T) {
	card := "BEGIN:VCARD\r\nVERSION:2.1\r\n" +
		"N;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:M=FCller;J=FC=\r\nrgen;;;\r\n" +
		"ORG:B\xe4ckerei Sch\xf6n\r\n" +
		"this line has no name\r\n" +
		"TEL;WORK;VOICE:+49 1\r\n" +
		"END:VCARD\r\n"
	c := mustRead(t, card)
	if c.Surname != "Müller" || c.GivenName != "Jürgen" || c.Company != "Bäckerei Schön" || c.DisplayName != "" || len(c.BusinessPhones) != 1 {
		t.Fatalf("got %#v", *c)
	}
	var out bytes.Buffer
	if err := mergeCard(&out, strings.NewReader(card), c); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "this line has no name\r\n") || !strings.Contains(out.String(), "FN:Jürgen Müller\r\n") {
		t.Fatalf("merge lost the broken line or wrote no FN:\n%s", out.String())
	}
}

// The card wfe writes parses with an independent vCard decoder.
func TestNewCardParsesElsewhere(t *testing.T) {
	c := &groupware.Contact{GivenName: "Zoë", Surname: "Ähler-Lenz", Company: "A, B & C", JobTitle: strings.Repeat("Lang ", 30),
		Emails: []string{"z@x.example"}, BusinessPhones: []string{"+1"}, BusinessAddress: groupware.Address{City: "Köln"}}
	data := newCard(c, "wfe-1", "crm/1")
	card, err := vcard.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		t.Fatalf("go-vcard: %v\n%s", err, data)
	}
	if got := card.Name(); got == nil || got.FamilyName != "Ähler-Lenz" || got.GivenName != "Zoë" {
		t.Errorf("N read elsewhere: %+v", got)
	}
	if got := card.Value(vcard.FieldTitle); got != c.JobTitle {
		t.Errorf("folded TITLE read elsewhere: %q", got)
	}
	back := mustRead(t, string(data))
	c.DisplayName, c.CRMID = "Zoë Ähler-Lenz", "crm/1"
	if !sameContact(back, c) {
		t.Fatalf("read back:\n got %#v\nwant %#v", *back, *c)
	}
}

// hugePhotoCard is a card with a base64 PHOTO of n bytes, folded at 75,
// produced on the fly.
func hugePhotoCard(n int) io.Reader {
	head := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Foto\r\nN:Foto;;;;\r\nNOTE:keep me\r\nPHOTO;ENCODING=b;TYPE=JPEG:"
	line := " " + strings.Repeat("Q", 74) + "\r\n"
	body := io.LimitReader(&repeatReader{s: line}, int64(n/74*len(line)))
	return io.MultiReader(strings.NewReader(head+"QQQQ\r\n"), body, strings.NewReader("END:VCARD\r\n"))
}

type repeatReader struct {
	s   string
	off int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.s[r.off:])
		n += c
		r.off = (r.off + c) % len(r.s)
	}
	return n, nil
}

func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A 40 MB photo is read past and merged through without being held: the
// memory allocated stays far below the photo's size.
func TestHugePhotoIsStreamed(t *testing.T) {
	const size = 40 << 20
	var c *groupware.Contact
	var err error
	alloc := allocated(func() { c, err = readCard(hugePhotoCard(size)) })
	if err != nil || c.DisplayName != "Foto" || !bytes.Contains(c.Unmapped, []byte("NOTE:keep me")) || bytes.Contains(c.Unmapped, []byte("PHOTO")) {
		t.Fatalf("read: %v %#v", err, c)
	}
	t.Logf("reading a card with a %d MB photo allocated %d KB", size>>20, alloc>>10)
	if alloc > size/10 {
		t.Errorf("reading allocated %d bytes for a %d-byte photo", alloc, size)
	}
	c.JobTitle = "Fotograf"
	counter := &countingWriter{}
	alloc = allocated(func() { err = mergeCard(counter, hugePhotoCard(size), c) })
	if want := size/74*74 + 4; err != nil || counter.as != want {
		t.Fatalf("merge: %v, %d photo bytes written, want %d", err, counter.as, want)
	}
	t.Logf("merging it allocated %d KB", alloc>>10)
	if alloc > size/10 {
		t.Errorf("merging allocated %d bytes for a %d-byte photo", alloc, size)
	}
}

type countingWriter struct{ as int }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.as += bytes.Count(p, []byte("Q"))
	return len(p), nil
}

func BenchmarkReadCard(b *testing.B) {
	card := newCard(&groupware.Contact{GivenName: "Anna", Surname: "Berg", Company: "Firma AG", JobTitle: "Leiterin",
		Emails: []string{"anna@firma.example", "a.berg@privat.example"}, BusinessPhones: []string{"+49 30 1"}, MobilePhone: "+49 170 2",
		BusinessAddress: groupware.Address{Street: "Weg 1", City: "Berlin", PostalCode: "10115", Country: "Deutschland"}}, "wfe-1", "1")
	b.SetBytes(int64(len(card)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := readCard(bytes.NewReader(card)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cards/s")
}
