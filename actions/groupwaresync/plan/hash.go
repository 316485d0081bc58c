package plan

import (
	"crypto/sha256"
	"encoding/hex"
)

// FieldHash is the stable fingerprint of one field value stored in the
// sync state: the first 128 bits of its SHA-256 in hex. The empty value
// hashes to "", so an empty field and a missing one are the same.
func FieldHash(value string) string {
	if value == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:16])
}

// HashFields gives the FieldHash of each of the table's fields in f, the
// Synced map of a link whose two sides both hold f. Empty fields are left
// out.
func HashFields(t Table, f Fields) map[string]string {
	hashes := make(map[string]string, len(t.Fields))
	for _, name := range t.Fields {
		if h := FieldHash(f[name]); h != "" {
			hashes[name] = h
		}
	}
	return hashes
}
