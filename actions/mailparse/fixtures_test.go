package mailparse

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

type wantAtt struct {
	name, ctype, cid string
	inline           bool
	size             int64
	sha              string // prefix of the hex SHA-256; "" skips the check
}

type fixture struct {
	file       string
	from       string
	to, cc     []string
	delivered  []string
	subject    string
	messageID  string
	date       string // RFC 3339, "" for the zero time
	text       []string
	html       []string
	fromHTML   bool
	atts       []wantAtt
	problems   []string // substrings, each must occur in some problem
	auto       string   // expected AutoSubmittedReason
	inReplyTo  []string
	references []string
}

const (
	shaPDF      = "be4a015da0a1"
	shaPDF0     = "034360b8929e"
	shaCSV      = "229c7d48533a"
	shaPNG      = "c414cd0e204d"
	muellerAddr = "j.mueller@kunde-mueller.example"
	schmidtAddr = "p.schmidt@lieferant-schmidt.example"
	annaAddr    = "anna.schmidt@firma.example"
	bccImport   = "bcc-import@firma.example"
)

var fixtures = []fixture{
	{file: "01-plain-ascii.eml", from: muellerAddr, to: []string{"info@firma.example"}, subject: "Anfrage Wartungsvertrag",
		messageID: "20240305101244.1234@kunde-mueller.example", date: "2024-03-05T10:12:44+01:00", text: []string{"Druckerflotte (12 Geraete, Standort Koeln)."}},
	{file: "02-utf8-body.eml", from: muellerAddr, to: []string{annaAddr}, subject: "Lieferung KW 12", messageID: "utf8-0001@kunde-mueller.example",
		date: "2024-03-06T08:01:02+01:00", text: []string{"Größe der Palette: 120 × 80 cm", "Hauptstraße 5, 50667 Köln"}},
	{file: "03-latin1-qp.eml", from: muellerAddr, to: []string{"vertrieb@firma.example"}, subject: "Bestellung für März",
		messageID: "latin1-qp-0002@kunde-mueller.example", date: "2024-03-07T14:30:00+01:00", text: []string{"Bahnhofstraße 12, 80335 München", "Grüßen"}},
	{file: "04-subject-b-utf8.eml", from: schmidtAddr, to: []string{"einkauf@firma.example"}, subject: "Rückfrage zur Lieferung – Größe XL",
		messageID: "b-utf8-0003@lieferant-schmidt.example", date: "2024-03-08T09:45:10+01:00", text: []string{"wir benötigen noch die Größenangaben"}},
	{file: "05-subject-b-latin1.eml", from: "vertrieb@firma.example", to: []string{muellerAddr}, subject: "Angebot Nr. 4711 für Müller GmbH",
		messageID: "b-latin1-0004@firma.example", date: "2024-03-11T11:00:00+01:00", text: []string{"Sehr geehrter Herr Müller", "Freundliche Grüße"}},
	{file: "06-alternative.eml", from: schmidtAddr, to: []string{"einkauf@firma.example"}, cc: []string{annaAddr}, subject: "Preisliste 2024",
		messageID: "alt-0005@lieferant-schmidt.example", date: "2024-03-12T16:20:00+01:00",
		text: []string{"die neue Preisliste gilt ab 1. April."}, html: []string{"die <b>neue Preisliste</b> gilt ab 1.&nbsp;April."}},
	{file: "07-mixed-pdf.eml", from: annaAddr, to: []string{muellerAddr}, subject: "Angebot 2024-017", messageID: "mixed-pdf-0006@firma.example",
		date: "2024-03-13T10:05:00+01:00", text: []string{"anbei erhalten Sie unser Angebot 2024-017."},
		atts: []wantAtt{{name: "Angebot_2024-017.pdf", ctype: "application/pdf", size: 145, sha: shaPDF}}},
	{file: "08-mixed-docx-csv.eml", from: schmidtAddr, to: []string{"einkauf@firma.example"}, subject: "Lieferbedingungen und Artikelliste",
		messageID: "docx-csv-0007@lieferant-schmidt.example", date: "2024-03-14T13:13:13+01:00", text: []string{"Artikelliste als CSV"},
		atts: []wantAtt{
			{name: "Lieferbedingungen.docx", ctype: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", size: 533, sha: "86331ff7d2c1"},
			{name: "artikel.csv", ctype: "text/csv", size: 94, sha: shaCSV}}},
	{file: "09-nested-related.eml", from: annaAddr, to: []string{muellerAddr}, subject: "Einladung Hausmesse", messageID: "nested-0008@firma.example",
		date: "2024-03-15T09:00:00+01:00", text: []string{"Einladung zur Hausmesse am 20. April in Köln."}, html: []string{`<img src="cid:logo@firma.example">`},
		atts: []wantAtt{
			{name: "attachment-1.png", ctype: "image/png", cid: "logo@firma.example", inline: true, size: 70, sha: shaPNG},
			{name: "Programm.pdf", ctype: "application/pdf", size: 125, sha: shaPDF0}}},
	{file: "10-inline-image.eml", from: "marketing@firma.example", to: []string{muellerAddr}, subject: "Newsletter Frühjahr",
		messageID: "inline-0009@firma.example", date: "2024-03-18T07:30:00+01:00", fromHTML: true,
		text: []string{"Frühjahrsangebote\n\nUnser Logo:"}, html: []string{"<h1>Frühjahrsangebote</h1>"},
		atts: []wantAtt{{name: "logo.png", ctype: "image/png", cid: "bild1@firma.example", inline: true, size: 70, sha: shaPNG}}},
	{file: "11-rfc2231-filename.eml", from: schmidtAddr, to: []string{"qualitaet@firma.example"}, subject: "Prüfberichte",
		messageID: "rfc2231-0010@lieferant-schmidt.example", date: "2024-03-19T15:00:00+01:00", text: []string{"Prüfberichte für März"},
		atts: []wantAtt{
			{name: "Prüfbericht März.pdf", ctype: "application/pdf", size: 125, sha: shaPDF0},
			{name: "Große Maßtabelle.pdf", ctype: "application/pdf", size: 145, sha: shaPDF}}},
	{file: "12-missing-message-id.eml", from: muellerAddr, to: []string{"info@firma.example"}, subject: "Kurze Frage", messageID: "",
		date: "2024-03-20T12:00:00+01:00", text: []string{"Haben Sie am Freitag geöffnet?"}},
	{file: "13-duplicate-id-a.eml", from: muellerAddr, to: []string{"info@firma.example"}, subject: "Rechnung 2024-0815",
		messageID: "dup-0815@kunde-mueller.example", date: "2024-03-21T09:00:00+01:00", text: []string{"ist bezahlt"}},
	{file: "14-duplicate-id-b.eml", from: muellerAddr, to: []string{"info@firma.example"}, subject: "Rechnung 2024-0816",
		messageID: "dup-0815@kunde-mueller.example", date: "2024-03-21T09:05:00+01:00", text: []string{"ist noch offen"}},
	{file: "15-reply.eml", from: muellerAddr, to: []string{annaAddr}, subject: "AW: Angebot 2024-017", messageID: "reply-0011@kunde-mueller.example",
		date: "2024-03-14T08:30:00+01:00", text: []string{"wir nehmen das Angebot an", "> anbei"},
		inReplyTo: []string{"mixed-pdf-0006@firma.example"}, references: []string{"anfrage-0001@kunde-mueller.example", "mixed-pdf-0006@firma.example"}},
	{file: "16-auto-reply.eml", from: muellerAddr, to: []string{annaAddr}, subject: "Abwesenheitsnotiz: Angebot 2024-017",
		messageID: "oof-0012@kunde-mueller.example", date: "2024-03-13T10:05:30+01:00", text: []string{"nicht im Büro"}, auto: "Auto-Submitted: auto-replied"},
	{file: "17-mailing-list.eml", from: "newsletter@verband.example", to: []string{"info@firma.example"}, subject: "[buerotechnik] Messetermine 2024",
		messageID: "list-0013@verband.example", date: "2024-03-22T06:00:00+01:00", text: []string{"Hannover 15.-19. April"}, auto: "Precedence: list"},
	{file: "18-html-only.eml", from: "noreply@shop.example", to: []string{"einkauf@firma.example"}, subject: "Ihre Bestellung 99123 wurde versandt",
		messageID: "html-only-0014@shop.example", date: "2024-03-23T18:45:00+01:00", fromHTML: true,
		text: []string{"Guten Tag,\n\nIhre Bestellung 99123 wurde versandt.\nSendungsnummer: 00340434161234567890", "- Toner schwarz × 2\n- Papier & Umschläge", "Ihr Shop Team"},
		html: []string{"<title>Versand</title>"}, auto: "From: noreply@shop.example"},
	{file: "19-forwarded-rfc822.eml", from: "einkauf@firma.example", to: []string{annaAddr}, subject: "WG: Lieferverzug Auftrag 5521",
		messageID: "fwd-0015@firma.example", date: "2024-03-25T08:30:00+01:00", text: []string{"weitergeleitete Nachricht"},
		atts: []wantAtt{{name: "Lieferverzug Auftrag 5521.eml", ctype: "message/rfc822", inline: true, size: 302}}},
	{file: "20-bcc-customer.eml", from: annaAddr, to: []string{muellerAddr}, cc: []string{schmidtAddr}, delivered: []string{bccImport},
		subject: "Terminbestätigung Aufbau", messageID: "bcc-0016@firma.example", date: "2024-03-26T10:00:00+01:00", text: []string{"Aufbautermin am 3. April"}},
	{file: "21-bcc-multi-partner.eml", from: annaAddr, to: []string{muellerAddr, "k.meier@kunde-meier.example"},
		cc: []string{schmidtAddr, "thomas.weber@firma.example"}, delivered: []string{bccImport},
		subject: "Protokoll Projekttreffen", messageID: "bcc-0017@firma.example", date: "2024-03-27T17:10:00+01:00", text: []string{"Protokoll unseres Treffens"},
		atts: []wantAtt{{name: "aufgaben.csv", ctype: "text/csv", size: 94, sha: shaCSV}}},
	{file: "22-bcc-html.eml", from: "thomas.weber@firma.example", to: []string{"k.meier@kunde-meier.example"}, delivered: []string{bccImport},
		subject: "Ihre Reklamation", messageID: "bcc-0018@firma.example", date: "2024-03-28T11:11:00+01:00",
		text: []string{"der Ersatz wird morgen geliefert."}, html: []string{"<i>morgen</i>"}},
	{file: "23-ticket-subject.eml", from: "k.meier@kunde-meier.example", to: []string{"support@firma.example"}, subject: "[Ticket#2024-00042] Druckerproblem",
		messageID: "ticket-0019@kunde-meier.example", date: "2024-03-29T08:15:00+01:00", text: []string{"Fehler E-042"}},
	{file: "24-internal-only.eml", from: annaAddr, to: []string{"thomas.weber@firma.example"}, cc: []string{"vertrieb@firma.example"},
		subject: "Urlaubsvertretung", messageID: "internal-0020@firma.example", date: "2024-04-02T09:00:00+02:00", text: []string{"vertreten?"}},
	{file: "25-malformed-date.eml", from: muellerAddr, to: []string{"info@firma.example"}, subject: "Termin", messageID: "baddate-0021@kunde-mueller.example",
		text: []string{"Passt Ihnen Montag?"}, problems: []string{"unparseable Date header"}},
	{file: "26-unknown-charset.eml", from: "edv@kunde-mueller.example", to: []string{"info@firma.example"}, subject: "Statusbericht",
		messageID: "charset-0022@kunde-mueller.example", date: "2024-04-03T03:00:00+02:00", text: []string{"Nächtlicher Export erfolgreich: 1.234 Datensätze übertragen."},
		problems: []string{"unknown charset x-foo in message body"}},
	{file: "27-mbox-from-line.eml", from: muellerAddr, to: []string{"info@firma.example"}, subject: "Aus dem Archiv",
		messageID: "mbox-0023@kunde-mueller.example", date: "2024-04-04T10:00:00+02:00", text: []string{"aus einer mbox-Datei"},
		problems: []string{"mbox From line"}},
	{file: "28-missing-closing-boundary.eml", from: schmidtAddr, to: []string{"einkauf@firma.example"}, subject: "Lieferschein 7788",
		messageID: "truncated-0024@lieferant-schmidt.example", date: "2024-04-05T14:00:00+02:00", text: []string{"Anbei der Lieferschein 7788."},
		atts:     []wantAtt{{name: "lieferschein.csv", ctype: "text/csv", size: int64(len("Pos;Artikel;Menge\r\n1;4711;20\r\n"))}},
		problems: []string{"missing closing boundary in message body"}},
	{file: "29-delivery-status.eml", from: "mailer-daemon@mx.firma.example", to: []string{annaAddr}, subject: "Undelivered Mail Returned to Sender",
		messageID: "bounce-0025@mx.firma.example", date: "2024-04-08T10:00:05+02:00", text: []string{"could not be delivered"}, auto: "Auto-Submitted: auto-replied",
		atts: []wantAtt{{name: "attachment-1.txt", ctype: "message/delivery-status", size: 121}, {name: "attachment-2.txt", ctype: "text/rfc822-headers", size: 98}}},
}

func addrs(list []Address) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.Addr)
	}
	return out
}

