package workerd

import (
	"context"
	"sync"
	"testing"
)

// calls records the control ops each member was sent.
type calls struct {
	mu  sync.Mutex
	ops []string
}

func (c *calls) control(name string) func(ctx context.Context, class, id, op string) error {
	return func(ctx context.Context, class, id, op string) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.ops = append(c.ops, name+" "+op+" "+class+" "+id)
		return nil
	}
}

func TestAcquireAsksTheHolderToRelease(t *testing.T) {
	var c calls
	o := NewObjects()
	a, b := o.Join("a", c.control("a")), o.Join("b", c.control("b"))
	ctx := context.Background()
	if handoff, err := a.Acquire(ctx, "Counter", "1"); err != nil || handoff {
		t.Fatalf("first acquire: handoff %v, %v", handoff, err)
	}
	if handoff, err := b.Acquire(ctx, "Counter", "1"); err != nil || !handoff {
		t.Fatalf("second acquire: handoff %v, %v", handoff, err)
	}
	if len(c.ops) != 1 || c.ops[0] != "a release Counter 1" {
		t.Fatalf("control calls: %q", c.ops)
	}
}

// TestClusterAcquireGrantsAtOnce: in a workerd cluster an object's builder
// is its owner; valet asks no other process to release it, and reports no
// handoff of its own (workerd moves the alarm with the object).
func TestClusterAcquireGrantsAtOnce(t *testing.T) {
	var c calls
	o := NewClusterObjects()
	a, b := o.Join("a", c.control("a")), o.Join("b", c.control("b"))
	ctx := context.Background()
	for _, m := range []*Member{a, b, a} {
		if handoff, err := m.Acquire(ctx, "Counter", "1"); err != nil || handoff {
			t.Fatalf("acquire by %s: handoff %v, %v", m.name, handoff, err)
		}
	}
	if len(c.ops) != 0 {
		t.Fatalf("control calls in cluster mode: %q", c.ops)
	}
}
