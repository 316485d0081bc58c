package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Secrets at rest: AES-256-GCM, stored as "v1:" + base64(nonce|sealed).
// The key comes from WithSecretKey, else env WFE_SECRET_KEY, else the key
// file (SQLite default "<db>.key", created 0600 on first use). A check
// value in the meta table tells a wrong key from damaged data.

const (
	secretPrefix   = "v1:"
	keyCheckName   = "secret_key_check"
	keyCheckPlain  = "wfe secret key check"
	secretKeyBytes = 32
)

type secretBox struct{ aead cipher.AEAD }

func (b *secretBox) seal(plain string) string {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	out := b.aead.Seal(nonce, nonce, []byte(plain), nil)
	return secretPrefix + base64.StdEncoding.EncodeToString(out)
}

func (b *secretBox) open(stored string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(stored, secretPrefix))
	if err != nil || !strings.HasPrefix(stored, secretPrefix) || len(raw) < b.aead.NonceSize() {
		return "", fmt.Errorf("%w: stored secret is not in the expected format", ErrSecretKey)
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", fmt.Errorf("%w: cannot decrypt a stored secret: the key (WFE_SECRET_KEY or key file) is not the one the secrets were written with", ErrSecretKey)
	}
	return string(plain), nil
}

// parseKey accepts base64 (std or URL, padded or not) or hex of 32 bytes.
func parseKey(text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	if b, err := hex.DecodeString(text); err == nil && len(b) == secretKeyBytes {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(text); err == nil && len(b) == secretKeyBytes {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: the key must be base64 or hex of 32 bytes", ErrSecretKey)
}

// GenerateSecretKey returns a new random key, base64-encoded.
func GenerateSecretKey() string {
	b := make([]byte, secretKeyBytes)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// secrets returns the store's cipher, loading the key on first use. create
// allows creating a missing key file (only when a secret is written and the
// database holds no secrets yet).
func (s *Store) secrets(ctx context.Context, create bool) (*secretBox, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.cipher != nil {
		return s.cipher, nil
	}
	var check string
	err := s.db.WithContext(ctx).Raw("SELECT value FROM meta WHERE key = ?", keyCheckName).Scan(&check).Error
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	keyText, source := s.opts.secretKey, "the configured key"
	if keyText == "" {
		keyText, source = s.opts.getenv("WFE_SECRET_KEY"), "WFE_SECRET_KEY"
	}
	if keyText == "" {
		if s.opts.keyFile == "" {
			return nil, fmt.Errorf("%w: no key for secrets at rest: set WFE_SECRET_KEY (base64 or hex of 32 bytes) or a key file", ErrSecretKey)
		}
		source = "key file " + s.opts.keyFile
		b, err := os.ReadFile(s.opts.keyFile)
		switch {
		case err == nil:
			keyText = string(b)
		case errors.Is(err, fs.ErrNotExist) && check != "":
			return nil, fmt.Errorf("%w: key file %s is missing but the database holds encrypted secrets: restore the key file or set WFE_SECRET_KEY", ErrSecretKey, s.opts.keyFile)
		case errors.Is(err, fs.ErrNotExist) && !create:
			return nil, fmt.Errorf("%w: key file %s does not exist", ErrSecretKey, s.opts.keyFile)
		case errors.Is(err, fs.ErrNotExist):
			keyText = GenerateSecretKey()
			if err := writeKeyFile(s.opts.keyFile, keyText); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("%w: read key file: %w", ErrSecretKey, err)
		}
	}
	key, err := parseKey(keyText)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSecretKey, err)
	}
	aead, err := cipher.NewGCM(blk)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSecretKey, err)
	}
	box := &secretBox{aead: aead}
	if check != "" {
		if plain, err := box.open(check); err != nil || plain != keyCheckPlain {
			return nil, fmt.Errorf("%w: %s is not the key this database's secrets were written with", ErrSecretKey, source)
		}
	} else {
		err := s.db.WithContext(ctx).Exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", keyCheckName, box.seal(keyCheckPlain)).Error
		if err != nil {
			return nil, fmt.Errorf("secret key: record check value: %w", err)
		}
		// another process may have won the race with a different key
		if err := s.db.WithContext(ctx).Raw("SELECT value FROM meta WHERE key = ?", keyCheckName).Scan(&check).Error; err != nil {
			return nil, fmt.Errorf("secret key: %w", err)
		}
		if plain, err := box.open(check); err != nil || plain != keyCheckPlain {
			return nil, fmt.Errorf("%w: %s is not the key this database's secrets were written with", ErrSecretKey, source)
		}
	}
	s.cipher = box
	return box, nil
}

func writeKeyFile(path, key string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("%w: create key file: %w", ErrSecretKey, err)
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("%w: write key file %s: %w", ErrSecretKey, path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("%w: write key file %s: %w", ErrSecretKey, path, err)
	}
	return f.Close()
}

// encrypt seals plain; the empty string stays empty (no secret set).
func (s *Store) encrypt(ctx context.Context, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	box, err := s.secrets(ctx, true)
	if err != nil {
		return "", err
	}
	return box.seal(plain), nil
}

// decrypt opens a stored secret; the empty string stays empty.
func (s *Store) decrypt(ctx context.Context, stored string) (string, error) {
	if stored == "" {
		return "", nil
	}
	box, err := s.secrets(ctx, false)
	if err != nil {
		return "", err
	}
	return box.open(stored)
}

// decryptAll decrypts several fields in place, naming the first failure.
func (s *Store) decryptAll(ctx context.Context, what string, fields ...*string) error {
	for _, f := range fields {
		v, err := s.decrypt(ctx, *f)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		*f = v
	}
	return nil
}
