package edgehost

import (
	"os"
	"path/filepath"
)

// Prune keeps the newest keep versions (and always the active one), removes
// the others' directories and every blob no kept version uses. It returns
// the records removed, so the client can remove their images.
func (s *Store) Prune(keep int) ([]VersionRecord, error) {
	if keep <= 0 {
		keep = DefaultKeep
	}
	var removed []VersionRecord
	st, err := s.Update(func(st *State) error {
		var kept []VersionRecord
		for _, r := range st.History {
			if r.ID == st.Active || len(kept) < keep {
				kept = append(kept, r)
				continue
			}
			removed = append(removed, r)
		}
		if len(removed) == 0 {
			return errNoChange
		}
		st.History = kept
		return nil
	})
	if err != nil && err != errNoChange {
		return nil, err
	}
	for _, r := range removed {
		if err := os.RemoveAll(s.VersionDir(r.ID)); err != nil {
			return removed, err
		}
	}
	// Blobs no kept version names go. Staging happens under the deploy
	// lock, as does Prune (from an activation), so none is half-staged.
	used := map[string]bool{}
	for _, r := range st.History {
		if m, err := s.Manifest(r.ID); err == nil {
			for _, f := range Files(m) {
				used[f.Hash] = true
			}
		}
	}
	entries, err := os.ReadDir(s.path("blobs"))
	if err != nil {
		return removed, err
	}
	for _, e := range entries {
		if used[e.Name()] || len(removed) == 0 {
			continue
		}
		_ = os.Remove(filepath.Join(s.path("blobs"), e.Name()))
	}
	return removed, nil
}
