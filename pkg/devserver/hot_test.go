package devserver

import (
	"reflect"
	"testing"

	"github.com/valet-dev/valet/pkg/bundle"
)

func TestPlanHot(t *testing.T) {
	res := &bundle.FrontendResult{Modules: map[string]bundle.HotModule{
		"/p/src/App.tsx":  {URL: "/assets/src_App-B.js", Boundary: true, Chunks: []string{"/assets/chunk-X.js", "/assets/chunk-Same.js"}},
		"/p/src/main.tsx": {URL: "/assets/src_main-B.js"},
	}}
	jsChanged := []string{"assets/src_App-B.js", "assets/chunk-X.js", "assets/index-B.js"}
	u, ok := planHot(res, jsChanged, false, []string{"/p/src/App.tsx"})
	if !ok || !reflect.DeepEqual(u.Modules, []string{"/assets/src_App-B.js"}) {
		t.Fatalf("App edit: %+v %v, want a hot update of App", u, ok)
	}
	if !reflect.DeepEqual(u.Chunks, []string{"/assets/chunk-X.js"}) {
		t.Errorf("App edit: chunks %v, want the changed chunk App imports", u.Chunks)
	}
	u, ok = planHot(res, append(jsChanged, "assets/index-C.css"), false, []string{"/p/src/App.tsx", "/p/src/App.css"})
	if !ok || !reflect.DeepEqual(u.CSS, []string{"/assets/index-C.css"}) {
		t.Errorf("App and its CSS: %+v %v, want the stylesheet swapped with it", u, ok)
	}
	for name, tc := range map[string]struct {
		res     *bundle.FrontendResult
		changed []string
		html    bool
		sources []string
	}{
		"entry module":        {res, jsChanged, false, []string{"/p/src/main.tsx"}},
		"unknown module":      {res, jsChanged, false, []string{"/p/src/util.ts"}},
		"html changed":        {res, jsChanged, true, []string{"/p/src/App.tsx"}},
		"asset changed":       {res, append(jsChanged, "assets/logo-B.svg"), false, []string{"/p/src/App.tsx"}},
		"css only":            {res, []string{"assets/index-C.css"}, false, []string{"/p/src/App.css"}},
		"relaid":              {&bundle.FrontendResult{Modules: res.Modules, Relaid: true}, jsChanged, false, []string{"/p/src/App.tsx"}},
		"no fast refresh":     {&bundle.FrontendResult{}, jsChanged, false, []string{"/p/src/App.tsx"}},
		"nothing said why":    {res, jsChanged, false, nil},
		"boundary and helper": {res, jsChanged, false, []string{"/p/src/App.tsx", "/p/src/main.tsx"}},
	} {
		if u, ok := planHot(tc.res, tc.changed, tc.html, tc.sources); ok {
			t.Errorf("%s: hot update %+v, want a reload", name, u)
		}
	}
}

func TestMergeHot(t *testing.T) {
	for _, tc := range [][3]string{
		{"", msgHot, msgHot}, {msgCSS, msgHot, msgHot}, {msgHot, msgReload, msgReload}, {msgReload, msgHot, msgReload},
	} {
		if got := merge(tc[0], tc[1]); got != tc[2] {
			t.Errorf("merge(%q, %q) = %q, want %q", tc[0], tc[1], got, tc[2])
		}
	}
}
