package bundle

import (
	"strings"
	"testing"
)

func TestRefreshTransform(t *testing.T) {
	tests := []struct {
		name, src string
		register  []string // names registered
		boundary  bool
	}{
		{"default function", "export default function App() {\n  return <p/>;\n}\n", []string{"App"}, true},
		{"arrow and memo", "const Row = ({a}: P) => <li>{a}</li>;\nexport const List = memo(() => <ul/>);\nexport default Row;\n", []string{"Row", "List"}, true},
		{"typed FC", "export const Card: React.FC<Props> = (p) => <div/>;\n", []string{"Card"}, true},
		{"class", "export class Old extends React.Component {}\n", []string{"Old"}, true},
		{"export list", "function A() {}\nfunction B() {}\nexport { A, B as C };\nexport type { P } from './p';\n", []string{"A", "B"}, true},
		{"also a constant", "export const limit = 3;\nexport function Pager() {}\n", []string{"Pager"}, false},
		{"also a hook", "export function useThing() {}\nexport function Thing() {}\n", []string{"Thing"}, false},
		{"re-export", "export { Button } from './Button';\nexport function Icon() {}\n", []string{"Icon"}, false},
		{"anonymous default", "function Inner() {}\nexport default function () {}\n", []string{"Inner"}, false},
		{"no exports (entry)", "function Root() {}\ncreateRoot(el).render(<Root/>);\n", []string{"Root"}, false},
		{"types only besides", "export type Props = {};\nexport interface Q {}\nexport default function View() {}\n", []string{"View"}, true},
		{"no component", "export const x = 1;\nfunction helper() {}\n", nil, false},
		{"nested not top-level", "export function make() {\n  function Inner() {}\n  return Inner;\n}\n", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, boundary := refreshTransform("src/x.tsx", tt.src, 1)
			if !strings.HasPrefix(out, tt.src) {
				t.Fatalf("the source is not kept as is:\n%s", out)
			}
			for _, n := range tt.register {
				if !strings.Contains(out, `R.register(`+n+`, "src/x.tsx `+n+`")`) {
					t.Errorf("%s not registered:\n%s", n, out)
				}
			}
			if got := strings.Count(out, "R.register("); got != len(tt.register) {
				t.Errorf("%d registrations, want %d:\n%s", got, len(tt.register), out)
			}
			if boundary != tt.boundary {
				t.Errorf("boundary = %v, want %v", boundary, tt.boundary)
			}
		})
	}
}

// The hook signature changes with the hooks a module calls, not with its
// text: an edit of the markup keeps the state, a new hook remounts.
func TestRefreshSignature(t *testing.T) {
	sig := func(src string) string {
		out, _ := refreshTransform("a.tsx", src, 1)
		i := strings.Index(out, "R.setSignature(")
		return out[i : strings.Index(out[i:], ")")+i]
	}
	a := sig("export default function A() { const [x] = useState(0); return <p>one</p>; }")
	b := sig("export default function A() { const [x] = useState(0); return <p>two</p>; }")
	c := sig("export default function A() { const [x] = useState(0); useEffect(() => {}); return <p/>; }")
	if a != b {
		t.Errorf("markup edit changed the signature: %s vs %s", a, b)
	}
	if a == c {
		t.Errorf("a new hook kept the signature: %s", a)
	}
}

func TestIsAppModule(t *testing.T) {
	for p, want := range map[string]bool{
		"/p/src/App.tsx":                   true,
		"/p/src/util.ts":                   true,
		"/p/src/types.d.ts":                false,
		"/p/src/style.css":                 false,
		"/p/node_modules/react/index.js":   false,
		"/p/.valet/dev/x.js":               false,
		"/elsewhere/shared/Button.tsx":     false,
		"/p/packages/ui/node_modules/a.js": false,
	} {
		if got := isAppModule("/p", p); got != want {
			t.Errorf("isAppModule(%s) = %v, want %v", p, got, want)
		}
	}
}
