package demodav

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-webdav"
)

// stored is one object (a card or an event) with its version.
type stored[T any] struct {
	val  T
	etag string
	mod  time.Time
	size int64
}

// objects holds the objects of one kind by path; an object's ETag is the
// digest of its encoded text, so any change gives a new one.
type objects[T any] struct {
	kind   string // "card", "event": for error messages
	encode func(T) ([]byte, error)

	mu sync.Mutex
	m  map[string]*stored[T]
}

func newObjects[T any](kind string, encode func(T) ([]byte, error)) *objects[T] {
	return &objects[T]{kind: kind, encode: encode, m: map[string]*stored[T]{}}
}

func (o *objects[T]) notFound(path string) error {
	return webdav.NewHTTPError(http.StatusNotFound, fmt.Errorf("no %s %s", o.kind, path))
}

// get returns a copy of the object at path.
func (o *objects[T]) get(path string) (stored[T], error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, ok := o.m[path]
	if !ok {
		return stored[T]{}, o.notFound(path)
	}
	return *s, nil
}

// list returns the paths below prefix, sorted, with their objects.
func (o *objects[T]) list(prefix string) ([]string, []stored[T]) {
	o.mu.Lock()
	defer o.mu.Unlock()
	paths := make([]string, 0, len(o.m))
	for p := range o.m {
		if strings.HasPrefix(p, prefix) {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	out := make([]stored[T], len(paths))
	for i, p := range paths {
		out[i] = *o.m[p]
	}
	return paths, out
}

// put stores an object as a client's PUT does, refusing with 412 when
// If-None-Match: * meets an existing object or If-Match names another
// version.
func (o *objects[T]) put(path string, val T, ifNoneMatch, ifMatch webdav.ConditionalMatch) (stored[T], error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	cur, exists := o.m[path]
	if ifNoneMatch.IsWildcard() && exists {
		return stored[T]{}, webdav.NewHTTPError(http.StatusPreconditionFailed, fmt.Errorf("%s %s exists", o.kind, path))
	}
	if ifMatch.IsSet() && !ifMatch.IsWildcard() {
		want, err := ifMatch.ETag()
		if err != nil || !exists || want != cur.etag {
			return stored[T]{}, webdav.NewHTTPError(http.StatusPreconditionFailed, fmt.Errorf("%s %s changed", o.kind, path))
		}
	}
	if err := o.storeLocked(path, val); err != nil {
		return stored[T]{}, webdav.NewHTTPError(http.StatusBadRequest, err)
	}
	return *o.m[path], nil
}

// edit changes an object as another client would (a new ETag).
func (o *objects[T]) edit(path string, change func(T) T) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, ok := o.m[path]
	if !ok {
		return fmt.Errorf("no %s %s", o.kind, path)
	}
	return o.storeLocked(path, change(s.val))
}

// set stores an object unconditionally, as another client would.
func (o *objects[T]) set(path string, val T) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.storeLocked(path, val)
}

func (o *objects[T]) storeLocked(path string, val T) error {
	text, err := o.encode(val)
	if err != nil {
		return fmt.Errorf("%s %s: %w", o.kind, path, err)
	}
	sum := sha256.Sum256(text)
	o.m[path] = &stored[T]{val: val, etag: hex.EncodeToString(sum[:8]), mod: time.Now().UTC(), size: int64(len(text))}
	return nil
}

func (o *objects[T]) remove(path string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.m[path]; !ok {
		return o.notFound(path)
	}
	delete(o.m, path)
	return nil
}

// snapshot returns every object by path.
func (o *objects[T]) snapshot() map[string]T {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make(map[string]T, len(o.m))
	for p, s := range o.m {
		out[p] = s.val
	}
	return out
}
