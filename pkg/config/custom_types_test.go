package config

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestCustomTypesJSONRoundTrip(t *testing.T) {
	for _, in := range []string{
		`{"run_worker_first":true}`,
		`{"run_worker_first":false}`,
		`{"run_worker_first":["/api/*","!/api/docs"]}`,
	} {
		var a Assets
		if err := json.Unmarshal([]byte(in), &a); err != nil {
			t.Fatal(err)
		}
		out, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != in {
			t.Errorf("round trip of %s gave %s", in, out)
		}
	}
	var a Assets
	if err := json.Unmarshal([]byte(`{"run_worker_first":"yes"}`), &a); err == nil {
		t.Error("a string run_worker_first was accepted")
	}

	for in, want := range map[string]StringList{`"src"`: {"src"}, `["a","b"]`: {"a", "b"}} {
		var l StringList
		if err := json.Unmarshal([]byte(in), &l); err != nil || !reflect.DeepEqual(l, want) {
			t.Errorf("StringList %s = %v, %v", in, l, err)
		}
	}
	var l StringList
	if err := json.Unmarshal([]byte(`3`), &l); err == nil {
		t.Error("a number StringList was accepted")
	}
}

// A decoded config survives encoding/json, which other packages use to
// hash and ship it.
func TestConfigJSONRoundTrip(t *testing.T) {
	c, _, err := Parse("valet.jsonc", readFixture(t, "design.jsonc"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	c2, diags, err := Parse("valet.json", b)
	if err != nil || len(diags) != 0 {
		t.Fatalf("re-parse: %v %v\n%s", err, diags, b)
	}
	if !reflect.DeepEqual(c, c2) {
		t.Errorf("round trip differs:\n%+v\n%+v", c, c2)
	}
}
