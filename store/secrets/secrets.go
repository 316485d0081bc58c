package secrets

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
	"sync"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Secrets at rest: AES-256-GCM, stored as "v1:" + base64(nonce|sealed).
// The key comes from Config.Key, else env WFE_SECRET_KEY, else the key
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
		return "", fmt.Errorf("%w: stored secret is not in the expected format", sqldb.ErrSecretKey)
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", fmt.Errorf("%w: cannot decrypt a stored secret: the key (WFE_SECRET_KEY or key file) is not the one the secrets were written with", sqldb.ErrSecretKey)
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
	return nil, fmt.Errorf("%w: the key must be base64 or hex of 32 bytes", sqldb.ErrSecretKey)
}

// GenerateSecretKey returns a new random key, base64-encoded.
func GenerateSecretKey() string {
	b := make([]byte, secretKeyBytes)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// Config says where the key comes from: Key (base64 or hex of 32 bytes),
// else Getenv("WFE_SECRET_KEY"), else the key file KeyFile.
type Config struct {
	Key     string
	KeyFile string
	Getenv  func(string) string
}

// Keeper seals and opens the secrets of the store's rows. It loads the key
// on first use and checks it against the database's check value.
type Keeper struct {
	db  *sqldb.DB
	cfg Config

	mu  sync.Mutex
	box *secretBox
}

// New returns the keeper of db's secrets.
func New(db *sqldb.DB, cfg Config) *Keeper {
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	return &Keeper{db: db, cfg: cfg}
}

// secrets returns the cipher, loading the key on first use. create allows
// creating a missing key file (only when a secret is written and the
// database holds no secrets yet).
func (s *Keeper) secrets(ctx context.Context, create bool) (*secretBox, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.box != nil {
		return s.box, nil
	}
	var check string
	err := s.db.WithContext(ctx).Raw("SELECT value FROM meta WHERE key = ?", keyCheckName).Scan(&check).Error
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	keyText, source, err := s.keyText(check != "", create)
	if err != nil {
		return nil, err
	}
	box, err := newBox(keyText, source)
	if err != nil {
		return nil, err
	}
	if check == "" {
		if check, err = s.recordCheck(ctx, box); err != nil {
			return nil, err
		}
	}
	if plain, err := box.open(check); err != nil || plain != keyCheckPlain {
		return nil, fmt.Errorf("%w: %s is not the key this database's secrets were written with", sqldb.ErrSecretKey, source)
	}
	s.box = box
	return box, nil
}

// keyText finds the key and says where it came from. hasSecrets: the
// database holds encrypted secrets already (a missing key file is then an
// error, never replaced by a new key).
func (s *Keeper) keyText(hasSecrets, create bool) (keyText, source string, err error) {
	if s.cfg.Key != "" {
		return s.cfg.Key, "the configured key", nil
	}
	if k := s.cfg.Getenv("WFE_SECRET_KEY"); k != "" {
		return k, "WFE_SECRET_KEY", nil
	}
	file := s.cfg.KeyFile
	if file == "" {
		return "", "", fmt.Errorf("%w: no key for secrets at rest: set WFE_SECRET_KEY (base64 or hex of 32 bytes) or a key file", sqldb.ErrSecretKey)
	}
	source = "key file " + file
	b, err := os.ReadFile(file)
	switch {
	case err == nil:
		return string(b), source, nil
	case errors.Is(err, fs.ErrNotExist) && hasSecrets:
		return "", "", fmt.Errorf("%w: key file %s is missing but the database holds encrypted secrets: restore the key file or set WFE_SECRET_KEY", sqldb.ErrSecretKey, file)
	case errors.Is(err, fs.ErrNotExist) && !create:
		return "", "", fmt.Errorf("%w: key file %s does not exist", sqldb.ErrSecretKey, file)
	case errors.Is(err, fs.ErrNotExist):
		keyText = GenerateSecretKey()
		return keyText, source, writeKeyFile(file, keyText)
	}
	return "", "", fmt.Errorf("%w: read key file: %w", sqldb.ErrSecretKey, err)
}

// newBox makes the cipher of a key text.
func newBox(keyText, source string) (*secretBox, error) {
	key, err := parseKey(keyText)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", sqldb.ErrSecretKey, err)
	}
	aead, err := cipher.NewGCM(blk)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", sqldb.ErrSecretKey, err)
	}
	return &secretBox{aead: aead}, nil
}

// recordCheck stores the check value of box's key and returns the value
// the database holds then: another process may have won the race with a
// different key.
func (s *Keeper) recordCheck(ctx context.Context, box *secretBox) (string, error) {
	err := s.db.WithContext(ctx).Exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", keyCheckName, box.seal(keyCheckPlain)).Error
	if err != nil {
		return "", fmt.Errorf("secret key: record check value: %w", err)
	}
	var check string
	if err := s.db.WithContext(ctx).Raw("SELECT value FROM meta WHERE key = ?", keyCheckName).Scan(&check).Error; err != nil {
		return "", fmt.Errorf("secret key: %w", err)
	}
	return check, nil
}

func writeKeyFile(path, key string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("%w: create key file: %w", sqldb.ErrSecretKey, err)
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("%w: write key file %s: %w", sqldb.ErrSecretKey, path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("%w: write key file %s: %w", sqldb.ErrSecretKey, path, err)
	}
	return f.Close()
}

// Encrypt seals plain; the empty string stays empty (no secret set).
func (s *Keeper) Encrypt(ctx context.Context, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	box, err := s.secrets(ctx, true)
	if err != nil {
		return "", err
	}
	return box.seal(plain), nil
}

// Decrypt opens a stored secret; the empty string stays empty.
func (s *Keeper) Decrypt(ctx context.Context, stored string) (string, error) {
	if stored == "" {
		return "", nil
	}
	box, err := s.secrets(ctx, false)
	if err != nil {
		return "", err
	}
	return box.open(stored)
}

// DecryptAll decrypts several fields in place, naming the first failure.
func (s *Keeper) DecryptAll(ctx context.Context, what string, fields ...*string) error {
	for _, f := range fields {
		v, err := s.Decrypt(ctx, *f)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		*f = v
	}
	return nil
}
