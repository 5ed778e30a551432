// Package cacheapi keeps what a worker puts in the Cache API (caches.default
// and caches.open(name)). workerd sends each cache.match, cache.put and
// cache.delete to the service its config names as cacheApiOutbound, as an
// HTTP request; Store answers them as Cloudflare's cache does in one data
// center: Cache-Control, Expires and the default TTLs by status decide what
// is kept and for how long, responses setting cookies are not kept, and a
// match honours If-None-Match, If-Modified-Since and Range.
package cacheapi

import (
	"container/list"
	"net/http"
	"sync"
	"time"
)

// DefaultMaxBytes bounds the bodies a Store keeps when Options.MaxBytes is
// unset; the least recently used entries go first.
const DefaultMaxBytes = 256 << 20

// Options configure a Store.
type Options struct {
	// MaxBytes is the total size of the bodies kept (DefaultMaxBytes when
	// 0). A response larger than that is refused.
	MaxBytes int64
	// Now is the clock that ages entries (time.Now when nil).
	Now func() time.Time
}

// Store is an in-memory cache shared by every worker process it serves
// (one per version): a new version finds what the previous one cached, as
// on Cloudflare, where a deploy does not purge the cache.
type Store struct {
	opts Options

	mu      sync.Mutex
	entries map[string]*list.Element // key → element of lru holding *entry
	lru     *list.List               // most recently used first
	size    int64
}

// entry is one cached response.
type entry struct {
	key     string
	status  int
	header  http.Header
	body    []byte
	expires time.Time
}

// New returns an empty store.
func New(opts Options) *Store {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{opts: opts, entries: map[string]*list.Element{}, lru: list.New()}
}

// get returns the live entry at key, dropping it when it has expired.
func (s *Store) get(key string) *entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.entries[key]
	if !ok {
		return nil
	}
	e := el.Value.(*entry)
	if !s.opts.Now().Before(e.expires) {
		s.remove(el)
		return nil
	}
	s.lru.MoveToFront(el)
	return e
}

// put stores e in place of any entry at its key, evicting the least
// recently used entries beyond MaxBytes. It reports false when e alone is
// larger than MaxBytes.
func (s *Store) put(e *entry) bool {
	if int64(len(e.body)) > s.opts.MaxBytes {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.entries[e.key]; ok {
		s.remove(el)
	}
	s.entries[e.key] = s.lru.PushFront(e)
	s.size += int64(len(e.body))
	for s.size > s.opts.MaxBytes {
		s.remove(s.lru.Back())
	}
	return true
}

// delete removes the entry at key and reports whether a live one was there.
func (s *Store) delete(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.entries[key]
	if !ok {
		return false
	}
	live := s.opts.Now().Before(el.Value.(*entry).expires)
	s.remove(el)
	return live
}

func (s *Store) remove(el *list.Element) {
	e := el.Value.(*entry)
	s.lru.Remove(el)
	delete(s.entries, e.key)
	s.size -= int64(len(e.body))
}
