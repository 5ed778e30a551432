package config

import (
	"fmt"
	"slices"
	"strings"
)

// suggest returns the candidate closest to s, or "" when none is close
// enough to be a plausible typo. Case, '-' and '_' are ignored first, so
// that className finds class_name.
func suggest(s string, candidates []string) string {
	ns := norm(s)
	best, bestDist := "", 1<<30
	for _, c := range candidates {
		if c == s {
			continue
		}
		nc := norm(c)
		if nc == ns {
			return c
		}
		d := damerau(ns, nc)
		limit := max(1, min(len(ns), len(nc))/3)
		if d <= limit && d < bestDist {
			best, bestDist = c, d
		}
	}
	// A key cut short (not_found → not_found_handling) is also a typo.
	if best == "" && len(ns) >= 4 {
		for _, c := range candidates {
			if strings.HasPrefix(norm(c), ns) {
				return c
			}
		}
	}
	return best
}

// damerau is the optimal string alignment distance: insertions, deletions,
// substitutions and transpositions of adjacent bytes each cost 1.
// norm folds the spellings of one key together: className, class-name and
// CLASS_NAME all become classname.
func norm(x string) string {
	b := make([]byte, 0, len(x))
	for i := 0; i < len(x); i++ {
		c := x[i]
		switch {
		case c == '_' || c == '-':
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func damerau(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		// Keys that long are not typos of ours; avoid quadratic work on
		// hostile input.
		return 1 << 20
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// didYouMean is the hint for an unknown name: the closest of candidates
// and extra, or the list of candidates when it is short enough to read.
func didYouMean(s string, candidates, extra []string, what string) string {
	if c := suggest(s, append(slices.Clip(candidates), extra...)); c != "" {
		return fmt.Sprintf("did you mean %q?", c)
	}
	if len(candidates) == 0 {
		return ""
	}
	if len(candidates) <= 12 {
		return fmt.Sprintf("%s: %s", what, quoteList(candidates))
	}
	return fmt.Sprintf("see .valet/valet.schema.json (written by valet types) for the %s", what)
}

// quoteList renders ["a", "b"] as `"a", "b"`.
func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}
