package edgehost

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/valet-dev/valet/pkg/internal/atomicfile"
)

// Secrets reads secrets.json (name → value).
func (s *Store) Secrets() (map[string]string, error) {
	b, err := os.ReadFile(s.path("secrets.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read secrets: %w", err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read secrets: %w", err)
	}
	return m, nil
}

// SecretNames lists the secrets' names, sorted; never their values.
func (s *Store) SecretNames() ([]string, error) {
	m, err := s.Secrets()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names, nil
}

// PutSecret sets one secret (value "" with del deletes it). secrets.json is
// written 0600 through a rename, under the state lock.
func (s *Store) PutSecret(name, value string, del bool) (bool, error) {
	if err := ValidSecretName(name); err != nil {
		return false, err
	}
	unlock, err := lockFile(s.path("state.lock"))
	if err != nil {
		return false, err
	}
	defer unlock()
	m, err := s.Secrets()
	if err != nil {
		return false, err
	}
	_, existed := m[name]
	if del {
		if !existed {
			return false, nil
		}
		delete(m, name)
	} else {
		m[name] = value
	}
	b, err := json.Marshal(m)
	if err != nil {
		return false, err
	}
	if err := atomicfile.Write(s.path("secrets.json"), b, 0o600); err != nil {
		return false, fmt.Errorf("write secrets: %w", err)
	}
	return existed, nil
}

// ValidSecretName accepts what wrangler accepts as a binding name.
func ValidSecretName(name string) error {
	if name == "" || strings.IndexFunc(name, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) >= 0 || name[0] >= '0' && name[0] <= '9' {
		return fmt.Errorf("invalid secret name %q: use letters, digits and _ (not starting with a digit)", name)
	}
	return nil
}
