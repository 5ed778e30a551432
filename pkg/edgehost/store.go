package edgehost

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/valet-dev/valet/pkg/internal/atomicfile"
)

// DefaultStateDir is where the state volume is mounted in the edge container.
const DefaultStateDir = "/state"

// DefaultKeep is how many versions a host keeps when deploy.keep is unset.
const DefaultKeep = 5

// State is state.json: what the host serves and what it keeps.
type State struct {
	App    string `json:"app,omitempty"`
	Active string `json:"active,omitempty"` // version id, "" before the first deploy
	// History is newest first: every version kept on the host.
	History []VersionRecord `json:"history,omitempty"`
	Lock    *Lock           `json:"lock,omitempty"`
}

// VersionRecord is one version kept on the host.
type VersionRecord struct {
	ID        string    `json:"id"`
	Digest    string    `json:"digest,omitempty"`
	Created   time.Time `json:"created"`            // when it was staged on the host
	Activated time.Time `json:"activated,omitzero"` // when it last took traffic
	Summary   string    `json:"summary"`            // what changed against the version active when it was staged
	Images    []string  `json:"images,omitempty"`   // image IDs it runs
}

// Record returns the history entry for id.
func (s *State) Record(id string) (VersionRecord, bool) {
	for _, r := range s.History {
		if r.ID == id {
			return r, true
		}
	}
	return VersionRecord{}, false
}

// Store is the state volume.
type Store struct {
	Dir string
	// Clock tells the time of locks; nil is time.Now (tests move it).
	Clock func() time.Time
}

// NewStore returns the store at dir, creating its directories.
func NewStore(dir string) (*Store, error) {
	for _, d := range []string{"blobs", "versions", "incoming"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, fmt.Errorf("state volume %s: %w", dir, err)
		}
	}
	return &Store{Dir: dir}, nil
}

func (s *Store) path(parts ...string) string {
	return filepath.Join(append([]string{s.Dir}, parts...)...)
}

// Read returns state.json; a missing file is the empty state.
func (s *Store) Read() (*State, error) {
	b, err := os.ReadFile(s.path("state.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return &State{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("read state %s: %w", s.path("state.json"), err)
	}
	return &st, nil
}

// Update reads state.json, lets fn change it and writes it back atomically,
// all under an exclusive flock so that the server and an exec never lose
// each other's change. fn returning an error writes nothing.
func (s *Store) Update(fn func(*State) error) (*State, error) {
	unlock, err := lockFile(s.path("state.lock"))
	if err != nil {
		return nil, fmt.Errorf("lock state: %w", err)
	}
	defer unlock()
	st, err := s.Read()
	if err != nil {
		return nil, err
	}
	if err := fn(st); err != nil {
		return st, err
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	if err := atomicfile.Write(s.path("state.json"), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("write state: %w", err)
	}
	return st, nil
}
