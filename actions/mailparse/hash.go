package mailparse

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
)

// HashingReader passes reads through and computes the SHA-256 and size of
// everything read. Wrap the raw message with it while spooling to get the
// content hash the import ledger uses.
type HashingReader struct {
	r    io.Reader
	h    hash.Hash
	size int64
}

// NewHashingReader wraps r.
func NewHashingReader(r io.Reader) *HashingReader {
	return &HashingReader{r: r, h: sha256.New()}
}

func (h *HashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.size += int64(n)
	return n, err
}

// Sum returns the hex SHA-256 of the bytes read so far.
func (h *HashingReader) Sum() string { return hex.EncodeToString(h.h.Sum(nil)) }

// Size returns the number of bytes read so far.
func (h *HashingReader) Size() int64 { return h.size }

// ContentHash reads r to its end and returns the hex SHA-256 and size.
func ContentHash(r io.Reader) (string, int64, error) {
	h := NewHashingReader(r)
	if _, err := io.Copy(io.Discard, h); err != nil {
		return "", h.Size(), err
	}
	return h.Sum(), h.Size(), nil
}
