package durable

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// IDFromName is the object id for name in the namespace key: hex of
// SHA-256(key, name), 64 characters like Cloudflare's, and the same on
// every run, so that storage found by name survives restarts.
func IDFromName(key, name string) string {
	h := sha256.New()
	h.Write([]byte(key))
	h.Write([]byte{0})
	h.Write([]byte(name))
	return hex.EncodeToString(h.Sum(nil))
}

// NewUniqueID is a random 64-hex-digit id.
func NewUniqueID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NewUniqueIDIn is a random id of the namespace key: its last 8 hex digits
// are the namespace's tag, so that idFromString on another namespace can
// refuse it, as the platform does (its ids also encode their namespace).
func NewUniqueIDIn(key string) string {
	id := NewUniqueID()
	return id[:56] + uniqueTag(key)
}

// uniqueTag is the namespace tag that ends the unique ids of key.
func uniqueTag(key string) string {
	h := sha256.Sum256([]byte("valet-unique\x00" + key))
	return hex.EncodeToString(h[:4])
}

// hasTag reports whether id is a unique id of the namespace key.
func hasTag(id, key string) bool { return len(id) == 64 && id[56:] == uniqueTag(key) }

// ParseID validates a string id (idFromString).
func ParseID(s string) (string, error) {
	if len(s) != 64 {
		return "", fmt.Errorf("Invalid Durable Object ID: must be 64 hex digits (got %d characters: %q)", len(s), clip(s))
	}
	if _, err := hex.DecodeString(s); err != nil {
		return "", fmt.Errorf("Invalid Durable Object ID: must be 64 hex digits (got %q)", clip(s))
	}
	return toLower(s), nil
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'F' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
