// Package secretsstore is valet's local Secrets Store: the values the
// worker's secrets_store_secrets bindings answer under valet dev, set with
// `valet secrets-store secret create`, as `wrangler secrets-store secret
// create` (without --remote) sets the ones wrangler dev answers. Each
// secret is a JSON file, <dir>/<store_id>/<name>.json, readable by the
// owner only; pkg/bindings serves them to the worker.
package secretsstore

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/valet-dev/valet/pkg/internal/atomicfile"
)

// Secret is one secret of a store.
type Secret struct {
	ID       string    `json:"id"`
	StoreID  string    `json:"store_id"`
	Name     string    `json:"name"`
	Value    string    `json:"value"`
	Comment  string    `json:"comment"`
	Scopes   []string  `json:"scopes"`
	Created  time.Time `json:"created"`
	Modified time.Time `json:"modified"`
}

// Store is the local Secrets Store kept in Dir (PersistTo/secrets-store).
type Store struct {
	Dir string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// ErrNotFound is the error of a secret id no secret of the store has.
var ErrNotFound = errors.New("secret not found")

// reName is wrangler's rule for secret names.
var reName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// reStore keeps a store id a single path segment.
var reStore = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// ValidName checks a secret's name as wrangler does.
func ValidName(name string) error {
	if !reName.MatchString(name) {
		return fmt.Errorf("secret name %q may only contain alphanumeric characters, underscores, or dashes", name)
	}
	return nil
}

// ValidStoreID checks a store id: it names a directory.
func ValidStoreID(id string) error {
	if !reStore.MatchString(id) || strings.Trim(id, ".") == "" {
		return fmt.Errorf("store id %q may only contain letters, digits, '.', '_' and '-'", id)
	}
	return nil
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Store) path(storeID, name string) string {
	return filepath.Join(s.Dir, storeID, name+".json")
}

// Create stores a secret under a new id, replacing one of the same name
// (wrangler's local store does the same).
func (s *Store) Create(storeID, name, value, comment string, scopes []string) (Secret, error) {
	if err := ValidStoreID(storeID); err != nil {
		return Secret{}, err
	}
	if err := ValidName(name); err != nil {
		return Secret{}, err
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return Secret{}, err
	}
	now := s.now().UTC()
	sec := Secret{ID: hex.EncodeToString(id[:]), StoreID: storeID, Name: name, Value: value,
		Comment: comment, Scopes: scopes, Created: now, Modified: now}
	return sec, s.write(sec)
}

// Update gives the secret of id a new value.
func (s *Store) Update(storeID, id, value string) (Secret, error) {
	sec, err := s.Get(storeID, id)
	if err != nil {
		return Secret{}, err
	}
	sec.Value, sec.Modified = value, s.now().UTC()
	return sec, s.write(sec)
}

func (s *Store) write(sec Secret) error {
	b, err := json.MarshalIndent(sec, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(s.path(sec.StoreID, sec.Name), append(b, '\n'), 0o600)
}

// List returns the secrets of a store by name.
func (s *Store) List(storeID string) ([]Secret, error) {
	if err := ValidStoreID(storeID); err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(s.Dir, storeID, "*.json"))
	if err != nil {
		return nil, err
	}
	out := []Secret{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read secret: %w", err)
		}
		var sec Secret
		if err := json.Unmarshal(b, &sec); err != nil {
			return nil, fmt.Errorf("read secret %s: %w", f, err)
		}
		out = append(out, sec)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Get returns the secret of id.
func (s *Store) Get(storeID, id string) (Secret, error) {
	all, err := s.List(storeID)
	if err != nil {
		return Secret{}, err
	}
	for _, sec := range all {
		if sec.ID == id {
			return sec, nil
		}
	}
	return Secret{}, fmt.Errorf("store %s: %w: %s", storeID, ErrNotFound, id)
}

// Delete removes the secret of id.
func (s *Store) Delete(storeID, id string) (Secret, error) {
	sec, err := s.Get(storeID, id)
	if err != nil {
		return Secret{}, err
	}
	if err := os.Remove(s.path(storeID, sec.Name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Secret{}, fmt.Errorf("delete secret %s: %w", sec.Name, err)
	}
	return sec, nil
}
