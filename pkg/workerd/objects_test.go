package workerd

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// fakeProcess answers control requests as a facade would: release says
// whether the grant was taken in, and the object's alarm.
type fakeProcess struct {
	mu      sync.Mutex
	adopted map[uint64]bool
	alarms  map[string]int64 // by object id
	ops     []string
}

func newFake() *fakeProcess {
	return &fakeProcess{adopted: map[uint64]bool{}, alarms: map[string]int64{}}
}

// took records that the process took grant h of id in, with its alarm.
func (f *fakeProcess) took(m *Member, id string, h Handoff, alarm *int64) {
	m.Adopted("K", id, h.Epoch)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.adopted[h.Epoch] = true
	delete(f.alarms, id)
	if alarm != nil {
		f.alarms[id] = *alarm
	}
}

func (f *fakeProcess) control(_ context.Context, class, id, op string, epoch uint64) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, fmt.Sprintf("%s %s/%s %d", op, class, id, epoch))
	alarm := "null"
	if a, ok := f.alarms[id]; ok {
		alarm = fmt.Sprint(a)
	}
	return fmt.Appendf(nil, `{"adopted":%v,"alarm":%s}`, f.adopted[epoch], alarm), nil
}

func at(ms int64) *int64 { return &ms }

// A grant whose answer the holder has not taken in when it is asked to
// release it passes on what it carried, not the holder's (older) view.
func TestObjectsReleaseOfAGrantNotTakenIn(t *testing.T) {
	ctx := context.Background()
	o := NewObjects()
	pa, pb, pc := newFake(), newFake(), newFake()
	a, b, c := o.Join("a", pa.control), o.Join("b", pb.control), o.Join("c", pc.control)

	h, err := a.Acquire(ctx, "K", "x", false)
	if err != nil || h.Moved {
		t.Fatalf("first acquire: %+v %v", h, err)
	}
	pa.took(a, "x", h, at(1000))

	// b takes it: a took its grant in, so a's alarm goes to b.
	hb, err := b.Acquire(ctx, "K", "x", false)
	if err != nil || !hb.Moved || !hb.Known || hb.Alarm != (Alarm{Set: true, At: 1000}) || hb.Epoch <= h.Epoch {
		t.Fatalf("b: %+v %v", hb, err)
	}
	// c takes it before b took its grant in; b's storage view (no alarm)
	// is older than the grant: what the grant carried goes on.
	hc, err := c.Acquire(ctx, "K", "x", false)
	if err != nil || !hc.Moved || hc.Alarm != (Alarm{Set: true, At: 1000}) {
		t.Fatalf("c, over a grant b had not taken in: %+v %v", hc, err)
	}
	if len(pb.ops) != 1 || pb.ops[0] != fmt.Sprintf("release K/x %d", hb.Epoch) {
		t.Errorf("b was asked %v", pb.ops)
	}
}

// An alarm may take an object only in the process in service; the others
// hand objects with alarms over to it as they leave.
func TestObjectsAlarmsGoToTheProcessInService(t *testing.T) {
	ctx := context.Background()
	o := NewObjects()
	pold, pnew := newFake(), newFake()
	old := o.Join("old", pold.control)
	o.SetServing(ctx, old)
	hx, _ := old.Acquire(ctx, "K", "x", false)
	pold.took(old, "x", hx, at(5000))
	hy, _ := old.Acquire(ctx, "K", "y", false)
	pold.took(old, "y", hy, nil)

	cur := o.Join("new", pnew.control)
	if _, err := cur.Acquire(ctx, "K", "z", true); !errors.Is(err, ErrNotServing) {
		t.Errorf("an alarm of a process not in service: %v", err)
	}
	o.SetServing(ctx, cur)
	if _, err := old.Acquire(ctx, "K", "z", true); !errors.Is(err, ErrNotServing) {
		t.Errorf("an alarm of the old process: %v", err)
	}

	held := old.Leave(ctx)
	if len(held) != 2 {
		t.Fatalf("left holding %+v", held)
	}
	if len(pnew.ops) != 1 || pnew.ops[0] != "wake K/x 0" {
		t.Errorf("woken in the new process: %v (want x alone, which has an alarm)", pnew.ops)
	}
	h, err := cur.Acquire(ctx, "K", "x", false)
	if err != nil || !h.Moved || !h.Known || h.Alarm != (Alarm{Set: true, At: 5000}) {
		t.Errorf("x after old left: %+v %v", h, err)
	}
	if h, err := cur.Acquire(ctx, "K", "y", false); err != nil || !h.Moved || !h.Known || h.Alarm.Set {
		t.Errorf("y after old left: %+v %v", h, err)
	}
	if _, err := old.Acquire(ctx, "K", "x", false); err == nil {
		t.Error("a process that left took an object")
	}
}