func TestFixtures(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "testdata", "mails")
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(fixtures) {
		t.Errorf("%d fixture files in %s, %d table entries", len(files), dir, len(fixtures))
	}
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, fx.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var streamed []string
			m, err := Parse(f, Options{Attachment: func(a *Attachment, r io.Reader) error {
				b, err := io.ReadAll(r)
				streamed = append(streamed, fmt.Sprintf("%s:%d", a.Name, len(b)))
				return err
			}})
			if err != nil {
				t.Fatal(err)
			}
			checkStrings(t, fx.file, m)
			if m.From.Addr != fx.from {
				t.Errorf("From = %q, want %q", m.From.Addr, fx.from)
			}
			if got := addrs(m.To); !reflect.DeepEqual(got, fx.to) {
				t.Errorf("To = %q, want %q", got, fx.to)
			}
			if got := addrs(m.Cc); !reflect.DeepEqual(got, fx.cc) {
				t.Errorf("Cc = %q, want %q", got, fx.cc)
			}
			if !reflect.DeepEqual(m.DeliveredTo, fx.delivered) {
				t.Errorf("DeliveredTo = %q, want %q", m.DeliveredTo, fx.delivered)
			}
			if m.Subject != fx.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, fx.subject)
			}
			if m.MessageID != fx.messageID {
				t.Errorf("MessageID = %q, want %q", m.MessageID, fx.messageID)
			}
			if fx.date == "" {
				if !m.Date.IsZero() {
					t.Errorf("Date = %v, want zero", m.Date)
				}
			} else if want, _ := time.Parse(time.RFC3339, fx.date); !m.Date.Equal(want) {
				t.Errorf("Date = %v, want %v", m.Date, want)
			}
			for _, s := range fx.text {
				if !strings.Contains(m.Text, s) {
					t.Errorf("Text lacks %q:\n%s", s, m.Text)
				}
			}
			for _, s := range fx.html {
				if !strings.Contains(m.HTML, s) {
					t.Errorf("HTML lacks %q:\n%s", s, m.HTML)
				}
			}
			if len(fx.html) == 0 && m.HTML != "" {
				t.Errorf("unexpected HTML %q", clip(m.HTML, 80))
			}
			if m.TextFromHTML() != fx.fromHTML {
				t.Errorf("TextFromHTML = %v, want %v", m.TextFromHTML(), fx.fromHTML)
			}
			if len(m.Attachments) != len(fx.atts) {
				t.Fatalf("%d attachments, want %d: %+v", len(m.Attachments), len(fx.atts), m.Attachments)
			}
			if len(streamed) != len(fx.atts) {
				t.Errorf("callback saw %q, want %d attachments", streamed, len(fx.atts))
			}
			for i, w := range fx.atts {
				a := m.Attachments[i]
				if a.Name != w.name || a.ContentType != w.ctype || a.ContentID != w.cid || a.Inline != w.inline || a.Size != w.size {
					t.Errorf("attachment %d = %+v, want %+v", i, *a, w)
				}
				if !strings.HasPrefix(a.SHA256, w.sha) || len(a.SHA256) != 64 {
					t.Errorf("attachment %d SHA256 = %s, want prefix %s", i, a.SHA256, w.sha)
				}
				if want := fmt.Sprintf("%s:%d", a.Name, a.Size); i < len(streamed) && streamed[i] != want {
					t.Errorf("callback streamed %s, want %s", streamed[i], want)
				}
			}
			for _, p := range fx.problems {
				if !containsSub(m.Problems, p) {
					t.Errorf("Problems %q lack %q", m.Problems, p)
				}
			}
			if len(fx.problems) == 0 && len(m.Problems) > 0 {
				t.Errorf("unexpected problems %q", m.Problems)
			}
			if got := m.AutoSubmittedReason(); got != fx.auto {
				t.Errorf("AutoSubmittedReason = %q, want %q", got, fx.auto)
			}
			if m.IsAutoSubmitted() != (fx.auto != "") {
				t.Errorf("IsAutoSubmitted = %v", m.IsAutoSubmitted())
			}
			if got := m.InReplyTo(); !reflect.DeepEqual(got, fx.inReplyTo) {
				t.Errorf("InReplyTo = %q, want %q", got, fx.inReplyTo)
			}
			if got := m.References(); !reflect.DeepEqual(got, fx.references) {
				t.Errorf("References = %q, want %q", got, fx.references)
			}
			raw, _ := os.ReadFile(filepath.Join(dir, fx.file))
			if sum, size, _ := ContentHash(bytes.NewReader(raw)); m.ContentHash != sum || m.Size != size || size != int64(len(raw)) {
				t.Errorf("ContentHash/Size = %s/%d, want %s/%d", m.ContentHash, m.Size, sum, len(raw))
			}
		})
	}
}

func containsSub(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