func TestAcquireAsksTheHolderToRelease(t *testing.T) {
	o := NewObjects()
	pa, pb := newFake(), newFake()
	a, b := o.Join("a", pa.control), o.Join("b", pb.control)
	ctx := context.Background()
	if h, err := a.Acquire(ctx, "Counter", "1", false); err != nil || h.Moved {
		t.Fatalf("first acquire: %+v, %v", h, err)
	}
	if h, err := b.Acquire(ctx, "Counter", "1", false); err != nil || !h.Moved {
		t.Fatalf("second acquire: %+v, %v", h, err)
	}
	if len(pa.ops) != 1 || pa.ops[0] != "release Counter/1 1" || len(pb.ops) != 0 {
		t.Fatalf("control calls: a %q, b %q", pa.ops, pb.ops)
	}
}

// TestClusterAcquireGrantsAtOnce: in a workerd cluster an object's builder
// is its owner; valet asks no other process to release it, and reports no
// handoff of its own (workerd moves the alarm with the object).
func TestClusterAcquireGrantsAtOnce(t *testing.T) {
	o := NewClusterObjects()
	pa, pb := newFake(), newFake()
	a, b := o.Join("a", pa.control), o.Join("b", pb.control)
	ctx := context.Background()
	for _, m := range []*Member{a, b, a} {
		if h, err := m.Acquire(ctx, "Counter", "1", false); err != nil || h.Moved || h.Epoch == 0 {
			t.Fatalf("acquire by %s: %+v, %v", m.name, h, err)
		}
	}
	if len(pa.ops)+len(pb.ops) != 0 {
		t.Fatalf("control calls in cluster mode: %q %q", pa.ops, pb.ops)
	}
}

// TestClusterAcquireRecordsTheBuilder: in a cluster, the member whose
// facade built an object last holds it on this host (its container's
// monitor answers there only; valet status names the object's class), a
// container of the object from another image stops first, and leaving
// drops what the member held.
func TestClusterAcquireRecordsTheBuilder(t *testing.T) {
	o := NewClusterObjects()
	pa, pb := newFake(), newFake()
	a, b := o.Join("a", pa.control), o.Join("b", pb.control)
	var handed []string
	b.granted = func(_ context.Context, class, id string) error {
		handed = append(handed, class+"/"+id)
		return nil
	}
	ctx := context.Background()
	if _, err := a.Acquire(ctx, "Counter", "1", false); err != nil {
		t.Fatal(err)
	}
	if !a.Holds("Counter", "1") || b.Holds("Counter", "1") || len(a.Owned()) != 1 {
		t.Fatalf("after a built it: a holds %v (%v), b holds %v", a.Holds("Counter", "1"), a.Owned(), b.Holds("Counter", "1"))
	}
	if _, err := b.Acquire(ctx, "Counter", "1", false); err != nil {
		t.Fatal(err)
	}
	if a.Holds("Counter", "1") || !b.Holds("Counter", "1") || len(handed) != 1 {
		t.Fatalf("after b built it: a holds %v, b holds %v, container handoffs %v", a.Holds("Counter", "1"), b.Holds("Counter", "1"), handed)
	}
	if left := b.Leave(ctx); len(left) != 1 || b.Holds("Counter", "1") || len(pa.ops)+len(pb.ops) != 0 {
		t.Fatalf("leave: %v, control calls %q %q", left, pa.ops, pb.ops)
	}
}
